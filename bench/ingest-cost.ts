// Where an ingested message's time goes: CPU seconds per message, by process, while the same
// single-sample signed batches as ingest-messages go (a) through the platform and (b) to the bare
// Fastify route of ingest-messages' ceiling, in the same run. Counted from /proc (Linux): the
// load generator (the child process), this process's main thread and its other threads
// (signature verifiers, V8's garbage-collection helpers), and the PostgreSQL backends serving the
// benchmark's database plus the server's shared writers (WAL writer, checkpointer, background
// writer). CPU time, not wall time: what another process on the machine takes is not counted
// (a virtual machine's contention with its host still shows in it).
//
// BENCH value: the platform's CPU µs per message, every component counted; baseline: the bare
// route's (load generator and server); ratio: value / baseline, how many times as much work a
// message costs when it is verified, checked, written with its ledger leaf and acknowledged
// after the commit. The ingest cannot go faster than cores × 1e6 / value messages per second.
// Run: npx tsx bench/ingest-cost.ts
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type LoadResult, presignBatches, runHttpLoad, startBenchPlatform } from './ingest-http.js';
import { startBareServer } from './ingest-messages.js';
import { type BenchResult, isMain, printBench } from './support.js';

const ROBOTS = 200;
const JOINTS = 32;
const MESSAGES_PER_ROBOT = 150;
const CONNECTIONS = 256;
/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

type Component = 'load generator' | 'platform main thread' | 'platform other threads' | 'PostgreSQL';

function cpuTicks(statLine: string): number {
  // Fields after "pid (comm) ": state is the 1st, utime the 12th, stime the 13th (proc(5)).
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread ended between listing and reading
  }
}

/** CPU ticks so far of each thread and process that counts, keyed by what it is and its id. */
function cpuSnapshot(database: string): Map<string, { component: Component; ticks: number }> {
  const out = new Map<string, { component: Component; ticks: number }>();
  const self = String(process.pid);
  for (const thread of readdirSync(`/proc/${self}/task`)) {
    const stat = read(`/proc/${self}/task/${thread}/stat`);
    const component = thread === self ? 'platform main thread' : 'platform other threads';
    if (stat) out.set(`t${thread}`, { component, ticks: cpuTicks(stat) });
  }
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && d !== self)) {
    const cmdline = read(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ') ?? '';
    const ours =
      cmdline.startsWith('postgres:') &&
      (cmdline.includes(` ${database} `) || /walwriter|checkpointer|background writer/.test(cmdline));
    const stat = ours ? read(`/proc/${pid}/stat`) : undefined;
    if (stat) out.set(`p${pid}`, { component: 'PostgreSQL', ticks: cpuTicks(stat) });
  }
  return out;
}

/**
 * Runs `load` and returns its result with the CPU µs per message each component spent on it.
 * Per thread and process: one that appeared meanwhile counts whole; one that ended meanwhile
 * (an idle pool connection closed) loses only what it spent since the first snapshot.
 */
async function measured(database: string, load: (onStart: () => void) => Promise<LoadResult>) {
  // From the moment the load process starts its clock: handing it the pre-signed bodies is
  // the benchmark's cost, not the ingest's.
  let before = cpuSnapshot(database);
  const result = await load(() => {
    before = cpuSnapshot(database);
  });
  const after = cpuSnapshot(database);
  const micros = new Map<Component, number>();
  for (const [id, { component, ticks }] of after) {
    const spent = ticks - (before.get(id)?.ticks ?? 0);
    micros.set(component, (micros.get(component) ?? 0) + (spent / TICKS_PER_SECOND) * 1e6);
  }
  // The load process has exited by now: it reports its own CPU while its clock ran.
  micros.set('load generator', result.cpuMicros);
  const perMessage = new Map<Component, number>();
  for (const [component, total] of micros) perMessage.set(component, total / result.ok);
  return { result, perMessage };
}

const sum = (m: Map<Component, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export async function run(): Promise<BenchResult> {
  const bench = await startBenchPlatform({ robots: ROBOTS, jointCount: JOINTS });
  const bare = await startBareServer();
  const database = new URL(bench.database.url).pathname.slice(1);
  try {
    const warm = presignBatches(bench.fleet, 5, 1, 7).bodies;
    await runHttpLoad(bench.platform.url, warm, CONNECTIONS);
    await runHttpLoad(bare.url, warm, CONNECTIONS);
    const { bodies } = presignBatches(bench.fleet, MESSAGES_PER_ROBOT, 1, 42, 1000);
    const platform = await measured(database, (onStart) =>
      runHttpLoad(bench.platform.url, bodies, CONNECTIONS, undefined, onStart),
    );
    if (platform.result.ok !== bodies.length)
      throw new Error(`${bodies.length - platform.result.ok} batches were not stored`);
    const baseline = await measured(database, (onStart) =>
      runHttpLoad(bare.url, bodies, CONNECTIONS, undefined, onStart),
    );
    const cores = availableParallelism();
    const rows: [string, number, number][] = (
      ['load generator', 'platform main thread', 'platform other threads', 'PostgreSQL'] as Component[]
    ).map((c) => [c, platform.perMessage.get(c) ?? 0, baseline.perMessage.get(c) ?? 0]);
    const value = sum(platform.perMessage);
    const bareCost = sum(baseline.perMessage);
    process.stdout.write(
      `ingest-cost: CPU µs per single-sample message (${bodies.length} messages, ${CONNECTIONS} clients)\n` +
        rows
          .map(
            ([c, p, b]) =>
              `  ${c.padEnd(24)} platform ${p.toFixed(0).padStart(5)}   bare route ${b.toFixed(0).padStart(5)}`,
          )
          .join('\n') +
        `\n  ${'all'.padEnd(24)} platform ${value.toFixed(0).padStart(5)}   bare route ${bareCost.toFixed(0).padStart(5)}` +
        `\n  at most ${Math.round((cores * 1e6) / value)} messages/s through the platform on ${cores} cores` +
        ` (${Math.round((cores * 1e6) / bareCost)}/s to the bare route); measured rates this run:` +
        ` ${Math.round(platform.result.ok / platform.result.seconds)}/s and ${Math.round(baseline.result.ok / baseline.result.seconds)}/s\n`,
    );
    return {
      name: 'ingest-cost',
      value: Math.round(value),
      unit: 'µs CPU/message',
      baseline: Math.round(bareCost),
      ratio: Math.round((value / bareCost) * 100) / 100,
    };
  } finally {
    await bare.close();
    await bench.close();
  }
}

if (isMain(import.meta.url) && !process.env.BENCH_LOAD_ROLE) printBench(await run());
