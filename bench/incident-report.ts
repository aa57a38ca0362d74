// incident-report: latency of reporting an incident (POST /v1/incidents), p95 (target ≤ 500 ms),
// on a robot whose evidence window holds 2,400 signed 1 Hz samples, in a database of 10,000,000
// telemetry samples, on PostgreSQL.
//
// The platform runs in this process over a fresh database (createAppContext + buildApp, driven
// with inject). A 32-joint robot is filed and deployed through the API, and its 2,400 samples
// (40 batches of 60, one a second, signed with its device key) go through the real ingest,
// POST /v1/telemetry: occurredAt is 15 minutes ago, the samples run from occurredAt − 30 min
// for 2,400 s, so they fill the window [occurredAt − 30 min, occurredAt + 10 min] exactly and
// all lie in the past. telemetry_samples is then filled by SQL with other robots' samples to
// 10,000,000 rows (the production table, partitions made by the platform's PartitionManager,
// one INSERT … SELECT generate_series per day partition, rows in index order), then VACUUM
// (ANALYZE). Timed, one after another (after 3 of each untimed): 40 reports (kind
// `malfunction`, severity `moderate`, so no hold) of that robot — robot lock, evidence frozen
// (the window's 40 batches read back from telemetry_batch_jws and decoded, configuration,
// control timeline, alerts, events), one ledger record, JSON. The report reads no row of
// telemetry_samples: the other robots' samples weigh on it through the shared database only.
// Baseline, same run, each right after a report (interleaved, so both meet the same load): 40
// reads of the window's samples, SELECT * by the index (robot_uuid, t); its p95. Ratio value / baseline
// (as the other latency benchmarks, ledger-proof and robot-history: how many times the read).
//
// Also the shared setup of bundle-verify: startIncidentBench (the platform and the robot with
// its streamed window).
import { randomUUID } from 'node:crypto';
import { type App, buildApp } from '../src/server/app.js';
import type { AppContext } from '../src/server/app-context.js';
import { loadConfig } from '../src/server/config.js';
import { closeAppContext, createAppContext } from '../src/server/context.js';
import { DAY_MS, dayStart, PartitionManager } from '../src/server/features/telemetry/partitions.js';
import {
  type ApiCaller,
  fileTelemetryFleet,
  healthySample,
  signBatch,
  type TelemetryFleet,
  type TelemetryRobot,
} from '../test/support/telemetry-fleet.js';
import { type BenchDatabase, freshPostgres, isMain, percentile, printBench, timeEach } from './support.js';

const TOTAL_SAMPLES = Number(process.env.BENCH_TOTAL_SAMPLES ?? 10_000_000);
const REPORTS = Number(process.env.BENCH_REPORTS ?? 40);
/** Other robots whose samples fill the table, and the days they cover. */
const OTHER_ROBOTS = 2_000;
const FILL_DAYS = 4;
const JOINTS = 32;
const MIN = 60_000;
export const WINDOW_BATCHES = 40;
export const BATCH_SAMPLES = 60;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface IncidentBench {
  bench: BenchDatabase;
  ctx: AppContext;
  app: App;
  api: ApiCaller;
  fleet: TelemetryFleet;
  robot: TelemetryRobot;
  /** The robot's row id (telemetry_samples.robot_uuid). */
  robotUuid: string;
  /** The incident instant (ms, whole second) and its evidence window. */
  occurredAt: number;
  window: { from: number; to: number };
  close(): Promise<void>;
}

/**
 * The platform in this process on a fresh PostgreSQL database, a deployed robot of 32 joints
 * and its 2,400 signed 1 Hz samples streamed through POST /v1/telemetry, filling the window of
 * an incident 15 minutes ago.
 */
export async function startIncidentBench(): Promise<IncidentBench> {
  const bench = await freshPostgres(8);
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
    ROBOLEDGER_TELEMETRY_RATE_LIMIT: '10000000',
  });
  const ctx = await createAppContext(bench.db, config);
  const app = await buildApp(ctx);
  await app.ready();
  const close = async () => {
    await app.close();
    await closeAppContext(ctx);
    await bench.drop();
  };
  try {
    const api: ApiCaller = {
      call: (method, url, { token, body, headers } = {}) =>
        app.inject({
          method,
          url,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
          ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : (body as object) }),
        }),
    };
    const fleet = await fileTelemetryFleet(api, ADMIN_TOKEN, { count: 1, jointCount: JOINTS });
    const robot = fleet.robots[0]!;
    const robotUuid = (
      await bench.db.query<{ id: string }>('SELECT id FROM robots WHERE robot_id = $1', [robot.robotId])
    ).rows[0]!.id;
    const occurredAt = Math.floor((Date.now() - 15 * MIN) / 1000) * 1000;
    const window = { from: occurredAt - 30 * MIN, to: occurredAt + 10 * MIN };
    // Plain samples (no control mode, no software attestation): 40 batches of 60, one a second.
    for (let b = 0; b < WINDOW_BATCHES; b++) {
      const samples = Array.from({ length: BATCH_SAMPLES }, (_, i) =>
        healthySample(JOINTS, window.from + (b * BATCH_SAMPLES + i) * 1000),
      );
      const res = await api.call('POST', '/v1/telemetry', {
        body: signBatch(robot, { seq: b, samples }),
        headers: { 'content-type': 'application/jose' },
      });
      if (res.statusCode !== 202) throw new Error(`telemetry batch ${b}: ${res.statusCode} ${res.body}`);
    }
    const stored = await bench.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM telemetry_samples WHERE robot_uuid = $1 AND t BETWEEN $2 AND $3',
      [robotUuid, new Date(window.from), new Date(window.to)],
    );
    if (Number(stored.rows[0]!.n) !== WINDOW_BATCHES * BATCH_SAMPLES) {
      throw new Error(`the window holds ${stored.rows[0]!.n} samples`);
    }
    return { bench, ctx, app, api, fleet, robot, robotUuid, occurredAt, window, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** POST /v1/incidents on the bench's robot as its owner (the manufacturer); the incident. */
// biome-ignore lint/suspicious/noExplicitAny: the API's answer, read field by field
export async function reportIncident(b: IncidentBench, n: number): Promise<any> {
  const res = await b.api.call('POST', '/v1/incidents', {
    token: b.fleet.manufacturer.apiKey,
    body: {
      robotId: b.robot.robotId,
      occurredAt: new Date(b.occurredAt).toISOString(),
      kind: 'malfunction',
      severity: 'moderate',
      description: `The robot stopped mid-task and dropped its load (report ${n}).`,
      location: 'Hall 3, line B',
    },
  });
  if (res.statusCode !== 201) throw new Error(`POST /v1/incidents: ${res.statusCode} ${res.body}`);
  return res.json();
}

/**
 * Fills telemetry_samples with other robots' samples up to `total` rows: the last FILL_DAYS
 * days up to an hour ago, each day's share in one INSERT … SELECT into the production table
 * (partitions made first by the platform's PartitionManager), robots in uuid order and each
 * robot's samples in time order, so the rows reach the (robot_uuid, t) index in its order.
 */
async function fillSamples(b: IncidentBench, total: number): Promise<number> {
  const existing = Number(
    (await b.bench.db.query<{ n: string }>('SELECT count(*) AS n FROM telemetry_samples')).rows[0]!.n,
  );
  const rows = total - existing;
  if (rows <= 0) return 0;
  const to = Date.now() - 60 * MIN;
  const from = to - FILL_DAYS * DAY_MS;
  await new PartitionManager(b.bench.db).ensureRange(from, to);
  const spans: { start: number; seconds: number }[] = [];
  for (let day = dayStart(from); day < to; day += DAY_MS) {
    const start = Math.max(day, from);
    const seconds = Math.floor((Math.min(day + DAY_MS, to) - start) / 1000);
    if (seconds > 0) spans.push({ start, seconds });
  }
  const allSeconds = spans.reduce((sum, s) => sum + s.seconds, 0);
  const robots = Array.from({ length: OTHER_ROBOTS }, () => randomUUID());
  const wear = `{${Array.from({ length: JOINTS }, (_, j) => (0.02 + j * 0.001).toFixed(3)).join(',')}}`;
  const temp = `{${Array.from({ length: JOINTS }, (_, j) => (37 + j * 0.1).toFixed(1)).join(',')}}`;
  let left = rows;
  let firstSeconds = 0;
  for (const [k, span] of spans.entries()) {
    const dayRows = k === spans.length - 1 ? left : Math.round((rows * span.seconds) / allSeconds);
    left -= dayRows;
    const perRobot = Math.floor(dayRows / OTHER_ROBOTS);
    const extra = dayRows % OTHER_ROBOTS;
    // One a second where the day's span allows it, closer together where it does not.
    const step = Math.min(1, (span.seconds - 1) / (perRobot + 1));
    const room = Math.max(1, Math.floor(span.seconds - (perRobot + 1) * step));
    const started = performance.now();
    // seq rises with time, one a minute (batches of 60); nothing timed reads it.
    const inserted = await b.bench.db.query(
      `INSERT INTO telemetry_samples (robot_uuid, seq, t, soc_pct, soh_pct, cycles, battery_temp_c, joint_wear,
         joint_temp_c, position_error_mm, task_success_rate, operating_hours, faults)
       SELECT r.id, $9::bigint + s.i / 60, $1::timestamptz + make_interval(secs => (r.n * 37) % $2::bigint + s.i * $3::float8),
              60 + (s.i % 40), 95, 150, 30 + (s.i % 7), $6::real[], $7::real[], 1.5, 0.99, 1000 + s.i / 3600.0,
              '{}'::text[]
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM unnest($8::uuid[]) AS u(id) ORDER BY id) AS r
        CROSS JOIN LATERAL generate_series(0, $4::int - 1 + CASE WHEN r.n <= $5::int THEN 1 ELSE 0 END) AS s(i)`,
      [new Date(span.start), room, step, perRobot, extra, wear, temp, robots, firstSeconds],
    );
    firstSeconds += span.seconds;
    process.stderr.write(
      `  fill ${new Date(span.start).toISOString().slice(0, 10)}: ${inserted.rowCount} rows in ${(
        (performance.now() - started) / 1000
      ).toFixed(1)} s\n`,
    );
  }
  return rows;
}

export async function run(): Promise<void> {
  const b = await startIncidentBench();
  try {
    const filled = performance.now();
    const added = await fillSamples(b, TOTAL_SAMPLES);
    const fillSeconds = (performance.now() - filled) / 1000;
    // VACUUM as well as ANALYZE: the state autovacuum would reach (statistics, visibility map),
    // so that autovacuum does not start on the new rows while the reports are timed.
    const vacuumed = performance.now();
    await b.bench.db.query('VACUUM (ANALYZE)');
    const vacuumSeconds = (performance.now() - vacuumed) / 1000;
    const count = Number(
      (await b.bench.db.query<{ n: string }>('SELECT count(*) AS n FROM telemetry_samples')).rows[0]!.n,
    );
    if (count !== TOTAL_SAMPLES) throw new Error(`telemetry_samples holds ${count} rows`);
    process.stderr.write(
      `incident-report: filled telemetry_samples with ${added} other robots' samples to ${count} rows in ` +
        `${fillSeconds.toFixed(1)} s, VACUUM (ANALYZE) ${vacuumSeconds.toFixed(1)} s\n`,
    );

    const windowSamples = () =>
      b.bench.db.query('SELECT * FROM telemetry_samples WHERE robot_uuid = $1 AND t BETWEEN $2 AND $3', [
        b.robotUuid,
        new Date(b.window.from),
        new Date(b.window.to),
      ]);
    // Not timed: a report freezes the window's 40 batches, the baseline reads its 2,400 samples.
    const first = await reportIncident(b, 0);
    const items = first.evidence.items as { kind: string }[];
    const batches = items.filter((i) => i.kind === 'telemetry').length;
    if (batches !== WINDOW_BATCHES) throw new Error(`the report froze ${batches} batches`);
    const read = await windowSamples();
    if (read.rows.length !== WINDOW_BATCHES * BATCH_SAMPLES)
      throw new Error(`the window read ${read.rows.length}`);
    for (let i = 1; i < 3; i++) {
      await reportIncident(b, i);
      await windowSamples();
    }
    // Interleaved, a report then a read, so that both meet the same load of a shared machine.
    const reportTimes: number[] = [];
    const readTimes: number[] = [];
    for (let i = 0; i < REPORTS; i++) {
      reportTimes.push(...(await timeEach(1, () => reportIncident(b, 3 + i))));
      readTimes.push(...(await timeEach(1, windowSamples)));
    }
    reportTimes.sort((x, y) => x - y);
    readTimes.sort((x, y) => x - y);
    const p95 = percentile(reportTimes, 95);
    const baseline = percentile(readTimes, 95);
    process.stderr.write(
      `incident-report: ${REPORTS} reports, p50 ${percentile(reportTimes, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, ` +
        `slowest ${reportTimes
          .slice(-5)
          .map((t) => t.toFixed(0))
          .join(', ')} ms; one report freezes ${items.length} items ` +
        `(${batches} telemetry batches of ${BATCH_SAMPLES} samples); the window's ${read.rows.length} samples ` +
        `by (robot_uuid, t): p50 ${percentile(readTimes, 50).toFixed(2)} ms, p95 ${baseline.toFixed(2)} ms\n`,
    );
    printBench({
      name: 'incident-report',
      value: Number(p95.toFixed(2)),
      unit: 'ms p95',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((p95 / baseline).toFixed(3)),
    });
  } finally {
    await b.close();
  }
}

if (isMain(import.meta.url)) await run();
