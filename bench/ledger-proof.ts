// ledger-proof: inclusion-proof latency at 1,000,000 entries on PostgreSQL, p99 (target < 5 ms).
//
// The tree is built directly (not through the API, which would take minutes): entries and every
// completed interior node, computed with MerkleFrontier, bulk-inserted in chunks the way the
// sequencer stores them (leaf hashes in ledger_entries, interior nodes in runs of at most 60 in
// ledger_node_runs). Proofs are then timed through LedgerReader.inclusionProof, the function behind
// GET /v1/ledger/proofs/inclusion (one query for the O(log n) nodes plus the leaf), for random
// leaves against the full tree. Baseline, same run: a single primary-key lookup of an entry.
import { leafHash, MerkleFrontier, type NodeRecord, verifyInclusion } from '../src/ledger/index.js';
import type { Database } from '../src/server/db/sql-client.js';
import { INSERT_NODE_RUNS, nodeRuns } from '../src/server/ledger/ledger-nodes.js';
import { LedgerReader } from '../src/server/ledger/ledger-reader.js';
import { freshPostgres, isMain, percentile, printBench, timeEach } from './support.js';

const SIZE = Number(process.env.BENCH_SIZE ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5_000);
const CHUNK = 20_000;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function buildTree(db: Database, size: number): Promise<Uint8Array> {
  const frontier = new MerkleFrontier();
  const encoder = new TextEncoder();
  for (let begin = 0; begin < size; begin += CHUNK) {
    const end = Math.min(size, begin + CHUNK);
    const entries: Uint8Array[] = [];
    const leaves: Uint8Array[] = [];
    const nodes: NodeRecord[] = [];
    for (let i = begin; i < end; i++) {
      const entry = encoder.encode(`{"id":"bench-${i}","kind":"bench_entry","seq":${i}}`);
      entries.push(entry);
      const [leaf, ...interior] = frontier.append(leafHash(entry));
      leaves.push(leaf!.hash);
      nodes.push(...interior);
    }
    const lengths = entries.map((e) => e.length);
    const offsets: number[] = [];
    let offset = 1;
    for (const length of lengths) {
      offsets.push(offset);
      offset += length;
    }
    await db.query(
      `INSERT INTO ledger_entries (idx, entry, leaf_hash, record_kind, record_id, appended_at)
       SELECT $1::bigint + x.n - 1, substr($2::bytea, x.off, x.len), substr($3::bytea, (x.n::int - 1) * 32 + 1, 32),
              'bench_entry', 'bench-' || ($1::bigint + x.n - 1), now()
         FROM unnest($4::int[], $5::int[]) WITH ORDINALITY AS x(off, len, n)`,
      [begin, concat(entries), concat(leaves), offsets, lengths],
    );
    const runs = nodeRuns(nodes);
    await db.query(INSERT_NODE_RUNS, [runs.levels, runs.firsts, runs.counts, runs.starts, runs.hashes]);
  }
  const root = frontier.root();
  await db.query('UPDATE ledger_head SET size = $1, root = $2', [size, root]);
  await db.query('ANALYZE ledger_entries');
  await db.query('ANALYZE ledger_node_runs');
  return root;
}

export async function run(): Promise<void> {
  const bench = await freshPostgres(4);
  try {
    const built = performance.now();
    const root = await buildTree(bench.db, SIZE);
    const buildSeconds = (performance.now() - built) / 1000;
    const reader = new LedgerReader(bench.db);
    const random = () => Math.floor(Math.random() * SIZE);
    const lookup = (index: number) =>
      bench.db.query('SELECT entry FROM ledger_entries WHERE idx = $1', [index]);

    // Warm-up, and a check that the proofs are right.
    for (let i = 0; i < 500; i++) {
      const index = random();
      const proof = await reader.inclusionProof(index, SIZE);
      verifyInclusion(proof.leafHash, index, SIZE, proof.proof, root);
      await lookup(random());
    }
    const proofTimes = await timeEach(SAMPLES, () => reader.inclusionProof(random(), SIZE));
    const lookupTimes = await timeEach(SAMPLES, () => lookup(random()));
    const p99 = percentile(proofTimes, 99);
    const baseline = percentile(lookupTimes, 99);
    process.stdout.write(
      `ledger-proof: tree of ${SIZE} built in ${buildSeconds.toFixed(1)} s; inclusion proof p50 ${percentile(proofTimes, 50).toFixed(3)} ms, ` +
        `p99 ${p99.toFixed(3)} ms over ${SAMPLES}; primary-key lookup p50 ${percentile(lookupTimes, 50).toFixed(3)} ms, p99 ${baseline.toFixed(3)} ms\n`,
    );
    printBench({
      name: 'ledger-proof',
      value: Number(p99.toFixed(3)),
      unit: 'ms p99',
      baseline: Number(baseline.toFixed(3)),
      ratio: Number((p99 / baseline).toFixed(3)),
    });
  } finally {
    await bench.drop();
  }
}

if (isMain(import.meta.url)) await run();
