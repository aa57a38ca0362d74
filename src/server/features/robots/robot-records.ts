// The ledger entry of a robot event. Every robot event — filing, re-coding, ownership
// transfer and each lifecycle event of docs/api.md — is an immutable row of robot_events and
// one leaf; the robot's current row (status, owner, level) is derived from them.
import { isLateRecord } from '../../../core/record-time.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

/** Events the platform records itself; clients post the lifecycle EVENT_TYPES. */
export const SYSTEM_EVENT_TYPES = ['filing', 'recoding', 'ownership_transfer'] as const;

export interface RobotEventRow {
  id: string;
  robot_uuid: string;
  robot_id: string;
  type: string;
  occurred_at: Date;
  recorded_at: Date;
  actor_org_id: string;
  from_status: string | null;
  to_status: string | null;
  data: Record<string, unknown>;
  ledger_index: number;
}

export const robotEventRecord = defineRecordKind<RobotEventRow>({
  kind: 'robot_event',
  chain: 'records',
  async load(client, id) {
    const { rows } = await client.query<RobotEventRow>('SELECT * FROM robot_events WHERE id = $1', [id]);
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'robot_event',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id,
    type: row.type,
    occurredAt: isoTime(row.occurred_at),
    recordedAt: isoTime(row.recorded_at),
    actorOrgId: row.actor_org_id,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    data: row.data,
  }),
});

/** The API form of an event; `late` is derived from the two times, not stored or logged. */
export function toRobotEvent(row: RobotEventRow) {
  return {
    eventId: row.id,
    robotId: row.robot_id,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    late: isLateRecord(row.occurred_at, row.recorded_at),
    actorOrgId: row.actor_org_id,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    data: row.data,
    ledgerIndex: row.ledger_index,
  };
}
