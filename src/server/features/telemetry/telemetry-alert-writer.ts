// The alerts of a group commit, in its transaction: per robot and condition, raise an alert
// once (a ledger leaf each) and clear it when a later batch ends without the condition
// (core/telemetry/alerts.ts decides; this writes), each raised alert with its notifications.
import { randomUUID } from 'node:crypto';
import { ALERT_READ_SCOPES } from '../../../core/access-policy.js';
import { type ActiveAlert, type AlertCondition, decideAlerts } from '../../../core/telemetry/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord, appendRecords } from '../../ledger/record-kinds.js';
import { OUTBOX_INSERT } from '../notifications/notify.js';
import { type TelemetryAlertRow, telemetryAlertRecord } from './telemetry-records.js';
import type { TelemetryWriterState, VerifiedBatch } from './telemetry-writer.js';

/** Raises and clears the alerts the stored `batches` show (in their time order, per robot). */
export async function raiseAlerts(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  state: TelemetryWriterState,
): Promise<void> {
  const robots = new Set<string>();
  for (const b of batches) {
    if (b.checked.observation.observed.length > 0 || state.robotsWithActiveAlerts.has(b.robot.robotUuid)) {
      robots.add(b.robot.robotUuid);
    }
  }
  if (robots.size === 0) return;
  const { rows: activeRows } = await tx.query<{
    id: string;
    robot_uuid: string;
    condition: AlertCondition;
    sample_at: Date;
  }>(
    'SELECT id, robot_uuid, condition, sample_at FROM telemetry_alerts WHERE cleared_at IS NULL AND robot_uuid = ANY($1::uuid[])',
    [[...robots]],
  );
  const active = new Map<string, ActiveAlert[]>();
  for (const r of activeRows) {
    const list = active.get(r.robot_uuid) ?? [];
    list.push({ id: r.id, condition: r.condition, raisedAtMs: r.sample_at.getTime() });
    active.set(r.robot_uuid, list);
  }
  const raised: TelemetryAlertRow[] = [];
  const cleared: string[] = [];
  // Per robot, batches in time order, so "once per condition" holds within the group too.
  const ordered = batches
    .filter((b) => robots.has(b.robot.robotUuid))
    .sort((a, b) => a.checked.lastMs - b.checked.lastMs);
  for (const b of ordered) {
    const robot = b.robot.robotUuid;
    let list = active.get(robot) ?? [];
    const decision = decideAlerts(list, b.checked.observation);
    if (decision.clear.length > 0) {
      const gone = new Set(decision.clear);
      cleared.push(...decision.clear);
      list = list.filter((a) => !gone.has(a.id));
    }
    for (const o of decision.raise) {
      const row = newAlertRow(b, {
        condition: o.condition,
        atMs: o.atMs,
        value: o.value,
        threshold: o.threshold,
        detail: o.detail,
        now,
        cleared: o.clearedAtEnd,
      });
      raised.push(row);
      if (!o.clearedAtEnd) list.push({ id: row.id, condition: o.condition, raisedAtMs: o.atMs });
    }
    active.set(robot, list);
  }
  // Each alert is the next link of its robot's records chain, in the order raised.
  const indices = await appendRecords(
    tx,
    ledger,
    telemetryAlertRecord,
    raised.map((row) => ({ id: row.id, row })),
  );
  raised.forEach((row, i) => {
    row.ledger_index = indices[i]!;
  });
  if (cleared.length > 0) {
    await tx.query('UPDATE telemetry_alerts SET cleared_at = $2 WHERE id = ANY($1::uuid[])', [cleared, now]);
  }
  await insertAlerts(tx, raised, now);
  for (const [robot, list] of active) {
    if (list.length > 0) state.robotsWithActiveAlerts.add(robot);
    else state.robotsWithActiveAlerts.delete(robot);
  }
}

/**
 * Inserts raised alert rows (their leaves already appended) and their `alert.raised`
 * notifications, in one statement: each alert goes to the robot's owner and to every
 * organisation with a live grant that reads alerts (docs/notifications.md), with the outbox
 * rows of their webhooks. A group without alerts costs nothing.
 */
export async function insertAlerts(
  tx: SqlClient,
  raised: readonly TelemetryAlertRow[],
  now: Date,
): Promise<void> {
  if (raised.length > 0) {
    await tx.query(
      `WITH a AS (
         INSERT INTO telemetry_alerts (id, robot_uuid, robot_id, condition, sample_at, seq, value, threshold, detail,
           raised_at, ledger_index, state, cleared_at)
         SELECT i, r, k, c, s, q, v, th, d::jsonb, $10::timestamptz, l, 'open', x
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[], $7::float8[],
                       $8::float8[], $9::text[], $11::bigint[], $12::timestamptz[]) AS u(i, r, k, c, s, q, v, th, d, l, x)
         RETURNING id, robot_uuid, robot_id, condition, sample_at, value, threshold, ledger_index),
       t AS (
         SELECT a.id AS alert_id, o.owner_id AS org_id FROM a JOIN robots o ON o.id = a.robot_uuid
          WHERE o.owner_id IS NOT NULL
         UNION
         SELECT a.id, g.org_id FROM a JOIN grants g ON g.robot_uuid = a.robot_uuid
          WHERE g.revoked_at IS NULL AND g.expires_at > $10::timestamptz AND g.scopes && $13::text[]),
       n AS (
         INSERT INTO notifications (id, org_id, type, at, subject, data)
         SELECT gen_random_uuid(), t.org_id, 'alert.raised', $10::timestamptz, a.id::text,
                jsonb_build_object('alertId', a.id, 'robotId', rtrim(a.robot_id), 'condition', a.condition,
                  'sampleAt', to_char(a.sample_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'value', a.value, 'threshold', a.threshold)
           FROM t JOIN a ON a.id = t.alert_id
          ORDER BY a.ledger_index, t.org_id
         RETURNING id, org_id, type, at)
       ${OUTBOX_INSERT}`,
      [
        raised.map((r) => r.id),
        raised.map((r) => r.robot_uuid),
        raised.map((r) => r.robot_id),
        raised.map((r) => r.condition),
        raised.map((r) => r.sample_at),
        raised.map((r) => r.seq),
        raised.map((r) => r.value),
        raised.map((r) => r.threshold),
        raised.map((r) => JSON.stringify(r.detail)),
        now,
        raised.map((r) => r.ledger_index),
        raised.map((r) => r.cleared_at),
        ALERT_READ_SCOPES,
      ],
    );
  }
}

/**
 * The row of an alert raised now from batch `b`: open, unacknowledged, its ledger index set
 * when its record is appended; `cleared` for an event raised and cleared at once.
 */
export function newAlertRow(
  b: VerifiedBatch,
  alert: {
    condition: AlertCondition;
    atMs: number;
    /** The batch it is about, when not `b` itself (a late batch's rollback marks an earlier one). */
    seq?: number;
    value: number | null;
    threshold: number | null;
    detail: Record<string, unknown>;
    now: Date;
    cleared: boolean;
  },
): TelemetryAlertRow {
  return {
    id: randomUUID(),
    robot_uuid: b.robot.robotUuid,
    robot_id: b.kid,
    condition: alert.condition,
    sample_at: new Date(alert.atMs),
    seq: alert.seq ?? b.checked.seq,
    value: alert.value,
    threshold: alert.threshold,
    detail: alert.detail,
    raised_at: alert.now,
    ledger_index: 0,
    state: 'open',
    acked_at: null,
    acked_by_org: null,
    acked_by_key: null,
    ack_note: null,
    ack_ledger_index: null,
    ack_robot_id: null,
    cleared_at: alert.cleared ? alert.now : null,
  };
}

/** What a recycled robot's signed batch showed (batch-check.ts `retiredIdentity`). */
export interface RetiredIdentityEvidence {
  /** The robot's key (base64url) the batch verified with. */
  publicKey: string;
  /** The batch's seq, if its payload named one. */
  seq: number | null;
  jwsSha256: string;
}

/**
 * Raises a `retired_id_reporting` alert for a recycled robot whose key signed a batch
 * (docs/end-of-life.md): an event (raised and cleared at once), at most one unacknowledged per
 * robot, so a clone that keeps reporting raises it again only after an authority acknowledged
 * it. Returns the new alert's id, or null when an unacknowledged one exists.
 */
export async function raiseRetiredIdAlert(
  tx: SqlClient,
  ledger: LedgerAppender,
  robot: { robotUuid: string; robotId: string },
  evidence: RetiredIdentityEvidence,
  now: Date,
): Promise<string | null> {
  const open = await tx.query(
    `SELECT 1 FROM telemetry_alerts WHERE robot_uuid = $1 AND condition = 'retired_id_reporting' AND state = 'open'`,
    [robot.robotUuid],
  );
  if (open.rows.length > 0) return null;
  const row: TelemetryAlertRow = {
    id: randomUUID(),
    robot_uuid: robot.robotUuid,
    robot_id: robot.robotId,
    condition: 'retired_id_reporting',
    // Nothing of the batch is trusted but its signature: the alert is dated by its arrival.
    sample_at: now,
    seq: evidence.seq ?? 0,
    value: null,
    threshold: null,
    detail: { seq: evidence.seq, publicKey: evidence.publicKey, jwsSha256: evidence.jwsSha256 },
    raised_at: now,
    ledger_index: 0,
    state: 'open',
    acked_at: null,
    acked_by_org: null,
    acked_by_key: null,
    ack_note: null,
    ack_ledger_index: null,
    ack_robot_id: null,
    cleared_at: now,
  };
  row.ledger_index = await appendRecord(tx, ledger, telemetryAlertRecord, row.id, row);
  await insertAlerts(tx, [row], now);
  return row.id;
}
