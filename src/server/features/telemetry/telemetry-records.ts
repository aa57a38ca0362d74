// Ledger record kinds of telemetry: an accepted batch's digest, an alert raised, an alert
// acknowledged, a batch refused for reusing an accepted seq with other bytes. Each entry is rebuilt from its stored row, so `roboledger audit` can recompute
// the leaf and name a row changed behind the platform's back.
import {
  type AlertCondition,
  parseTelemetryBatchRecordId,
  telemetryBatchEntry,
} from '../../../core/telemetry/index.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface TelemetryBatchRow {
  robot_uuid: string;
  seq: number;
  robot_id: string;
  jws_sha256: Uint8Array;
  first_sample_at: Date;
  last_sample_at: Date;
  sample_count: number;
  received_at: Date;
  public_key: Uint8Array;
  ledger_index: number;
}

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

export const telemetryBatchRecord = defineRecordKind<TelemetryBatchRow>({
  kind: 'telemetry_batch',
  chain: 'batches',
  async load(client, id) {
    const key = parseTelemetryBatchRecordId(id);
    if (!key) return null;
    const { rows } = await client.query<TelemetryBatchRow>(
      'SELECT * FROM telemetry_batches WHERE robot_uuid = $1 AND seq = $2',
      [key.robot, key.seq],
    );
    return rows[0] ?? null;
  },
  record: (row) =>
    telemetryBatchEntry({
      robot: row.robot_uuid,
      robotId: row.robot_id.trim(),
      seq: row.seq,
      jwsSha256: hex(row.jws_sha256),
      firstSampleAt: isoTime(row.first_sample_at),
      lastSampleAt: isoTime(row.last_sample_at),
      sampleCount: row.sample_count,
      receivedAt: isoTime(row.received_at),
    }),
});

export interface TelemetryAlertRow {
  id: string;
  robot_uuid: string;
  robot_id: string;
  condition: AlertCondition;
  sample_at: Date;
  seq: number;
  value: number | null;
  threshold: number | null;
  detail: Record<string, unknown>;
  raised_at: Date;
  ledger_index: number;
  state: 'open' | 'acknowledged';
  acked_at: Date | null;
  acked_by_org: string | null;
  acked_by_key: string | null;
  ack_note: string | null;
  ack_ledger_index: number | null;
  /** The robot ID when acknowledged (the ack record names it). */
  ack_robot_id: string | null;
  cleared_at: Date | null;
}

async function loadAlert(client: Parameters<typeof telemetryBatchRecord.load>[0], id: string) {
  if (!/^[0-9a-f-]{36}$/.test(id)) return null;
  const { rows } = await client.query<TelemetryAlertRow>('SELECT * FROM telemetry_alerts WHERE id = $1', [
    id,
  ]);
  return rows[0] ?? null;
}

export const telemetryAlertRecord = defineRecordKind<TelemetryAlertRow>({
  kind: 'telemetry_alert',
  chain: 'records',
  load: loadAlert,
  record: (row) => ({
    kind: 'telemetry_alert',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id.trim(),
    condition: row.condition,
    sampleAt: isoTime(row.sample_at),
    seq: row.seq,
    value: row.value,
    threshold: row.threshold,
    detail: row.detail,
    raisedAt: isoTime(row.raised_at),
  }),
});

export const telemetryAlertAckRecord = defineRecordKind<TelemetryAlertRow>({
  kind: 'telemetry_alert_ack',
  chain: 'records',
  load: loadAlert,
  record: (row) => ({
    kind: 'telemetry_alert_ack',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.ack_robot_id?.trim() ?? null,
    ackedAt: row.acked_at ? isoTime(row.acked_at) : null,
    ackedByOrg: row.acked_by_org,
    ackedByKey: row.acked_by_key,
    note: row.ack_note,
  }),
});

/** A batch that reused an accepted (robot, seq) with other bytes (refused, kept as an anomaly). */
export interface TelemetrySeqConflictRow {
  id: string;
  robot_uuid: string;
  robot_id: string;
  seq: number;
  jws_sha256: Uint8Array;
  accepted_jws_sha256: Uint8Array;
  received_at: Date;
  ledger_index: number;
}

export const telemetrySeqConflictRecord = defineRecordKind<TelemetrySeqConflictRow>({
  kind: 'telemetry_seq_conflict',
  chain: 'records',
  async load(client, id) {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const { rows } = await client.query<TelemetrySeqConflictRow>(
      'SELECT * FROM telemetry_seq_conflicts WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'telemetry_seq_conflict',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id.trim(),
    seq: row.seq,
    jwsSha256: hex(row.jws_sha256),
    acceptedJwsSha256: hex(row.accepted_jws_sha256),
    receivedAt: isoTime(row.received_at),
  }),
});
