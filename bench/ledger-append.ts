// ledger-append: durable ledger appends per second on PostgreSQL, checkpoints on.
//
// Many concurrent producers (like telemetry ingest writing batch digests) append ~300-byte
// records as version 2 leaves through the real LedgerWriter: each producer salts its record and
// commits to it (SHA-256(salt ‖ record)), and the writer stores the commitment entry, the
// opening (salt and record) and the tree (group commit: the leaves, the interior nodes they
// complete and the new head in one statement and one transaction per group), with the
// checkpointer signing a checkpoint at most a second after each append. A producer's append counts once its promise resolves, i.e. once
// it is committed. Baseline, same run, same records: batched plain INSERTs (unnest, 512 rows a
// statement, each committed) into an unindexed table. Targets: >= 20,000/s and ratio >= 0.4.
import { randomUUID } from 'node:crypto';
import {
  canonicalJsonBytes,
  formatCommitmentEntry,
  makeSalt,
  recordCommitment,
  rootFromLeafHashes,
  rootFromNodeHashes,
  treeRootNodes,
} from '../src/ledger/index.js';
import { LedgerCheckpointer } from '../src/server/ledger/checkpointer.js';
import { ephemeralLedgerKey } from '../src/server/ledger/ledger-key.js';
import { fetchNodeHashes } from '../src/server/ledger/ledger-nodes.js';
import { LedgerWriter } from '../src/server/ledger/ledger-writer.js';
import { type BenchDatabase, freshPostgres, isMain, printBench } from './support.js';

// The writer's sequencing under test, not the platform's record kinds: any kind may be appended.
const ANY_KIND = { has: () => true };

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 60_000);
const PRODUCERS = Number(process.env.BENCH_PRODUCERS ?? 1024);
const BASELINE_BATCH = 512;

/** A telemetry-batch record like the ones ingest logs: about 300 bytes of canonical JSON. */
function makeEntries(count: number): Uint8Array[] {
  const robot = randomUUID();
  const entries: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const record = {
      digest: `${i.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`,
      from: '2026-11-26T08:00:00.000Z',
      id: `${robot}:${i}`,
      kind: 'telemetry_batch',
      robot,
      robotId: 'CNB7K2B0A3T511000000000123455',
      samples: 100,
      seq: i,
      to: '2026-11-26T08:00:59.990Z',
    };
    entries.push(canonicalJsonBytes(record));
  }
  return entries;
}

const LOG_KEY = ephemeralLedgerKey('bench.roboledger.example/ledger');

async function appendThroughWriter(
  bench: BenchDatabase,
  entries: Uint8Array[],
): Promise<{ seconds: number; checkpoints: number }> {
  const checkpointer = new LedgerCheckpointer(bench.db, LOG_KEY);
  const writer = new LedgerWriter(bench.db, {
    recordKinds: ANY_KIND,
    onCommit: (tree) => checkpointer.notify(tree),
  });
  const before = (await bench.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_checkpoints'))
    .rows[0]!.n;
  let next = 0;
  const started = performance.now();
  const producer = async () => {
    for (let i = next++; i < entries.length; i = next++) {
      const salt = makeSalt();
      const record = entries[i]!;
      const entry = formatCommitmentEntry('telemetry_batch', recordCommitment(salt, record));
      await writer.appendEntries([
        { record: { kind: 'telemetry_batch', id: String(i) }, entry, opening: { salt, record } },
      ]);
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
  const seconds = (performance.now() - started) / 1000;
  await writer.close();
  await checkpointer.close();
  const after = (await bench.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_checkpoints'))
    .rows[0]!.n;
  return { seconds, checkpoints: after - before };
}

/**
 * The baseline: batched INSERTs of the same bytes into a table with no index, each committed.
 * The bytes travel the way the writer sends them, as one binary bytea parameter per batch cut
 * apart in SQL; `bytea[]` parameters (escaped hex text) are measured too, for reference.
 */
async function plainInserts(
  bench: BenchDatabase,
  entries: Uint8Array[],
  table: string,
  transport: 'binary' | 'bytea[]',
): Promise<number> {
  await bench.db.query(`CREATE TABLE ${table} (entry bytea NOT NULL)`);
  const started = performance.now();
  for (let i = 0; i < entries.length; i += BASELINE_BATCH) {
    const batch = entries.slice(i, i + BASELINE_BATCH);
    if (transport === 'bytea[]') {
      await bench.db.query(`INSERT INTO ${table} (entry) SELECT * FROM unnest($1::bytea[])`, [batch]);
      continue;
    }
    const offsets: number[] = [];
    const lengths: number[] = [];
    const all = new Uint8Array(batch.reduce((n, e) => n + e.length, 0));
    let offset = 0;
    for (const entry of batch) {
      all.set(entry, offset);
      offsets.push(offset + 1);
      lengths.push(entry.length);
      offset += entry.length;
    }
    await bench.db.query(
      `INSERT INTO ${table} (entry) SELECT substr($1::bytea, x.off, x.len) FROM unnest($2::int[], $3::int[]) AS x(off, len)`,
      [all, offsets, lengths],
    );
  }
  return (performance.now() - started) / 1000;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<void> {
  const bench = await freshPostgres(4);
  try {
    // Warm-up on both paths (JIT, connection, catalog caches), not measured.
    await appendThroughWriter(bench, makeEntries(5_000));
    await plainInserts(bench, makeEntries(5_000), 'bench_warmup', 'binary');
    await plainInserts(bench, makeEntries(5_000), 'bench_warmup_array', 'bytea[]');

    // Rounds alternate baseline and ledger, so that a noisy neighbour hits both; medians count.
    const entries = makeEntries(ENTRIES);
    const rates = { ledger: [] as number[], baseline: [] as number[], array: [] as number[] };
    let checkpoints = 0;
    for (let round = 0; round < ROUNDS; round++) {
      rates.baseline.push(ENTRIES / (await plainInserts(bench, entries, `bench_plain_${round}`, 'binary')));
      rates.array.push(ENTRIES / (await plainInserts(bench, entries, `bench_array_${round}`, 'bytea[]')));
      const appended = await appendThroughWriter(bench, entries);
      rates.ledger.push(ENTRIES / appended.seconds);
      checkpoints += appended.checkpoints;
    }
    const { rows } = await bench.db.query<{ size: number; root: Uint8Array }>(
      'SELECT size, root FROM ledger_head',
    );
    const head = rows[0]!;
    if (head.size !== ROUNDS * ENTRIES + 5_000) throw new Error(`the ledger has ${head.size} entries`);
    // Not timed: the head is the tree of the stored leaves, and the stored nodes back it.
    const leaves = await bench.db.query<{ leaf_hash: Uint8Array }>(
      'SELECT leaf_hash FROM ledger_entries ORDER BY idx',
    );
    const stored = rootFromNodeHashes(await fetchNodeHashes(bench.db, treeRootNodes(head.size)));
    const recomputed = rootFromLeafHashes(leaves.rows.map((r) => r.leaf_hash));
    if (Buffer.compare(stored, head.root) !== 0 || Buffer.compare(recomputed, head.root) !== 0)
      throw new Error('the ledger head does not match its leaves and nodes');
    const value = median(rates.ledger);
    const baseline = median(rates.baseline);
    const list = (r: number[]) => r.map((x) => Math.round(x)).join(', ');
    process.stdout.write(
      `ledger-append: ${ROUNDS} rounds of ${ENTRIES} entries of ~${entries[0]!.length} bytes from ${PRODUCERS} producers, ` +
        `${checkpoints} checkpoints signed\n` +
        `  ledger appends/s: ${list(rates.ledger)}\n` +
        `  plain INSERTs/s, bytes sent binary (the baseline): ${list(rates.baseline)}\n` +
        `  plain INSERTs/s, bytes sent as bytea[] text: ${list(rates.array)} ` +
        `(ratio against their median: ${(value / median(rates.array)).toFixed(3)})\n`,
    );
    printBench({
      name: 'ledger-append',
      value: Math.round(value),
      unit: 'appends/s',
      baseline: Math.round(baseline),
      ratio: Number((value / baseline).toFixed(3)),
    });
  } finally {
    await bench.drop();
  }
}

if (isMain(import.meta.url)) await run();
