// What a group commit records about batches as evidence, beyond storing them
// (docs/telemetry.md "Evidence"), in the group's transaction:
// - sequence conflicts: a batch reusing an accepted (robot, seq) with other bytes is refused, but
//   the attempt is kept as a ledgered anomaly record (once per distinct digest) and raises a
//   `seq_conflict` alert (at most one unacknowledged per robot and seq);
// - usage counters running backwards: the samples are stored (signed evidence), the rollback
//   is recorded per sample and raises a `usage_counter_rollback` alert per batch and counter.
// The rules are core/telemetry's; this loads what they need and writes what they decide.
import { randomUUID } from 'node:crypto';
import {
  type CounterReading,
  type CounterRollback,
  checkUsageCounters,
  type PartReplacement,
  REPLACEABLE_PARTS,
  type ReplaceablePart,
  unpackReadings,
} from '../../../core/telemetry/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { insertAlerts, newAlertRow } from './telemetry-alert-writer.js';
import type { GroupCheck } from './telemetry-group-sql.js';
import {
  type TelemetryAlertRow,
  type TelemetrySeqConflictRow,
  telemetryAlertRecord,
  telemetrySeqConflictRecord,
} from './telemetry-records.js';
import type { VerifiedBatch } from './telemetry-writer.js';

/** A refused batch whose (robot, seq) was accepted with another digest. */
export interface SeqConflict {
  batch: VerifiedBatch;
  /** Hex SHA-256 of the accepted batch's JWS. */
  acceptedSha256: string;
}

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** An alert row that is an event: raised and cleared at once (core/telemetry EVENT_CONDITIONS). */
function eventAlert(
  b: VerifiedBatch,
  condition: 'seq_conflict' | 'usage_counter_rollback',
  atMs: number,
  seq: number,
  detail: Record<string, unknown>,
  now: Date,
): TelemetryAlertRow {
  return newAlertRow(b, { condition, atMs, seq, value: null, threshold: null, detail, now, cleared: true });
}

/**
 * Records the conflicts of a group: an anomaly record (ledgered) per distinct conflicting
 * digest not recorded before, and a seq_conflict alert (ledgered) per (robot, seq) that has no
 * unacknowledged one yet.
 */
export async function recordSeqConflicts(
  tx: SqlClient,
  ledger: LedgerAppender,
  conflicts: readonly SeqConflict[],
  now: Date,
): Promise<void> {
  if (conflicts.length === 0) return;
  const robots = conflicts.map((c) => c.batch.robot.robotUuid);
  const seqs = conflicts.map((c) => c.batch.checked.seq);
  const [known, open] = [
    await tx.query<{ robot_uuid: string; seq: number; jws_sha256: Uint8Array }>(
      `SELECT k.robot_uuid, k.seq, k.jws_sha256 FROM telemetry_seq_conflicts k
         JOIN unnest($1::uuid[], $2::bigint[]) AS u(r, s) ON k.robot_uuid = u.r AND k.seq = u.s`,
      [robots, seqs],
    ),
    await tx.query<{ robot_uuid: string; seq: number }>(
      `SELECT a.robot_uuid, a.seq FROM telemetry_alerts a
         JOIN unnest($1::uuid[], $2::bigint[]) AS u(r, s) ON a.robot_uuid = u.r AND a.seq = u.s
        WHERE a.condition = 'seq_conflict' AND a.state = 'open'`,
      [robots, seqs],
    ),
  ];
  const recorded = new Set(known.rows.map((r) => `${r.robot_uuid}|${r.seq}|${hex(r.jws_sha256)}`));
  const alerted = new Set(open.rows.map((r) => `${r.robot_uuid}|${r.seq}`));
  const records: TelemetrySeqConflictRow[] = [];
  const alerts: TelemetryAlertRow[] = [];
  for (const { batch: b, acceptedSha256 } of conflicts) {
    const key = `${b.robot.robotUuid}|${b.checked.seq}`;
    const recordKey = `${key}|${b.checked.jwsSha256}`;
    if (!recorded.has(recordKey)) {
      recorded.add(recordKey);
      const row: TelemetrySeqConflictRow = {
        id: randomUUID(),
        robot_uuid: b.robot.robotUuid,
        robot_id: b.kid,
        seq: b.checked.seq,
        jws_sha256: Buffer.from(b.checked.jwsSha256, 'hex'),
        accepted_jws_sha256: Buffer.from(acceptedSha256, 'hex'),
        received_at: now,
        ledger_index: 0,
      };
      row.ledger_index = await appendRecord(tx, ledger, telemetrySeqConflictRecord, row.id, row);
      records.push(row);
    }
    if (!alerted.has(key)) {
      alerted.add(key);
      const row = eventAlert(
        b,
        'seq_conflict',
        b.checked.firstMs,
        b.checked.seq,
        { seq: b.checked.seq, jwsSha256: b.checked.jwsSha256, acceptedJwsSha256: acceptedSha256 },
        now,
      );
      row.ledger_index = await appendRecord(tx, ledger, telemetryAlertRecord, row.id, row);
      alerts.push(row);
    }
  }
  if (records.length > 0) {
    await tx.query(
      `INSERT INTO telemetry_seq_conflicts (id, robot_uuid, robot_id, seq, jws_sha256, accepted_jws_sha256, received_at, ledger_index)
       SELECT i, r, k, s, d, a, $6::timestamptz, l
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bytea[], $5::bytea[], $7::bigint[], $8::uuid[])
              AS u(r, k, s, d, a, l, i)`,
      [
        records.map((r) => r.robot_uuid),
        records.map((r) => r.robot_id),
        records.map((r) => r.seq),
        records.map((r) => r.jws_sha256),
        records.map((r) => r.accepted_jws_sha256),
        now,
        records.map((r) => r.ledger_index),
        records.map((r) => r.id),
      ],
    );
  }
  await insertAlerts(tx, alerts, now);
}

/** The robot's last known counters as the group's checks read them (null: none yet). */
function lastKnown(check: GroupCheck | undefined): CounterReading | null {
  if (!check?.counters_at || check.counters_hours === null || check.counters_cycles === null) return null;
  return {
    atMs: check.counters_at.getTime(),
    seq: Number(check.counters_seq),
    operatingHours: check.counters_hours,
    cycles: check.counters_cycles,
  };
}

/** Recorded replacements of the robots' parts: maintenance events whose data says `replaced`. */
async function loadReplacements(tx: SqlClient, robots: readonly string[]) {
  const { rows } = await tx.query<{ robot_uuid: string; occurred_at: Date; replaced: unknown }>(
    `SELECT robot_uuid, occurred_at, data->'replaced' AS replaced FROM robot_events
      WHERE robot_uuid = ANY($1::uuid[]) AND type = 'maintenance' AND data ? 'replaced'`,
    [robots],
  );
  const byRobot = new Map<string, PartReplacement[]>();
  for (const r of rows) {
    const list = byRobot.get(r.robot_uuid) ?? [];
    if (Array.isArray(r.replaced)) {
      for (const part of r.replaced) {
        if (REPLACEABLE_PARTS.includes(part as ReplaceablePart)) {
          list.push({ part: part as ReplaceablePart, atMs: r.occurred_at.getTime() });
        }
      }
    }
    byRobot.set(r.robot_uuid, list);
  }
  return byRobot;
}

/**
 * Checks the stored `batches`' usage counters against each robot's last known ones (`checks`,
 * by batch, read before the group was written) and each other; records each rollback and raises
 * one usage_counter_rollback alert per batch and counter. The replacements are loaded only for
 * a robot whose counters went down: the common group costs no query here.
 */
export async function recordCounterRollbacks(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  checks: readonly (GroupCheck | undefined)[],
  now: Date,
): Promise<void> {
  const byRobot = new Map<
    string,
    { last: CounterReading | null; readings: CounterReading[]; batches: VerifiedBatch[] }
  >();
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    let entry = byRobot.get(b.robot.robotUuid);
    if (!entry) {
      entry = { last: lastKnown(checks[i]), readings: [], batches: [] };
      byRobot.set(b.robot.robotUuid, entry);
    }
    entry.readings.push(...unpackReadings(b.checked.seq, b.checked.counterReadings));
    entry.batches.push(b);
  }
  const suspects: string[] = [];
  for (const [robot, entry] of byRobot) {
    if (checkUsageCounters(entry.last, entry.readings).rollbacks.length > 0) suspects.push(robot);
  }
  if (suspects.length === 0) return;

  const replacements = await loadReplacements(tx, suspects);
  const rollbacks: { robot: string; rollback: CounterRollback; alertId: string | null }[] = [];
  const alerts: TelemetryAlertRow[] = [];
  for (const robot of suspects) {
    const entry = byRobot.get(robot)!;
    const found = checkUsageCounters(entry.last, entry.readings, replacements.get(robot) ?? []).rollbacks;
    const alerted = new Map<string, string>();
    for (const rollback of found) {
      // One alert per batch and counter: its first rollback, with the counter, previous and new value.
      const key = `${rollback.seq}|${rollback.counter}`;
      let alertId = alerted.get(key) ?? null;
      if (alertId === null) {
        const b = entry.batches.find((x) => x.checked.seq === rollback.seq) ?? entry.batches[0]!;
        const row = eventAlert(
          b,
          'usage_counter_rollback',
          rollback.atMs,
          rollback.seq,
          {
            counter: rollback.counter,
            previous: rollback.previous,
            value: rollback.value,
            previousSampleAt: new Date(rollback.previousAtMs).toISOString(),
          },
          now,
        );
        row.value = rollback.value;
        row.threshold = rollback.previous;
        row.ledger_index = await appendRecord(tx, ledger, telemetryAlertRecord, row.id, row);
        alerts.push(row);
        alertId = row.id;
        alerted.set(key, alertId);
      }
      rollbacks.push({ robot, rollback, alertId });
    }
  }
  await tx.query(
    `INSERT INTO telemetry_counter_rollbacks (robot_uuid, seq, sample_at, counter, previous, value, previous_sample_at, alert_id)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[], $5::float8[], $6::float8[],
                          $7::timestamptz[], $8::uuid[])
     ON CONFLICT DO NOTHING`,
    [
      rollbacks.map((r) => r.robot),
      rollbacks.map((r) => r.rollback.seq),
      rollbacks.map((r) => new Date(r.rollback.atMs)),
      rollbacks.map((r) => r.rollback.counter),
      rollbacks.map((r) => r.rollback.previous),
      rollbacks.map((r) => r.rollback.value),
      rollbacks.map((r) => new Date(r.rollback.previousAtMs)),
      rollbacks.map((r) => r.alertId),
    ],
  );
  await insertAlerts(tx, alerts, now);
}
