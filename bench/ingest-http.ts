// Telemetry ingest throughput, end to end over HTTP, on PostgreSQL: samples per second through
// the real platform (startPlatform: Fastify, verifier threads, group commit, rollups, alerts,
// one ledger leaf per batch), 50-sample batches of a 32-joint model, every batch signed by its
// robot and acknowledged only after its commit. Baseline, same run, same machine: `psql \copy`
// of the same rows into the same table layout (telemetry_samples of a second fresh database).
// Ratio target >= 0.5. Run: npx tsx bench/ingest-http.ts
//
// Also the shared harness of ingest-messages and ingest-mqtt: the platform in this process, the
// load generator in a CHILD PROCESS of its own (keep-alive connections, bodies signed before
// timing and handed over before the clock starts), so the client does not share the platform's
// process, heap or garbage collector; its clock runs from its first request to its last answer.
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type SimulatedRobot,
  seededRandom,
  signTelemetryBatch,
  simulateRobot,
} from '../src/core/simulation/index.js';
import type { TelemetrySample } from '../src/core/telemetry/index.js';
import { loadConfig } from '../src/server/config.js';
import { type RunningPlatform, startPlatform } from '../src/server/platform.js';
import { fileTelemetryFleet, httpCaller, type TelemetryFleet } from '../test/support/telemetry-fleet.js';
import { type BenchDatabase, type BenchResult, freshPostgres, isMain, printBench } from './support.js';

export const ADMIN = 'bench-admin-token-0123456789';

export interface BenchPlatform {
  platform: RunningPlatform;
  database: BenchDatabase;
  fleet: TelemetryFleet;
  close(): Promise<void>;
}

/** The real platform on a fresh PostgreSQL database, with `robots` filed and deployed. */
export async function startBenchPlatform(options: {
  robots: number;
  jointCount: number;
  env?: Record<string, string>;
}): Promise<BenchPlatform> {
  const database = await freshPostgres(20);
  const dataDir = mkdtempSync(join(tmpdir(), 'rl-bench-'));
  const config = loadConfig({
    DATABASE_URL: database.url,
    ROBOLEDGER_ADMIN_TOKEN: ADMIN,
    ROBOLEDGER_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_PORT: '-1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    // The benchmarks measure the ingest, not the per-address limiter: one client sends it all.
    ROBOLEDGER_TELEMETRY_RATE_LIMIT: '10000000',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
    ...options.env,
  });
  const platform = await startPlatform(config);
  const fleet = await fileTelemetryFleet(httpCaller(platform.url), ADMIN, {
    count: options.robots,
    jointCount: options.jointCount,
    // Limits the simulated fleet stays inside: alerts are exercised, not flooded.
    limits: { minBatterySohPct: 50, maxJointWear: 0.9, maxPositionErrorMm: 50 },
    concurrency: 16,
  });
  return {
    platform,
    database,
    fleet,
    async close() {
      await platform.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs `batchesPerRobot` batches of `samplesPerBatch` per robot, interleaved across robots. */
export function presignBatches(
  fleet: TelemetryFleet,
  batchesPerRobot: number,
  samplesPerBatch: number,
  seed = 42,
  firstSeq = 0,
): { bodies: string[]; samples: TelemetrySample[][] } {
  const root = seededRandom(seed);
  const sims: SimulatedRobot[] = fleet.robots.map((r, i) =>
    simulateRobot({ robotId: r.robotId, jointCount: r.jointCount, nextSeq: firstSeq }, root.fork(i + 1)),
  );
  const bodies: string[] = [];
  const samples: TelemetrySample[][] = [];
  const end = Date.now() - 1000;
  const intervalMs = 100;
  for (let b = 0; b < batchesPerRobot; b++) {
    for (let r = 0; r < fleet.robots.length; r++) {
      const endMs = end - (batchesPerRobot - 1 - b) * samplesPerBatch * intervalMs;
      const payload = sims[r]!.nextBatch(samplesPerBatch, intervalMs, endMs);
      bodies.push(signTelemetryBatch(payload, fleet.robots[r]!.device.privateKey));
      samples.push(payload.samples);
    }
  }
  return { bodies, samples };
}

/** A worker thread running this file (TypeScript through tsx: loaded by a dynamic import once tsx is registered). */
export function tsWorker(data: Record<string, unknown>, file = import.meta.url): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); })`;
  return new Worker(code, { eval: true, workerData: data });
}

/**
 * Runs `role` of `file` (TypeScript through tsx) in a child process with `data`, and resolves
 * with its one answer. The child is the load generator: a process of its own, like a fleet's.
 */
export function loadProcess<T>(
  role: string,
  data: Record<string, unknown>,
  file = import.meta.url,
  /** Called when the load process says its clock starts (a role that says so: http-load). */
  onStart?: () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(file), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_LOAD_ROLE: role },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let answered = false;
    child.on('message', (answer) => {
      if ((answer as { loadStarting?: boolean }).loadStarting) {
        onStart?.();
        return;
      }
      answered = true;
      resolve(answer as T);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`the ${role} load process exited with ${code}`));
    });
    child.send(data);
  });
}

/** In a load process: takes the data, runs `role`, answers once and exits. */
export function serveLoadRole<T>(run: (data: T) => Promise<unknown>): void {
  // The platform process went away (a failed or interrupted benchmark): no orphaned load.
  process.once('disconnect', () => process.exit(1));
  process.once('message', (data) => {
    void run(data as T).then(
      (answer) => process.send!(answer, () => process.exit(0)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

export interface LoadResult {
  ok: number;
  duplicates: number;
  errors: Record<string, number>;
  seconds: number;
  /** CPU the load process used while its clock ran (µs, user + system): bench/ingest-cost.ts. */
  cpuMicros: number;
}

/**
 * POSTs every body once over `connections` keep-alive connections from a child process (so the
 * client does not share the platform's process), retrying a 429 after a pause; resolves when
 * all are answered.
 */
export function runHttpLoad(
  url: string,
  bodies: string[],
  connections: number,
  path = '/v1/telemetry',
  onStart?: () => void,
): Promise<LoadResult> {
  return loadProcess<LoadResult>('http-load', { url, bodies, connections, path }, import.meta.url, onStart);
}

async function httpLoad(data: {
  url: string;
  bodies: string[];
  connections: number;
  path: string;
}): Promise<LoadResult> {
  const { hostname, port } = new URL(data.url);
  const agent = new Agent({ keepAlive: true, maxSockets: data.connections });
  let next = 0;
  let ok = 0;
  let duplicates = 0;
  const errors: Record<string, number> = {};
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: hostname,
          port,
          path: data.path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/jose', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  // Tell the parent the clock starts (loadProcess's onStart): its own CPU count starts too.
  await new Promise<void>((resolve) =>
    process.send ? process.send({ loadStarting: true }, () => resolve()) : resolve(),
  );
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const loop = async () => {
    while (next < data.bodies.length) {
      const body = data.bodies[next++]!;
      for (;;) {
        const res = await post(body);
        if (res.status === 202) {
          if (res.text.includes('"duplicate":true')) duplicates++;
          else ok++;
          break;
        }
        if (res.status === 429) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const key = `${res.status} ${res.text.slice(0, 120)}`;
        errors[key] = (errors[key] ?? 0) + 1;
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: data.connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const cpu = process.cpuUsage(cpuAtStart);
  return { ok, duplicates, errors, seconds, cpuMicros: cpu.user + cpu.system };
}

/** The COPY text format row of a sample (same columns as the platform's insert). */
function copyLine(robotUuid: string, seq: number, s: TelemetrySample): string {
  return [
    robotUuid,
    seq,
    s.t,
    s.battery.socPct,
    s.battery.sohPct,
    s.battery.cycles,
    s.battery.tempC,
    `{${s.joints.wear.join(',')}}`,
    `{${s.joints.tempC.join(',')}}`,
    s.accuracy.positionErrorMm,
    s.accuracy.taskSuccessRate,
    s.operatingHours,
    `{${s.faults.join(',')}}`,
  ].join('\t');
}

/** Rows per second of `psql \copy` of the same samples into telemetry_samples of a fresh database. */
export async function copyBaseline(samples: TelemetrySample[][], robotsUuids: string[]): Promise<number> {
  const database = await freshPostgres(2);
  const dir = mkdtempSync(join(tmpdir(), 'rl-copy-'));
  try {
    // The same partitions the platform made (days of the samples), and the robots they reference.
    let minMs = Number.POSITIVE_INFINITY;
    let maxMs = Number.NEGATIVE_INFINITY;
    const lines: string[] = [];
    for (let i = 0; i < samples.length; i++) {
      const robot = robotsUuids[i % robotsUuids.length]!;
      for (const s of samples[i]!) {
        const ms = Date.parse(s.t);
        if (ms < minMs) minMs = ms;
        if (ms > maxMs) maxMs = ms;
        lines.push(copyLine(robot, Math.floor(i / robotsUuids.length), s));
      }
    }
    for (let day = Math.floor(minMs / 86_400_000) * 86_400_000; day <= maxMs; day += 86_400_000) {
      const name = `telemetry_samples_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
      await database.db.query(
        `CREATE TABLE ${name} PARTITION OF telemetry_samples FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + 86_400_000).toISOString()}')`,
      );
    }
    const file = join(dir, 'samples.tsv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    // Only the copy is timed, by psql itself (`\\timing`): starting psql and connecting are not
    // part of what the platform's ingest is compared with.
    const psql = spawnSync(
      'psql',
      [
        database.url,
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        '\\timing on',
        '-c',
        `\\copy telemetry_samples FROM '${file}'`,
      ],
      { encoding: 'utf8' },
    );
    if (psql.status !== 0) throw new Error(`psql \\copy failed: ${psql.stderr}`);
    const timed = /COPY (\d+)\s+Time: ([\d.]+) ms/.exec(psql.stdout);
    if (!timed || Number(timed[1]) !== lines.length) {
      throw new Error(`psql \\copy: no timing for ${lines.length} rows in ${JSON.stringify(psql.stdout)}`);
    }
    return lines.length / (Number(timed[2]) / 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

export async function run(): Promise<BenchResult> {
  const ROBOTS = 100;
  const JOINTS = 32;
  const SAMPLES = 50;
  const BATCHES_PER_ROBOT = 24;
  const ROUNDS = 3;
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 128);
  const bench = await startBenchPlatform({ robots: ROBOTS, jointCount: JOINTS });
  try {
    const warm = presignBatches(bench.fleet, 2, SAMPLES, 7);
    await runHttpLoad(bench.platform.url, warm.bodies, connections);
    const { rows } = await bench.database.db.query<{ id: string; robot_id: string }>(
      'SELECT r.id, i.robot_id FROM robots r JOIN robot_ids i ON i.robot_uuid = r.id',
    );
    const uuidOf = new Map(rows.map((r) => [r.robot_id.trim(), r.id]));
    const uuids = bench.fleet.robots.map((r) => uuidOf.get(r.robotId)!);
    // Interleaved rounds, best of each: both sides see the same machine noise.
    let best = 0;
    let bestBaseline = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Sequence numbers of each round start after the previous ones'.
      const { bodies, samples } = presignBatches(
        bench.fleet,
        BATCHES_PER_ROBOT,
        SAMPLES,
        42 + round,
        100 * (round + 1),
      );
      const load = await runHttpLoad(bench.platform.url, bodies, connections);
      if (Object.keys(load.errors).length > 0)
        throw new Error(`refused batches: ${JSON.stringify(load.errors)}`);
      if (load.ok !== bodies.length) throw new Error(`${bodies.length - load.ok} batches were not stored`);
      best = Math.max(best, (load.ok * SAMPLES) / load.seconds);
      bestBaseline = Math.max(bestBaseline, await copyBaseline(samples, uuids));
    }
    const value = Math.round(best);
    const baseline = Math.round(bestBaseline);
    return {
      name: 'ingest-http',
      value,
      unit: 'samples/s',
      baseline,
      ratio: Math.round((value / baseline) * 1000) / 1000,
    };
  } finally {
    await bench.close();
  }
}

if (process.env.BENCH_LOAD_ROLE === 'http-load') {
  serveLoadRole(httpLoad);
} else if (isMain(import.meta.url) && !process.env.BENCH_LOAD_ROLE) {
  printBench(await run());
}
