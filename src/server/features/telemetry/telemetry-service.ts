// Reading telemetry and working alerts (docs/api.md "Telemetry"). Reads ask the access policy
// (robot.telemetry.read, robot.alerts.read, robot.alerts.ack): the owner, regulators and the
// registry, and organisations under a live grant read; others get 404 or 403 as the policy says.
import { ALERT_READ_SCOPES } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import { type Actor, seesEverything } from '../../../core/organisation.js';
import type { TimeSpan } from '../../../core/ownership-periods.js';
import {
  type AlertState,
  assessHealth,
  bucketStart,
  chooseResolution,
  describeCondition,
  metricSummary,
  type RollupResolution,
  type TelemetryResolution,
} from '../../../core/telemetry/index.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import { formatOpening } from '../../../ledger/index.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { loadOpenings, type StoredOpening } from '../../ledger/ledger-openings.js';
import { LedgerReader } from '../../ledger/ledger-reader.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { accessBy, recordRobotAccess, recordRobotsAccess } from '../access-log/access-log.js';
import { robotForAction } from '../robots/robot-access.js';
import { readableAlerts, readableTelemetry, spanCondition, spanParams } from '../robots/robot-periods.js';
import { type TelemetryAlertRow, telemetryAlertAckRecord } from './telemetry-records.js';

export interface TelemetryQuery {
  from?: string | undefined;
  to?: string | undefined;
  resolution?: TelemetryResolution | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

interface SampleRow {
  seq: number;
  t: Date;
  t_us: number;
  soc_pct: number;
  soh_pct: number;
  cycles: number;
  battery_temp_c: number;
  joint_wear: number[];
  joint_temp_c: number[];
  position_error_mm: number;
  task_success_rate: number;
  operating_hours: number;
  faults: string[];
  /** Whether a usage counter of this sample ran backwards (telemetry_counter_rollbacks). */
  counter_rollback?: boolean;
}

interface RollupRow {
  bucket: Date;
  n: number;
  soc_min: number;
  soc_max: number;
  soc_sum: number;
  soh_min: number;
  soh_max: number;
  soh_sum: number;
  battery_temp_min: number;
  battery_temp_max: number;
  battery_temp_sum: number;
  wear_min: number;
  wear_max: number;
  wear_sum: number;
  joint_temp_min: number;
  joint_temp_max: number;
  joint_temp_sum: number;
  position_error_min: number;
  position_error_max: number;
  position_error_sum: number;
  task_success_min: number;
  task_success_max: number;
  task_success_sum: number;
  cycles_max: number;
  operating_hours_max: number;
  fault_count: number;
}

/** How long a rollup bucket of each resolution lasts, as SQL intervals. */
const ROLLUP_SPAN: Record<RollupResolution, string> = { '1m': '1 minute', '1h': '1 hour', '1d': '1 day' };

const DEFAULT_SPAN_MS: Record<TelemetryResolution, number> = {
  raw: 3_600_000,
  '1m': 86_400_000,
  '1h': 30 * 86_400_000,
  '1d': 365 * 86_400_000,
};

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimestamp(value);
  if (ms === undefined)
    throw new PlatformError('VALIDATION_FAILED', `${field} must be an RFC 3339 time of a real date`, {
      field,
    });
  return ms;
}

function rawItem(r: SampleRow) {
  return {
    t: r.t.toISOString(),
    seq: r.seq,
    battery: { socPct: r.soc_pct, sohPct: r.soh_pct, cycles: r.cycles, tempC: r.battery_temp_c },
    joints: { wear: r.joint_wear, tempC: r.joint_temp_c },
    accuracy: { positionErrorMm: r.position_error_mm, taskSuccessRate: r.task_success_rate },
    operatingHours: r.operating_hours,
    faults: r.faults,
    // Only on the samples concerned: a counter below the sample before it, with no replacement recorded.
    ...(r.counter_rollback ? { counterRollback: true as const } : {}),
  };
}

function rollupItem(r: RollupRow) {
  const s = (min: number, max: number, sum: number) => metricSummary(r.n, min, max, sum);
  return {
    bucket: r.bucket.toISOString(),
    samples: r.n,
    battery: {
      socPct: s(r.soc_min, r.soc_max, r.soc_sum),
      sohPct: s(r.soh_min, r.soh_max, r.soh_sum),
      tempC: s(r.battery_temp_min, r.battery_temp_max, r.battery_temp_sum),
      maxCycles: r.cycles_max,
    },
    joints: {
      worstWear: s(r.wear_min, r.wear_max, r.wear_sum),
      maxTempC: s(r.joint_temp_min, r.joint_temp_max, r.joint_temp_sum),
    },
    accuracy: {
      positionErrorMm: s(r.position_error_min, r.position_error_max, r.position_error_sum),
      taskSuccessRate: s(r.task_success_min, r.task_success_max, r.task_success_sum),
    },
    operatingHours: r.operating_hours_max,
    faults: r.fault_count,
  };
}

/**
 * `reads` answers the data queries (the samples or rollups): the replica when the freshness rule
 * allows (db/read-routing.ts historyReads). Who may read, and over which periods, is asked of
 * the primary, and the access log is written there.
 */
export async function queryTelemetry(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  q: TelemetryQuery,
  reads: SqlClient = ctx.db,
) {
  const now = ctx.clock();
  const { robot, relation } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.telemetry.read', now);
  // Other owners' periods are left out of the answer: the window is clipped, not refused.
  const spans = spanParams(await readableTelemetry(ctx.db, actor, robot, relation));
  const toMs = parseTime(q.to, 'to') ?? now.getTime();
  const fromGiven = parseTime(q.from, 'from');
  const resolution: TelemetryResolution =
    q.resolution ?? (fromGiven === undefined ? 'raw' : chooseResolution(fromGiven, toMs));
  const fromMs = fromGiven ?? toMs - DEFAULT_SPAN_MS[resolution];
  if (!(fromMs < toMs)) throw new PlatformError('TELEMETRY_RANGE_INVALID', '`from` must be before `to`');
  const limit = q.limit ?? 1000;
  const base = {
    robotId: robot.robot_id.trim(),
    resolution,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
  };
  if (resolution === 'raw') {
    let cursorUs: number | null = null;
    let cursorSeq: number | null = null;
    if (q.cursor !== undefined) {
      const m = /^(\d{1,17})\.(\d{1,16})$/.exec(q.cursor);
      if (!m) throw new PlatformError('VALIDATION_FAILED', 'malformed cursor', { field: 'cursor' });
      cursorUs = Number(m[1]);
      cursorSeq = Number(m[2]);
    }
    const { rows } = await reads.query<SampleRow>(
      `SELECT seq, t, (extract(epoch FROM t) * 1000000)::bigint AS t_us, soc_pct, soh_pct, cycles, battery_temp_c,
              joint_wear, joint_temp_c, position_error_mm, task_success_rate, operating_hours, faults,
              EXISTS (SELECT 1 FROM telemetry_counter_rollbacks k
                       WHERE k.robot_uuid = s.robot_uuid AND k.sample_at = s.t AND k.seq = s.seq) AS counter_rollback
         FROM telemetry_samples s
        WHERE robot_uuid = $1 AND t >= $2 AND t < $3
          AND ($4::bigint IS NULL OR (t, seq) > (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::bigint))
          AND ${spanCondition(7, 't')}
        ORDER BY t, seq LIMIT $6`,
      [robot.id, new Date(fromMs), new Date(toMs), cursorUs, cursorSeq, limit + 1, ...spans],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    await recordRobotAccess(ctx.db, { robotUuid: robot.id, ...accessBy(actor, 'telemetry', now) });
    return {
      ...base,
      items: page.map(rawItem),
      nextCursor: rows.length > limit && last ? `${last.t_us}.${last.seq}` : null,
    };
  }
  let cursorMs: number | null = null;
  if (q.cursor !== undefined) {
    if (!/^\d{1,16}$/.test(q.cursor))
      throw new PlatformError('VALIDATION_FAILED', 'malformed cursor', { field: 'cursor' });
    cursorMs = Number(q.cursor);
  }
  const table = `telemetry_rollup_${resolution satisfies RollupResolution}`;
  const { rows } = await reads.query<RollupRow>(
    `SELECT * FROM ${table}
      WHERE robot_uuid = $1 AND bucket >= $2 AND bucket < $3 AND ($4::timestamptz IS NULL OR bucket > $4)
        AND ${spanCondition(6, 'bucket', `bucket + interval '${ROLLUP_SPAN[resolution]}'`, true)}
      ORDER BY bucket LIMIT $5`,
    [
      robot.id,
      // A bucket that starts before `from` but reaches into the range is part of the answer.
      new Date(bucketStart(fromMs, resolution)),
      new Date(toMs),
      cursorMs === null ? null : new Date(cursorMs),
      limit + 1,
      ...spans,
    ],
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  await recordRobotAccess(ctx.db, { robotUuid: robot.id, ...accessBy(actor, 'telemetry', now) });
  return {
    ...base,
    items: page.map(rollupItem),
    nextCursor: rows.length > limit && last ? String(last.bucket.getTime()) : null,
  };
}

export interface BatchQuery {
  from?: string | undefined;
  to?: string | undefined;
  treeSize?: number | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** A stored batch as the batches route answers it. */
export interface BatchRow {
  seq: number;
  ledger_index: number;
  jws: string;
  received_at: Date;
  first_sample_at: Date;
  last_sample_at: Date;
  first_us: number;
}

/**
 * One page of a robot's stored batches whose samples overlap [fromMs, toMs), in first-sample
 * then seq order, after `cursor`; `limit + 1` rows so the caller knows whether more follow.
 * Only batches whose JWS is still kept (raw retention drops it with the samples). The data
 * access of GET /v1/robots/{robotId}/telemetry/batches, kept apart so that what an item
 * carries can grow (each row has the batch's identity: robot, seq and leaf).
 */
export async function readBatchPage(
  db: AppContext['db'],
  robotUuid: string,
  range: { fromMs: number | undefined; toMs: number | undefined; treeSize?: number | undefined },
  cursor: { firstUs: number; seq: number } | null,
  limit: number,
  readable: readonly TimeSpan[] | null = null,
): Promise<BatchRow[]> {
  const { rows } = await db.query<BatchRow>(
    `SELECT j.seq, b.ledger_index, j.jws, b.received_at, j.first_sample_at, j.last_sample_at,
            (extract(epoch FROM j.first_sample_at) * 1000000)::bigint AS first_us
       FROM telemetry_batch_jws j
       JOIN telemetry_batches b ON b.robot_uuid = j.robot_uuid AND b.seq = j.seq
      WHERE j.robot_uuid = $1
        AND ($2::timestamptz IS NULL OR j.last_sample_at >= $2)
        AND ($3::timestamptz IS NULL OR j.first_sample_at < $3)
        AND ($4::bigint IS NULL OR (j.first_sample_at, j.seq) >
             (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::bigint))
        AND ($7::bigint IS NULL OR b.ledger_index < $7)
        AND ${spanCondition(8, 'j.first_sample_at', 'j.last_sample_at')}
      ORDER BY j.first_sample_at, j.seq LIMIT $6`,
    [
      robotUuid,
      range.fromMs === undefined ? null : new Date(range.fromMs),
      range.toMs === undefined ? null : new Date(range.toMs),
      cursor?.firstUs ?? null,
      cursor?.seq ?? null,
      limit + 1,
      range.treeSize ?? null,
      ...spanParams(readable),
    ],
  );
  return rows;
}

export function batchItem(r: BatchRow, opening: StoredOpening, proof: Uint8Array[] | undefined) {
  return {
    seq: r.seq,
    ledgerIndex: r.ledger_index,
    jws: r.jws,
    receivedAt: r.received_at.toISOString(),
    firstSampleAt: r.first_sample_at.toISOString(),
    lastSampleAt: r.last_sample_at.toISOString(),
    opening: formatOpening(opening),
    leafHash: Buffer.from(opening.leafHash).toString('base64'),
    ...(proof ? { proof: proof.map((h) => Buffer.from(h).toString('base64')) } : {}),
  };
}

/**
 * A robot's stored batches, each with its JWS exactly as received, for whoever may read its
 * telemetry: the evidence that verifies with the robot's key and matches the ledger leaf's digest.
 */
export async function listBatches(ctx: AppContext, actor: Actor, robotIdInput: string, q: BatchQuery) {
  const now = ctx.clock();
  const { robot, relation } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.telemetry.read', now);
  const readable = await readableTelemetry(ctx.db, actor, robot, relation);
  const fromMs = parseTime(q.from, 'from');
  const toMs = parseTime(q.to, 'to');
  if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) {
    throw new PlatformError('TELEMETRY_RANGE_INVALID', '`from` must be before `to`');
  }
  let cursor: { firstUs: number; seq: number } | null = null;
  if (q.cursor !== undefined) {
    const m = /^(-?\d{1,17})\.(\d{1,16})$/.exec(q.cursor);
    if (!m) throw new PlatformError('VALIDATION_FAILED', 'malformed cursor', { field: 'cursor' });
    cursor = { firstUs: Number(m[1]), seq: Number(m[2]) };
  }
  const limit = q.limit ?? 50;
  // Against a signed checkpoint, the batches it covers, each with its inclusion proof.
  if (q.treeSize !== undefined && !(await ctx.checkpointer.at(q.treeSize))) {
    throw new PlatformError(
      'LEDGER_CHECKPOINT_NOT_FOUND',
      `the log signed no checkpoint of size ${q.treeSize}`,
    );
  }
  const rows = await readBatchPage(
    ctx.db,
    robot.id,
    { fromMs, toMs, treeSize: q.treeSize },
    cursor,
    limit,
    readable,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const indices = page.map((r) => r.ledger_index);
  const [openings, proofs] = await Promise.all([
    loadOpenings(ctx.db, indices),
    q.treeSize !== undefined && indices.length > 0
      ? new LedgerReader(ctx.db).inclusionProofs(indices, q.treeSize)
      : Promise.resolve(undefined),
  ]);
  await recordRobotAccess(ctx.db, { robotUuid: robot.id, ...accessBy(actor, 'telemetry_batches', now) });
  return {
    items: page.map((r, i) => {
      const opening = openings.get(r.ledger_index);
      if (!opening) {
        throw new PlatformError(
          'INTERNAL_INVARIANT',
          `batch ${r.seq} (ledger index ${r.ledger_index}) has no opening`,
        );
      }
      return batchItem(r, opening, proofs?.[i]?.proof);
    }),
    nextCursor: rows.length > limit && last ? `${last.first_us}.${last.seq}` : null,
  };
}

/** The latest sample and a health grade against the model's limits; `reads` as for queryTelemetry. */
export async function latestTelemetry(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  reads: SqlClient = ctx.db,
) {
  const now = ctx.clock();
  const { robot, relation } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.telemetry.read', now);
  // For a former owner: the latest sample of its own periods, and the alerts raised in them.
  const spans = spanParams(await readableTelemetry(ctx.db, actor, robot, relation));
  const alertSpans = spanParams(await readableAlerts(ctx.db, actor, robot, relation));
  const { rows } = await reads.query<
    SampleRow & { min_battery_soh_pct: number; max_joint_wear: number; max_position_error_mm: number }
  >(
    `SELECT s.*, 0 AS t_us, m.min_battery_soh_pct, m.max_joint_wear, m.max_position_error_mm
       FROM telemetry_samples s JOIN robots r ON r.id = s.robot_uuid JOIN models m ON m.id = r.model_id
      WHERE s.robot_uuid = $1 AND ${spanCondition(2, 's.t')} ORDER BY s.t DESC, s.seq DESC LIMIT 1`,
    [robot.id, ...spans],
  );
  const row = rows[0];
  const open = await reads.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM telemetry_alerts
      WHERE robot_uuid = $1 AND state = 'open' AND ${spanCondition(2, 'sample_at')}`,
    [robot.id, ...alertSpans],
  );
  await recordRobotAccess(ctx.db, { robotUuid: robot.id, ...accessBy(actor, 'telemetry', now) });
  if (!row)
    return { robotId: robot.robot_id.trim(), latest: null, health: null, openAlerts: open.rows[0]?.n ?? 0 };
  const health = assessHealth(
    {
      sohPct: row.soh_pct,
      worstJointWear: Math.max(...row.joint_wear),
      positionErrorMm: row.position_error_mm,
    },
    {
      minBatterySohPct: row.min_battery_soh_pct,
      maxJointWear: row.max_joint_wear,
      maxPositionErrorMm: row.max_position_error_mm,
    },
  );
  return { robotId: robot.robot_id.trim(), latest: rawItem(row), health, openAlerts: open.rows[0]?.n ?? 0 };
}

export function toAlert(row: TelemetryAlertRow & { current_robot_id?: string }) {
  return {
    alertId: row.id,
    robotId: (row.current_robot_id ?? row.robot_id).trim(),
    condition: row.condition,
    state: row.state,
    message: describeCondition({
      condition: row.condition,
      value: row.value,
      threshold: row.threshold,
      detail: row.detail as Record<string, number | string>,
    }),
    value: row.value,
    threshold: row.threshold,
    detail: row.detail,
    sampleAt: row.sample_at.toISOString(),
    seq: row.seq,
    raisedAt: row.raised_at.toISOString(),
    clearedAt: row.cleared_at?.toISOString() ?? null,
    ledgerIndex: row.ledger_index,
    acknowledgement:
      row.state === 'acknowledged' && row.acked_at && row.acked_by_org && row.ack_ledger_index !== null
        ? {
            at: row.acked_at.toISOString(),
            byOrgId: row.acked_by_org,
            byKeyId: row.acked_by_key,
            note: row.ack_note,
            ledgerIndex: row.ack_ledger_index,
          }
        : null,
  };
}

export async function listAlerts(
  ctx: AppContext,
  actor: Actor,
  q: {
    robotId?: string | undefined;
    state?: AlertState | undefined;
    condition?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const now = ctx.clock();
  let robotUuid: string | null = null;
  let spans: [string[] | null, string[] | null] = [null, null];
  if (q.robotId !== undefined) {
    const { robot, relation } = await robotForAction(ctx.db, actor, q.robotId, 'robot.alerts.read', now);
    robotUuid = robot.id;
    spans = spanParams(await readableAlerts(ctx.db, actor, robot, relation));
  }
  let cursorMs: number | null = null;
  let cursorId: string | null = null;
  if (q.cursor !== undefined) {
    const m = /^(\d{1,16})\.([0-9a-f-]{36})$/.exec(q.cursor);
    if (!m) throw new PlatformError('VALIDATION_FAILED', 'malformed cursor', { field: 'cursor' });
    cursorMs = Number(m[1]);
    cursorId = m[2]!;
  }
  // Without a robot: every alert for authorities; otherwise those of robots the caller owns
  // or holds a live grant on with a scope that reads alerts (the policy's robot.alerts.read).
  const { rows } = await ctx.db.query<TelemetryAlertRow & { current_robot_id: string }>(
    `SELECT a.*, r.robot_id AS current_robot_id FROM telemetry_alerts a JOIN robots r ON r.id = a.robot_uuid
      WHERE ($1::uuid IS NULL OR a.robot_uuid = $1)
        AND ($2::text IS NULL OR a.state = $2)
        AND ($3::boolean OR r.owner_id = $4::uuid OR EXISTS (
              SELECT 1 FROM grants g WHERE g.robot_uuid = r.id AND g.org_id = $4::uuid
                 AND g.revoked_at IS NULL AND g.expires_at > $5 AND g.scopes && $9::text[]))
        AND ($6::timestamptz IS NULL OR (a.raised_at, a.id) < ($6::timestamptz, $7::uuid))
        AND ($10::text IS NULL OR a.condition = $10)
        AND ${spanCondition(11, 'a.sample_at')}
      ORDER BY a.raised_at DESC, a.id DESC LIMIT $8`,
    [
      robotUuid,
      q.state ?? null,
      robotUuid !== null || seesEverything(actor.kind),
      actor.orgId,
      now,
      cursorMs === null ? null : new Date(cursorMs),
      cursorId,
      q.limit + 1,
      ALERT_READ_SCOPES,
      q.condition ?? null,
      ...spans,
    ],
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  // One read of each robot whose alerts the page shows (of the one asked for, even if it has none).
  await recordRobotsAccess(
    ctx.db,
    robotUuid !== null ? [robotUuid] : page.map((a) => a.robot_uuid),
    accessBy(actor, 'alerts', now),
  );
  return {
    items: page.map(toAlert),
    nextCursor: rows.length > q.limit && last ? `${last.raised_at.getTime()}.${last.id}` : null,
  };
}

export async function acknowledgeAlert(
  ctx: AppContext,
  actor: Actor,
  alertId: string,
  note: string | undefined,
) {
  const { rows } = await ctx.db.query<TelemetryAlertRow>('SELECT * FROM telemetry_alerts WHERE id = $1', [
    alertId,
  ]);
  const alert = rows[0];
  if (!alert) throw new PlatformError('ALERT_NOT_FOUND', 'no such alert');
  try {
    const action =
      alert.condition === 'retired_id_reporting' ? 'robot.alerts.ack_retired_id' : 'robot.alerts.ack';
    await robotForAction(ctx.db, actor, alert.robot_id.trim(), action, ctx.clock());
  } catch (error) {
    // An alert of a robot the caller may not see does not exist for it.
    if (error instanceof PlatformError && error.code === 'ROBOT_NOT_FOUND') {
      throw new PlatformError('ALERT_NOT_FOUND', 'no such alert');
    }
    throw error;
  }
  const row = await ctx.ledger.run(async (tx, ledger) => {
    const updated = await tx.query<TelemetryAlertRow>(
      `UPDATE telemetry_alerts SET state = 'acknowledged', acked_at = $2, acked_by_org = $3, acked_by_key = $4,
              ack_note = $5, ack_ledger_index = $6,
              ack_robot_id = (SELECT r.robot_id FROM robots r WHERE r.id = telemetry_alerts.robot_uuid)
        WHERE id = $1 AND state = 'open' RETURNING *`,
      [alertId, ctx.clock(), actor.orgId, actor.keyId ?? null, note ?? null, ledger.nextIndex],
    );
    const acked = updated.rows[0];
    if (!acked) throw new PlatformError('ALERT_ALREADY_ACKNOWLEDGED', 'the alert was already acknowledged');
    await appendRecord(tx, ledger, telemetryAlertAckRecord, acked.id, acked);
    return acked;
  });
  return toAlert(row);
}
