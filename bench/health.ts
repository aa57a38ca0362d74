// health: latency of one robot's health assessment, p95 (target ≤ 50 ms), for a robot with a
// year of hourly rollups on PostgreSQL.
//
// The robot is filed through the API; its telemetry is then written directly by SQL, as ingest
// would have left it: 8,760 hourly rollups (SoH fading, joint wear rising, a few hot hours with
// their 1-minute rollups), a raw sample a minute for the last 30 days (32 joints; the per-joint
// trends read one an hour of them), a batch row a minute for the year, and the usage counters.
// Timed: GET /v1/robots/{robotId}/health through the platform (authentication, access decision,
// the rollups, the joints' samples, the fits and projections, the advisories, JSON). Baseline,
// same run: reading the year of hourly rollups alone.
import { sweepHealth } from '../src/server/features/health/health-service.js';
import { PartitionManager } from '../src/server/features/telemetry/partitions.js';
import { benchMaker, fileBenchRobot, inProcessPlatform } from './in-process.js';
import { isMain, percentile, printBench, timeEach } from './support.js';

const HOURS = Number(process.env.BENCH_HOURS ?? 365 * 24);
const RAW_DAYS = Number(process.env.BENCH_RAW_DAYS ?? 30);
const JOINTS = 32;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const HOUR_MS = 3_600_000;

export async function run(): Promise<void> {
  const platform = await inProcessPlatform();
  const { bench, ctx, call } = platform;
  try {
    const maker = await benchMaker(call);
    const { robotId, robot } = await fileBenchRobot(platform, maker, {
      jointCount: JOINTS,
      maxJointWear: 0.6,
      productionDate: '2025-01-01',
    });

    const built = performance.now();
    const endMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const end = new Date(endMs);
    // A year of hourly rollups: 60 samples an hour, 0.8 operating hours an hour; SoH 97 → fading
    // 0.0015 %/h, worst wear 0.1 → +0.00004/h, position error 1.2 → +0.00002 mm/h.
    await bench.db.query(
      `INSERT INTO telemetry_rollup_1h
       SELECT $1::uuid, $2::timestamptz - make_interval(hours => $3 - h), 60,
              40, 95, 60 * 70,
              s - 0.1, s + 0.1, 60 * s,
              30, CASE WHEN h % 2000 = 0 THEN 60 ELSE 35 END, 60 * 32,
              w - 0.01, w, 60 * (w - 0.005),
              40, 50, 60 * 45,
              e - 0.2, e + 0.3, 60 * e,
              0.97, 1, 60 * 0.99,
              (h / 5)::int, 0.8 * h, 0
         FROM generate_series(1, $3) h,
              LATERAL (SELECT 97 - 0.0015 * h AS s, 0.1 + 0.00004 * h AS w, 1.2 + 0.00002 * h AS e) v`,
      [robot, end, HOURS],
    );
    // The hot hours' minutes.
    await bench.db.query(
      `INSERT INTO telemetry_rollup_1m
       SELECT robot_uuid, bucket + make_interval(mins => m), 1, soc_min, soc_max, soc_sum / 60,
              soh_min, soh_max, soh_sum / 60, 30, CASE WHEN m < 20 THEN 60 ELSE 35 END, 32,
              wear_min, wear_max, wear_sum / 60, joint_temp_min, joint_temp_max, joint_temp_sum / 60,
              position_error_min, position_error_max, position_error_sum / 60,
              task_success_min, task_success_max, task_success_sum / 60, cycles_max, operating_hours_max, 0
         FROM telemetry_rollup_1h, generate_series(0, 59) m
        WHERE robot_uuid = $1 AND battery_temp_max > 55`,
      [robot],
    );
    // A raw sample a minute for the last RAW_DAYS days, in their day partitions.
    const rawFromMs = endMs - RAW_DAYS * 24 * HOUR_MS;
    await new PartitionManager(bench.db).ensureRange(rawFromMs, endMs);
    const rawMinutes = RAW_DAYS * 24 * 60;
    await bench.db.query(
      `INSERT INTO telemetry_samples
       SELECT $1::uuid, m, $2::timestamptz - make_interval(mins => $3 - m), 70, 97 - 0.0015 * hr, (hr / 5)::int, 32,
              (SELECT array_agg((0.05 + 0.000002 * j * hr)::real ORDER BY j) FROM generate_series(0, $4 - 1) j),
              (SELECT array_agg(45::real) FROM generate_series(1, $4)),
              1.2 + 0.00002 * hr, 0.99, 0.8 * hr, '{}'
         FROM generate_series(1, $3) m, LATERAL (SELECT $5 - ($3 - m) / 60.0 AS hr) v`,
      [robot, end, rawMinutes, JOINTS, HOURS],
    );
    // A batch a minute for the year, each the next link of the robot's batch chain (basis.batches
    // counts them along it); the leaves themselves are not needed to assess.
    const firstIndex = 10_000_000;
    await bench.db.query(
      `INSERT INTO telemetry_batches
       SELECT $1::uuid, b, $3, decode(repeat('00', 32), 'hex'), t, t, 60, t, decode(repeat('00', 32), 'hex'), $5 + b
         FROM generate_series(1, $2 * 60) b, LATERAL (SELECT $4::timestamptz - make_interval(mins => $2 * 60 - b) AS t) v`,
      [robot, HOURS, robotId, end, firstIndex],
    );
    await bench.db.query(
      `INSERT INTO robot_chain_links
       SELECT $1::uuid, 'batches', b - 1, $3 + b, decode(repeat('00', 32), 'hex') FROM generate_series(1, $2 * 60) b`,
      [robot, HOURS, firstIndex],
    );
    await bench.db.query(`INSERT INTO telemetry_usage_counters VALUES ($1, $2, $3, $4, $5)`, [
      robot,
      new Date(endMs - 60_000),
      HOURS * 60,
      0.8 * HOURS,
      Math.floor(HOURS / 5),
    ]);
    await bench.db.query('VACUUM ANALYZE');
    const { raised } = await sweepHealth(ctx);
    const buildSeconds = (performance.now() - built) / 1000;

    const url = `/v1/robots/${robotId}/health`;
    const health = async () => (await call('GET', url, maker.apiKey)).json();
    const answer = await health();
    if (
      answer.joints.length !== JOINTS ||
      answer.battery.sohFadePctPer1000h === null ||
      answer.basis.batches < HOURS * 60 - 60
    ) {
      throw new Error(`an incomplete assessment: ${JSON.stringify(answer).slice(0, 400)}`);
    }
    const rollups = () =>
      bench.db.query(
        `SELECT bucket, n, soh_sum, soc_min, battery_temp_max, wear_max, position_error_sum, task_success_sum,
                cycles_max, operating_hours_max
           FROM telemetry_rollup_1h WHERE robot_uuid = $1 AND bucket >= $2 AND bucket <= $3 ORDER BY bucket`,
        [robot, new Date(endMs - 365 * 24 * HOUR_MS), new Date()],
      );
    for (let i = 0; i < 20; i++) {
      await health();
      await rollups();
    }
    const healthTimes = await timeEach(SAMPLES, health);
    const baseTimes = await timeEach(SAMPLES, rollups);
    const p95 = percentile(healthTimes, 95);
    const baseline = percentile(baseTimes, 95);
    process.stdout.write(
      `health: ${HOURS} hourly rollups, ${rawMinutes} raw samples of ${JOINTS} joints, ${HOURS * 60} batches, ` +
        `built in ${buildSeconds.toFixed(1)} s (${raised} advisories raised, grade ${answer.grade}); ` +
        `assessment p50 ${percentile(healthTimes, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms over ${SAMPLES}; ` +
        `reading the rollups p50 ${percentile(baseTimes, 50).toFixed(2)} ms, p95 ${baseline.toFixed(2)} ms\n`,
    );
    printBench({
      name: 'health',
      value: Number(p95.toFixed(2)),
      unit: 'ms p95',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((p95 / baseline).toFixed(3)),
    });
  } finally {
    await platform.close();
  }
}

if (isMain(import.meta.url)) await run();
