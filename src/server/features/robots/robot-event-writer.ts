// Writing one robot event: the immutable robot_events row and its ledger leaf, in the caller's
// unit of work. Lifecycle events and ownership transfers both come through here.
import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import type { RobotRow } from './robot-access.js';
import { type RobotEventRow, robotEventRecord } from './robot-records.js';

export interface NewRobotEvent {
  type: string;
  occurredAt: Date;
  recordedAt: Date;
  actorOrgId: string;
  fromStatus: string | null;
  toStatus: string | null;
  data: Record<string, unknown>;
}

/** Inserts the event of `robot` (under its current ID) and appends its leaf. */
export async function insertRobotEvent(
  tx: SqlClient,
  ledger: LedgerAppender,
  robot: Pick<RobotRow, 'id' | 'robot_id'>,
  event: NewRobotEvent,
): Promise<RobotEventRow> {
  const { rows } = await tx.query<RobotEventRow>(
    `INSERT INTO robot_events (id, robot_uuid, robot_id, type, occurred_at, recorded_at, actor_org_id,
                               from_status, to_status, data, ledger_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11) RETURNING *`,
    [
      randomUUID(),
      robot.id,
      robot.robot_id,
      event.type,
      event.occurredAt,
      event.recordedAt,
      event.actorOrgId,
      event.fromStatus,
      event.toStatus,
      JSON.stringify(event.data),
      ledger.nextIndex,
    ],
  );
  const row = rows[0]!;
  await appendRecord(tx, ledger, robotEventRecord, row.id, row);
  return row;
}
