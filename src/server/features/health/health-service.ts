// Health and prognosis of a robot and of a fleet (docs/health.md). The assessment reads the
// hourly rollups (and, for each joint, the retained samples), and the pure rules of
// core/health decide; reading never writes. Advisories are raised by the sweep
// (health-runtime.ts, `sweepHealth`), which also keeps each robot's latest assessment for the
// fleet view.

import { onlyFormerOwner } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import {
  type AdvisoryCandidate,
  assessPrognosis,
  BATTERY_PACK_PART_KIND,
  BATTERY_TEMP_LIMIT_C,
  DEEP_DISCHARGE_SOC_PCT,
  type HealthInputs,
  type HealthPrognosis,
  type JointSeries,
  packCycles,
  type TrendSums,
  worseGrade,
} from '../../../core/health/index.js';
import { type Actor, seesEverything } from '../../../core/organisation.js';
import type { HealthGrade, ModelLimits } from '../../../core/telemetry/index.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { robotForAction } from '../robots/robot-access.js';
import { raiseAdvisories } from './health-advisories.js';
import type { HealthAdvisoryRow } from './health-records.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Trends are fitted over at most this much history (the pack's, if it went in later). */
export const HEALTH_BASIS_DAYS = 365;
/** Per-joint trends come from the samples of at most this many days (raw retention permitting). */
export const JOINT_WINDOW_DAYS = 30;
/** … one point every this many hours (180 points over 30 days: the wear of a joint moves slowly). */
export const JOINT_POINT_EVERY_HOURS = 4;
/** The p95 of position error and the task success rate cover the latest this many hours. */
export const RECENT_HOURS = 168;
/** Closed advisories shown with a robot's health, newest first. */
const CLOSED_ADVISORIES_SHOWN = 10;

/** One pass over the basis's hourly rollups: the sums of each fit, and the counts. */
interface BasisRow {
  n: number;
  soh_n: number;
  soh_sx: number | null;
  soh_sy: number | null;
  soh_sxx: number | null;
  soh_sxy: number | null;
  soh_minx: number | null;
  soh_maxx: number | null;
  err_sx: number | null;
  err_sy: number | null;
  err_sxx: number | null;
  err_sxy: number | null;
  minx: number | null;
  maxx: number | null;
  t_sx: number | null;
  t_sxx: number | null;
  t_sxy: number | null;
  t_minx: number | null;
  t_maxx: number | null;
  deep: number;
  hot: Date[] | null;
  recent_n: number | null;
  recent_ts: number | null;
  first_bucket: Date | null;
}

interface LastHourRow {
  bucket: Date;
  n: number;
  soh_sum: number;
  wear_max: number;
  position_error_sum: number;
  cycles_max: number;
  operating_hours_max: number;
}

export interface AssessedRobot {
  prognosis: HealthPrognosis;
  basis: { from: string | null; to: string | null; batches: number };
  lastSampleAt: Date | null;
}

/** The pack in use: the serial and time of the latest maintenance that installed a battery pack. */
async function currentPack(db: SqlClient, robotUuid: string) {
  const { rows } = await db.query<{ serial: string; occurred_at: Date }>(
    `SELECT p->>'serial' AS serial, e.occurred_at
       FROM robot_events e CROSS JOIN LATERAL jsonb_array_elements(e.data->'partsInstalled') p
      WHERE e.robot_uuid = $1 AND e.type = 'maintenance' AND e.data ? 'partsInstalled'
        AND jsonb_typeof(e.data->'partsInstalled') = 'array' AND p->>'kind' = $2
      ORDER BY e.occurred_at DESC, e.ledger_index DESC LIMIT 1`,
    [robotUuid, BATTERY_PACK_PART_KIND],
  );
  return rows[0] ?? null;
}

/**
 * Per joint, one point every JOINT_POINT_EVERY_HOURS hours of the window, counted back from the
 * latest hour (so the latest wear is always a point): that hour's latest retained sample.
 */
async function jointSeries(db: SqlClient, robotUuid: string, fromMs: number): Promise<JointSeries[]> {
  const { rows } = await db.query<{ t: Date; operating_hours: number; joint_wear: number[] }>(
    `WITH latest AS (SELECT max(bucket) AS bucket FROM telemetry_rollup_1h WHERE robot_uuid = $1)
     SELECT s.t, s.operating_hours, s.joint_wear
       FROM telemetry_rollup_1h r
       CROSS JOIN latest
       CROSS JOIN LATERAL (
         SELECT t, operating_hours, joint_wear FROM telemetry_samples
          WHERE robot_uuid = r.robot_uuid AND t >= r.bucket AND t < r.bucket + interval '1 hour'
          ORDER BY t DESC LIMIT 1) s
      WHERE r.robot_uuid = $1 AND r.bucket >= $2
        AND mod((extract(epoch FROM latest.bucket - r.bucket) / 3600)::bigint, $3) = 0
      ORDER BY r.bucket`,
    [robotUuid, new Date(fromMs), JOINT_POINT_EVERY_HOURS],
  );
  const joints: JointSeries[] = [];
  for (const row of rows) {
    const atMs = row.t.getTime();
    row.joint_wear.forEach((wear, index) => {
      let series = joints[index];
      if (!series) {
        series = { index, points: [] };
        joints[index] = series;
      }
      series.points.push({ hours: row.operating_hours, value: wear, atMs });
    });
  }
  return joints;
}

/**
 * The number of the robot's batches from the first whose samples reach `from`, along its batch
 * chain (each accepted batch is the next link, so the chain counts them): the first such batch
 * is found by halving over `seq` (robots number their batches in time order), then its link
 * says how many came before it. A few indexed reads, however many batches a year holds.
 */
async function batchesSince(db: SqlClient, robotUuid: string, from: Date): Promise<number> {
  const head = await db.query<{ seq: number }>(
    "SELECT seq FROM robot_chain_links WHERE robot_uuid = $1 AND chain = 'batches' ORDER BY seq DESC LIMIT 1",
    [robotUuid],
  );
  const headSeq = head.rows[0]?.seq;
  if (headSeq === undefined) return 0;
  type Probe = { seq: number; last_sample_at: Date; ledger_index: number };
  const probe = async (atLeast: number) =>
    (
      await db.query<Probe>(
        `SELECT seq, last_sample_at, ledger_index FROM telemetry_batches
          WHERE robot_uuid = $1 AND seq >= $2 ORDER BY seq LIMIT 1`,
        [robotUuid, atLeast],
      )
    ).rows[0];
  let found = await probe(0);
  if (!found) return 0;
  if (found.last_sample_at < from) {
    let lo = Number(found.seq) + 1;
    const last = await db.query<Probe>(
      'SELECT seq, last_sample_at, ledger_index FROM telemetry_batches WHERE robot_uuid = $1 ORDER BY seq DESC LIMIT 1',
      [robotUuid],
    );
    const top = last.rows[0]!;
    if (top.last_sample_at < from) return 0;
    let hi = Number(top.seq);
    found = top;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const b = (await probe(mid))!;
      if (b.last_sample_at >= from) {
        hi = Number(b.seq);
        found = b;
      } else lo = Number(b.seq) + 1;
    }
    if (Number(found.seq) !== hi) found = (await probe(hi))!;
  }
  const link = await db.query<{ seq: number }>('SELECT seq FROM robot_chain_links WHERE idx = $1', [
    found.ledger_index,
  ]);
  const firstSeq = link.rows[0]?.seq;
  return firstSeq === undefined ? 0 : Number(headSeq) - Number(firstSeq) + 1;
}

const sums = (
  n: number,
  sx: number | null,
  sy: number | null,
  sxx: number | null,
  sxy: number | null,
  minX: number | null,
  maxX: number | null,
  lastX: number,
  lastY: number,
): TrendSums | null =>
  n > 0 && sx !== null && sy !== null && sxx !== null && sxy !== null && minX !== null && maxX !== null
    ? { n, sumX: sx, sumY: sy, sumXX: sxx, sumXY: sxy, minX, maxX, lastX, lastY }
    : null;

/** Reads what the assessment of one robot needs. */
export async function loadHealthInputs(
  db: SqlClient,
  robotUuid: string,
  limits: ModelLimits,
  now: Date,
): Promise<{ inputs: HealthInputs; basis: AssessedRobot['basis']; lastSampleAt: Date | null }> {
  const nowMs = now.getTime();
  const basisFrom = new Date(nowMs - HEALTH_BASIS_DAYS * DAY_MS);
  const recentFrom = new Date(nowMs - RECENT_HOURS * HOUR_MS);
  const pack = await currentPack(db, robotUuid);
  // The pack's hours: the first whole hour after it went in.
  const packFrom = pack ? new Date(Math.ceil(pack.occurred_at.getTime() / HOUR_MS) * HOUR_MS) : basisFrom;
  const [basisQuery, lastQuery, recentQuery, joints, latest] = await Promise.all([
    // x: operating hours; t: calendar hours since the basis began (kept small for the sums).
    db.query<BasisRow>(
      `WITH h AS (
         SELECT bucket, n, operating_hours_max AS x, soh_sum / n AS soh, position_error_sum / n AS err,
                extract(epoch FROM bucket - $2::timestamptz)::float8 / 3600 AS t, soc_min, battery_temp_max,
                task_success_sum
           FROM telemetry_rollup_1h WHERE robot_uuid = $1 AND bucket >= $2 AND bucket <= $3 AND n > 0)
       SELECT count(*)::int AS n,
              count(*) FILTER (WHERE bucket >= $4)::int AS soh_n,
              sum(x) FILTER (WHERE bucket >= $4) AS soh_sx, sum(soh) FILTER (WHERE bucket >= $4) AS soh_sy,
              sum(x * x) FILTER (WHERE bucket >= $4) AS soh_sxx, sum(x * soh) FILTER (WHERE bucket >= $4) AS soh_sxy,
              min(x) FILTER (WHERE bucket >= $4) AS soh_minx, max(x) FILTER (WHERE bucket >= $4) AS soh_maxx,
              sum(x) AS err_sx, sum(err) AS err_sy, sum(x * x) AS err_sxx, sum(x * err) AS err_sxy,
              min(x) AS minx, max(x) AS maxx,
              sum(t) AS t_sx, sum(t * t) AS t_sxx, sum(t * x) AS t_sxy, min(t) AS t_minx, max(t) AS t_maxx,
              count(*) FILTER (WHERE bucket >= $4 AND soc_min < $5)::int AS deep,
              array_agg(bucket) FILTER (WHERE bucket >= $4 AND battery_temp_max > $6) AS hot,
              sum(n) FILTER (WHERE bucket > $7)::float8 AS recent_n,
              sum(task_success_sum) FILTER (WHERE bucket > $7) AS recent_ts,
              min(bucket) AS first_bucket
         FROM h`,
      [robotUuid, basisFrom, now, packFrom, DEEP_DISCHARGE_SOC_PCT, BATTERY_TEMP_LIMIT_C, recentFrom],
    ),
    db.query<LastHourRow>(
      `SELECT bucket, n, soh_sum, wear_max, position_error_sum, cycles_max, operating_hours_max
         FROM telemetry_rollup_1h WHERE robot_uuid = $1 AND bucket >= $2 AND bucket <= $3 AND n > 0
        ORDER BY bucket DESC LIMIT 1`,
      [robotUuid, basisFrom, now],
    ),
    db.query<{ err: number }>(
      `SELECT position_error_sum / n AS err FROM telemetry_rollup_1h
        WHERE robot_uuid = $1 AND bucket > $2 AND bucket <= $3 AND n > 0`,
      [robotUuid, recentFrom, now],
    ),
    jointSeries(db, robotUuid, nowMs - JOINT_WINDOW_DAYS * DAY_MS),
    db.query<{ sample_at: Date }>('SELECT sample_at FROM telemetry_usage_counters WHERE robot_uuid = $1', [
      robotUuid,
    ]),
  ]);
  const b = basisQuery.rows[0]!;
  const last = lastQuery.rows[0];
  const hotHours = b.hot ?? [];
  const [atSwap, hot, batches] = await Promise.all([
    // The counter when the pack went in: the hour of the swap's highest reading.
    pack
      ? db.query<{ cycles_max: number }>(
          `SELECT cycles_max FROM telemetry_rollup_1h WHERE robot_uuid = $1 AND bucket < $2
            ORDER BY bucket DESC LIMIT 1`,
          [robotUuid, packFrom],
        )
      : undefined,
    hotHours.length > 0
      ? db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM unnest($2::timestamptz[]) h(hour)
             JOIN telemetry_rollup_1m m ON m.robot_uuid = $1 AND m.bucket >= h.hour AND m.bucket < h.hour + interval '1 hour'
            WHERE m.battery_temp_max > $3`,
          [robotUuid, hotHours, BATTERY_TEMP_LIMIT_C],
        )
      : undefined,
    b.first_bucket ? batchesSince(db, robotUuid, b.first_bucket) : 0,
  ]);
  const cycles = last?.cycles_max ?? 0;
  const cyclesAtSwap = atSwap?.rows[0]?.cycles_max ?? 0;
  const lastSampleAt = latest.rows[0]?.sample_at ?? (last ? new Date(last.bucket.getTime() + HOUR_MS) : null);
  const lastX = last?.operating_hours_max ?? 0;
  const sohInPack = last !== undefined && last.bucket >= packFrom;
  const lastT = last ? (last.bucket.getTime() - basisFrom.getTime()) / HOUR_MS : 0;
  return {
    inputs: {
      nowMs,
      limits,
      packId: pack?.serial ?? null,
      soh: sohInPack
        ? sums(
            b.soh_n,
            b.soh_sx,
            b.soh_sy,
            b.soh_sxx,
            b.soh_sxy,
            b.soh_minx,
            b.soh_maxx,
            lastX,
            last.soh_sum / last.n,
          )
        : null,
      positionError: last
        ? sums(
            b.n,
            b.err_sx,
            b.err_sy,
            b.err_sxx,
            b.err_sxy,
            b.minx,
            b.maxx,
            lastX,
            last.position_error_sum / last.n,
          )
        : null,
      taskSuccess: { n: b.recent_n ?? 0, sum: b.recent_ts ?? 0 },
      recentPositionErrors: recentQuery.rows.map((r) => r.err),
      joints: joints.filter((j) => j !== undefined),
      worstJointWear: last ? last.wear_max : null,
      cycles: pack ? packCycles(cycles, cyclesAtSwap) : cycles,
      deepDischargeEvents: b.deep,
      minutesAboveTempLimit: hot?.rows[0]?.n ?? 0,
      operatingHours: lastX,
      usage: last ? sums(b.n, b.t_sx, b.err_sx, b.t_sxx, b.t_sxy, b.t_minx, b.t_maxx, lastT, lastX) : null,
      lastAtMs: lastSampleAt ? lastSampleAt.getTime() : null,
    },
    basis: {
      from: b.first_bucket ? b.first_bucket.toISOString() : null,
      to: lastSampleAt ? lastSampleAt.toISOString() : null,
      batches,
    },
    lastSampleAt,
  };
}

interface RobotForHealth {
  id: string;
  robot_id: string;
  min_battery_soh_pct: number;
  max_joint_wear: number;
  max_position_error_mm: number;
}

const limitsOf = (r: RobotForHealth): ModelLimits => ({
  minBatterySohPct: r.min_battery_soh_pct,
  maxJointWear: r.max_joint_wear,
  maxPositionErrorMm: r.max_position_error_mm,
});

async function robotForHealth(db: SqlClient, robotUuid: string): Promise<RobotForHealth> {
  const { rows } = await db.query<RobotForHealth>(
    `SELECT r.id, r.robot_id, m.min_battery_soh_pct, m.max_joint_wear, m.max_position_error_mm
       FROM robots r JOIN models m ON m.id = r.model_id WHERE r.id = $1`,
    [robotUuid],
  );
  const row = rows[0];
  if (!row) throw new PlatformError('INTERNAL_INVARIANT', `robot ${robotUuid} has no model`);
  return row;
}

/**
 * Assesses one robot now (no writes) from the telemetry and events in `db`. `keys` is where
 * the robot and its model's limits are looked up: a key lookup, so the primary when `db` is
 * the replica (a robot filed a moment ago is not there yet).
 */
export async function assessRobot(
  db: SqlClient,
  robotUuid: string,
  now: Date,
  keys: SqlClient = db,
): Promise<AssessedRobot & { robot: RobotForHealth }> {
  const robot = await robotForHealth(keys, robotUuid);
  const { inputs, basis, lastSampleAt } = await loadHealthInputs(db, robotUuid, limitsOf(robot), now);
  return { robot, prognosis: assessPrognosis(inputs), basis, lastSampleAt };
}

export function advisoryView(row: HealthAdvisoryRow) {
  return {
    advisoryId: row.id,
    kind: row.kind,
    component: row.component,
    dueBy: row.due_by.toISOString(),
    dueInHours: row.due_in_hours,
    reason: row.reason,
    status: row.closed_at === null ? ('open' as const) : ('closed' as const),
    raisedAt: row.raised_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
    closedByEventId: row.closed_by_event,
    ledgerIndex: Number(row.ledger_index),
  };
}

/**
 * GET /v1/robots/{robotId}/health: the assessment now, with the robot's advisories. `reads`
 * answers the assessment's data queries (the replica when the freshness rule allows:
 * db/read-routing.ts historyReads); who may read is asked of the primary.
 */
export async function robotHealth(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  reads: SqlClient = ctx.db,
) {
  const now = ctx.clock();
  const { robot, relation } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.telemetry.read', now);
  // The health now is about today's robot, not the caller's period (docs/lifecycle.md "Ownership periods").
  if (onlyFormerOwner(actor, relation)) {
    throw new PlatformError('FORBIDDEN', 'a former owner reads its own periods, not the robot’s health now');
  }
  const [assessed, advisories] = await Promise.all([
    assessRobot(reads, robot.id, now, ctx.db),
    reads.query<HealthAdvisoryRow>(
      `(SELECT * FROM health_advisories WHERE robot_uuid = $1 AND closed_at IS NULL)
       UNION ALL
       (SELECT * FROM health_advisories WHERE robot_uuid = $1 AND closed_at IS NOT NULL
         ORDER BY closed_at DESC, id LIMIT $2)`,
      [robot.id, CLOSED_ADVISORIES_SHOWN],
    ),
  ]);
  const rows = advisories.rows.sort(
    (a, b) =>
      Number(a.closed_at !== null) - Number(b.closed_at !== null) || a.due_by.getTime() - b.due_by.getTime(),
  );
  const { prognosis, basis } = assessed;
  const anyOpen = rows.some((r) => r.closed_at === null);
  return {
    robotId: robot.robot_id.trim(),
    assessedAt: now.toISOString(),
    grade: anyOpen ? worseGrade(prognosis.grade, 'watch') : prognosis.grade,
    reasons: prognosis.reasons,
    battery: prognosis.battery,
    joints: prognosis.joints,
    accuracy: prognosis.accuracy,
    operatingHours: prognosis.operatingHours,
    advisories: rows.map(advisoryView),
    basis,
  };
}

/** Robots whose assessment is due: never assessed, newer samples by an hour, or a day old. */
export const REASSESS_AFTER_NEW_DATA_MS = HOUR_MS;
export const REASSESS_AT_LEAST_EVERY_MS = DAY_MS;

export interface SweepResult {
  assessed: number;
  raised: number;
}

/**
 * One sweep: assesses up to `limit` robots due for it (those reporting telemetry), raises the
 * advisories their projections call for (ledgered, once each) and stores each assessment for
 * the fleet view. The platform runs it on a timer; tests and the demo call it directly.
 */
export async function sweepHealth(ctx: AppContext, limit = 200): Promise<SweepResult> {
  const now = ctx.clock();
  const { rows: due } = await ctx.db.query<{ robot_uuid: string }>(
    `SELECT u.robot_uuid FROM telemetry_usage_counters u
       JOIN robots r ON r.id = u.robot_uuid
       LEFT JOIN robot_health h ON h.robot_uuid = u.robot_uuid
      WHERE r.status NOT IN ('decommissioned', 'recycled')
        AND (h.robot_uuid IS NULL OR u.sample_at > h.basis_to + $2::interval OR h.assessed_at < $1::timestamptz - $3::interval)
      ORDER BY h.assessed_at NULLS FIRST, u.robot_uuid LIMIT $4`,
    [
      now,
      `${REASSESS_AFTER_NEW_DATA_MS / 1000} seconds`,
      `${REASSESS_AT_LEAST_EVERY_MS / 1000} seconds`,
      limit,
    ],
  );
  let raised = 0;
  for (const { robot_uuid } of due) {
    const assessed = await assessRobot(ctx.db, robot_uuid, now);
    raised += await recordAssessment(ctx, assessed, now);
  }
  return { assessed: due.length, raised };
}

async function recordAssessment(
  ctx: AppContext,
  assessed: AssessedRobot & { robot: RobotForHealth },
  now: Date,
): Promise<number> {
  const { robot, prognosis, lastSampleAt } = assessed;
  const candidates: AdvisoryCandidate[] = prognosis.candidates;
  return ctx.ledger.run(async (tx, ledger) => {
    const raised = await raiseAdvisories(tx, ledger, robot, candidates, now);
    const { rows } = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM health_advisories WHERE robot_uuid = $1 AND closed_at IS NULL',
      [robot.id],
    );
    const grade: HealthGrade = (rows[0]?.n ?? 0) > 0 ? worseGrade(prognosis.grade, 'watch') : prognosis.grade;
    const summary = {
      reasons: prognosis.reasons,
      battery: { sohPct: prognosis.battery.sohPct, projectedMinSohAt: prognosis.battery.projectedMinSohAt },
      worstJoint: worstJoint(prognosis),
      positionErrorMmP95: prognosis.accuracy.positionErrorMmP95,
    };
    await tx.query(
      `INSERT INTO robot_health (robot_uuid, assessed_at, grade, basis_to, operating_hours, summary)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (robot_uuid) DO UPDATE SET assessed_at = EXCLUDED.assessed_at, grade = EXCLUDED.grade,
         basis_to = EXCLUDED.basis_to, operating_hours = EXCLUDED.operating_hours, summary = EXCLUDED.summary`,
      [robot.id, now, grade, lastSampleAt ?? now, prognosis.operatingHours, JSON.stringify(summary)],
    );
    return raised.length;
  });
}

function worstJoint(p: HealthPrognosis) {
  let worst: HealthPrognosis['joints'][number] | null = null;
  for (const j of p.joints) if (!worst || j.wear > worst.wear) worst = j;
  return worst;
}

export interface FleetHealthQuery {
  orgId?: string | undefined;
  grade?: HealthGrade | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * GET /v1/fleet/health: assessed robots with their grade and open advisories, by robot ID.
 * The registry and regulators see every robot (orgId narrows to one owner); anyone else sees
 * the robots it owns, and naming another owner is a 403.
 */
export async function fleetHealth(ctx: AppContext, actor: Actor, q: FleetHealthQuery) {
  let owner: string | null = q.orgId ?? null;
  if (!seesEverything(actor.kind)) {
    if (owner !== null && owner !== actor.orgId) {
      throw new PlatformError(
        'FORBIDDEN',
        'only the registry and regulators see other organisations’ fleets',
        {
          field: 'orgId',
        },
      );
    }
    owner = actor.orgId;
  }
  if (q.cursor !== undefined && !/^[0-9A-Z]{29}$/.test(q.cursor)) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is not one this list returned', { field: 'cursor' });
  }
  const { rows } = await ctx.db.query<{
    robot_id: string;
    owner_id: string;
    status: string;
    grade: HealthGrade;
    assessed_at: Date;
    operating_hours: number;
    summary: Record<string, unknown>;
    advisories: HealthAdvisoryRow[] | null;
  }>(
    `SELECT r.robot_id, r.owner_id, r.status, h.grade, h.assessed_at, h.operating_hours, h.summary,
            (SELECT json_agg(a ORDER BY a.due_by, a.id) FROM health_advisories a
              WHERE a.robot_uuid = r.id AND a.closed_at IS NULL) AS advisories
       FROM robot_health h JOIN robots r ON r.id = h.robot_uuid
      WHERE ($1::uuid IS NULL OR r.owner_id = $1::uuid) AND ($2::text IS NULL OR h.grade = $2::text)
        AND ($3::text IS NULL OR r.robot_id > $3::text)
      ORDER BY r.robot_id LIMIT $4`,
    [owner, q.grade ?? null, q.cursor ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      robotId: r.robot_id.trim(),
      ownerOrgId: r.owner_id,
      status: r.status,
      grade: r.grade,
      assessedAt: r.assessed_at.toISOString(),
      operatingHours: r.operating_hours,
      summary: r.summary,
      advisories: (r.advisories ?? []).map((a) =>
        advisoryView({
          ...a,
          due_by: new Date(a.due_by),
          raised_at: new Date(a.raised_at),
          closed_at: a.closed_at === null ? null : new Date(a.closed_at),
        }),
      ),
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.robot_id.trim() : null,
  };
}
