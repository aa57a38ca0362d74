// robot-history: latency of a robot's history proof with openings, p99 (target < 50 ms), for a
// robot with 1,000 records in a 1,000,000-entry log on PostgreSQL.
//
// The robot is filed through the API (its filing is seq 0 of its records chain); the log is then
// grown to 1,000,000 entries by the writer's own group write (ledger_append: entries, openings,
// chain links and tree nodes), with 999 more records of the robot spread evenly through it, each
// the next link of its chain. Timed: GET /v1/robots/{robotId}/history-proof?treeSize=1000000
// through the platform (authentication, access decision, the chain's links, 1,000 openings and
// 1,000 inclusion proofs, the signed robot head, JSON), and one answer is verified with the pure
// verifier. Baseline, same run: reading the same 1,000 entries and openings by primary key.
import { openCheckpoint, openRobotHead, verifyRobotHistory } from '../src/ledger/index.js';
import { robotInBigLog } from './robot-in-big-log.js';
import { isMain, percentile, printBench, timeEach } from './support.js';

const SIZE = Number(process.env.BENCH_SIZE ?? 1_000_000);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);

export async function run(): Promise<void> {
  const { bench, ctx, call, maker, robotId, built, close } = await robotInBigLog(SIZE, RECORDS);
  try {
    await bench.db.query('ANALYZE');
    const checkpoint = await ctx.checkpointer.checkpointNow();
    const buildSeconds = (performance.now() - built) / 1000;
    if (checkpoint.size !== SIZE) throw new Error(`the checkpoint covers ${checkpoint.size} entries`);

    const url = `/v1/robots/${robotId}/history-proof?treeSize=${SIZE}`;
    const history = async () => (await call('GET', url, maker.apiKey)).json();
    // Not timed: the answer is a complete history that verifies.
    const answer = await history();
    const key = ctx.checkpointer.key;
    const opened = openCheckpoint(answer.checkpoint, [key.verifier], { origin: key.name }).checkpoint;
    const robotHead = openRobotHead(answer.head, [key.verifier], { origin: key.name }).head;
    const verified = verifyRobotHistory({
      head: robotHead,
      checkpoint: opened,
      records: answer.records.map((r: { opening: never; proof: string[] }) => ({
        opening: r.opening,
        proof: r.proof.map((p) => new Uint8Array(Buffer.from(p, 'base64'))),
      })),
    });
    if (verified.records.length !== RECORDS)
      throw new Error(`the history has ${verified.records.length} records`);
    const indices = verified.records.map((r) => r.index);
    const byKey = () =>
      bench.db.query(
        'SELECT idx, entry, leaf_hash, salt, record FROM ledger_entries WHERE idx = ANY($1::bigint[])',
        [indices],
      );

    for (let i = 0; i < 20; i++) {
      await history();
      await byKey();
    }
    const historyTimes = await timeEach(SAMPLES, history);
    const keyTimes = await timeEach(SAMPLES, byKey);
    const p99 = percentile(historyTimes, 99);
    const baseline = percentile(keyTimes, 99);
    process.stdout.write(
      `robot-history: log of ${SIZE} entries built in ${buildSeconds.toFixed(1)} s, robot with ${RECORDS} records; ` +
        `history proof p50 ${percentile(historyTimes, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${SAMPLES} ` +
        `(${(JSON.stringify(answer).length / 1024).toFixed(0)} KB each); the same rows by primary key p50 ` +
        `${percentile(keyTimes, 50).toFixed(2)} ms, p99 ${baseline.toFixed(2)} ms\n`,
    );
    printBench({
      name: 'robot-history',
      value: Number(p99.toFixed(2)),
      unit: 'ms p99',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((p99 / baseline).toFixed(3)),
    });
  } finally {
    await close();
  }
}

if (isMain(import.meta.url)) await run();
