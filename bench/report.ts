// report: latency of a robot's buyer-tier history report, p95 (target <= 300 ms), for a robot
// with 1,000 records and a year of hourly telemetry rollups in a 1,000,000-entry log on
// PostgreSQL; report-verify (bench/report-verify.ts) times its offline verification.
//
// The log is built by bench/robot-in-big-log.ts (the writer's own group write, the
// robot's records spread evenly through it), then a year of hourly rollups and one signed
// batch an hour are stored for the robot, and the robot is offered to a buyer, whose key reads
// the report. Timed: GET /v1/robots/{robotId}/report as the buyer (authentication, tier, the
// chain's 1,000 openings and inclusion proofs, the health assessment, coverage, sections,
// signing, JSON). Baseline, same run: reading the same 1,000 entries by primary key.
import { ADMIN_TOKEN } from './in-process.js';
import { robotInBigLog } from './robot-in-big-log.js';
import { isMain, percentile, printBench, timeEach } from './support.js';

const SIZE = Number(process.env.BENCH_SIZE ?? 1_000_000);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const HOURS = 365 * 24;
const HOUR_MS = 3_600_000;

export interface ReportBench {
  /** The buyer-tier report, as the platform answered it. */
  report: () => Promise<string>;
  /** The same ledger rows by primary key. */
  byKey: () => Promise<unknown>;
  verifierKey: string;
  buildSeconds: number;
  close: () => Promise<void>;
}

/** Builds the log, the robot's telemetry and the pending sale; the caller times and closes. */
export async function buildReportBench(): Promise<ReportBench> {
  const { bench, ctx, call, maker, robotId, robot, built, close } = await robotInBigLog(SIZE, RECORDS);
  try {
    // A year of hourly rollups and one stored batch an hour (the rows the health assessment,
    // its sources and the coverage read; the batches' leaves are not needed for that).
    const endMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    await bench.db.query(
      `INSERT INTO telemetry_rollup_1h
       SELECT $1::uuid, $2::timestamptz - make_interval(hours => $3 - h), 60,
              40, 95, 60 * 70, s - 0.1, s + 0.1, 60 * s, 30, 35, 60 * 32,
              w - 0.01, w, 60 * (w - 0.005), 40, 50, 60 * 45, e - 0.2, e + 0.3, 60 * e,
              0.97, 1, 60 * 0.99, (h / 5)::int, 0.8 * h, 0
         FROM generate_series(1, $3) h,
              LATERAL (SELECT 97 - 0.0015 * h AS s, 0.1 + 0.00004 * h AS w, 1.2 + 0.00002 * h AS e) v`,
      [robot, new Date(endMs), HOURS],
    );
    await bench.db.query(
      `INSERT INTO telemetry_batches
       SELECT $1::uuid, b, $3, decode(repeat('00', 32), 'hex'), t, t + interval '59 minutes', 60, t,
              decode(repeat('00', 32), 'hex'), b * 100
         FROM generate_series(1, $2) b, LATERAL (SELECT $4::timestamptz - make_interval(hours => $2 - b) AS t) v`,
      [robot, HOURS, robotId, new Date(endMs)],
    );
    const buyer = (
      await call('POST', '/v1/orgs', ADMIN_TOKEN, { name: 'Bench Buyer', kind: 'operator', country: 'CN' })
    ).json();
    await call('POST', `/v1/robots/${robotId}/transfers`, maker.apiKey, { toOrgId: buyer.id });
    await ctx.checkpointer.checkpointNow();
    await bench.db.query('ANALYZE');
    const buildSeconds = (performance.now() - built) / 1000;
    const url = `/v1/robots/${robotId}/report`;
    const indices = (
      await bench.db.query<{ idx: number }>(
        "SELECT idx FROM robot_chain_links WHERE robot_uuid = $1 AND chain = 'records'",
        [robot],
      )
    ).rows.map((r) => r.idx);
    return {
      report: async () => (await call('GET', url, buyer.apiKey)).body,
      byKey: () =>
        bench.db.query(
          'SELECT idx, entry, leaf_hash, salt, record FROM ledger_entries WHERE idx = ANY($1::bigint[])',
          [indices],
        ),
      verifierKey: ctx.checkpointer.key.verifierKey,
      buildSeconds,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function run(): Promise<void> {
  const bench = await buildReportBench();
  try {
    const answer = JSON.parse(await bench.report());
    if (answer.tier !== 'buyer' || answer.proof.records.length !== RECORDS + 1) {
      throw new Error(`the report is ${answer.tier} with ${answer.proof.records.length} records`);
    }
    for (let i = 0; i < 10; i++) {
      await bench.report();
      await bench.byKey();
    }
    const times = await timeEach(SAMPLES, bench.report);
    const keyTimes = await timeEach(SAMPLES, bench.byKey);
    const p95 = percentile(times, 95);
    const baseline = percentile(keyTimes, 95);
    process.stdout.write(
      `report: log of ${SIZE} entries built in ${bench.buildSeconds.toFixed(1)} s, robot with ${RECORDS + 1} records and ` +
        `${HOURS} hourly rollups; buyer report p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${SAMPLES}; ` +
        `the same rows by primary key p95 ${baseline.toFixed(2)} ms\n`,
    );
    printBench({
      name: 'report',
      value: Number(p95.toFixed(2)),
      unit: 'ms p95',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((p95 / baseline).toFixed(3)),
    });
  } finally {
    await bench.close();
  }
}

if (isMain(import.meta.url)) await run();
