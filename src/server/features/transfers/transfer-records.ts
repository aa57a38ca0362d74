// Ledger entries of ownership transfers: the offer, from the columns that never change, and
// the decision (accepted, rejected or cancelled), from the columns the decision set.
import type { UsageStatus } from '../../../core/usage-disclosure.js';
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export const TRANSFER_STATUSES = ['pending', 'accepted', 'rejected', 'cancelled'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

export interface TransferRow {
  id: string;
  robot_uuid: string;
  /** The robot ID when the offer was made, and when it was decided (records name it). */
  robot_id: string;
  decision_robot_id: string | null;
  from_org_id: string;
  to_org_id: string;
  status: TransferStatus;
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  ledger_index: number;
  decision_ledger_index: number | null;
  /** The usage disclosed with the offer (docs/certificates.md "Usage disclosure"); both or neither. */
  usage_operating_hours: number | null;
  usage_status: UsageStatus | null;
}

/** The disclosed usage of an offer, as the API and the record show it; null when none was. */
export function transferUsage(row: TransferRow): { operatingHours: number; status: UsageStatus } | null {
  return row.usage_status === null || row.usage_operating_hours === null
    ? null
    : { operatingHours: row.usage_operating_hours, status: row.usage_status };
}

export async function loadTransfer(
  client: SqlClient,
  id: string,
  forUpdate = false,
): Promise<TransferRow | null> {
  const { rows } = await client.query<TransferRow>(
    `SELECT * FROM transfers WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

export const transferRecord = defineRecordKind<TransferRow>({
  kind: 'transfer',
  chain: 'records',
  load: (client, id) => loadTransfer(client, id),
  record: (row) => ({
    kind: 'transfer',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id,
    fromOrgId: row.from_org_id,
    toOrgId: row.to_org_id,
    createdAt: isoTime(row.created_at),
    // Only offers that disclosed usage carry the member, so earlier records rebuild unchanged.
    ...(transferUsage(row) ? { usage: transferUsage(row) } : {}),
  }),
});

export const transferDecisionRecord = defineRecordKind<TransferRow>({
  kind: 'transfer_decision',
  chain: 'records',
  load: (client, id) => loadTransfer(client, id),
  record: (row) => ({
    kind: 'transfer_decision',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.decision_robot_id,
    status: row.status,
    decidedAt: row.decided_at ? isoTime(row.decided_at) : null,
    decidedBy: row.decided_by,
  }),
});
