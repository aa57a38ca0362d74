// Ledger entries of period shares: a former owner shares the telemetry of one of its ended
// ownership periods with a later owner (docs/lifecycle.md "Ownership periods").
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface PeriodShareRow {
  id: string;
  robot_uuid: string;
  /** The robot ID when shared (records name it). */
  robot_id: string;
  from_org_id: string;
  to_org_id: string;
  /** Null: from the robot's beginning. */
  period_from: Date | null;
  period_to: Date;
  created_at: Date;
  ledger_index: number;
}

async function loadShare(client: SqlClient, id: string): Promise<PeriodShareRow | null> {
  const { rows } = await client.query<PeriodShareRow>('SELECT * FROM period_shares WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export const periodShareRecord = defineRecordKind<PeriodShareRow>({
  kind: 'period_share',
  chain: 'records',
  load: loadShare,
  record: (row) => ({
    kind: 'period_share',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id,
    fromOrgId: row.from_org_id,
    toOrgId: row.to_org_id,
    periodFrom: row.period_from ? isoTime(row.period_from) : null,
    periodTo: isoTime(row.period_to),
    createdAt: isoTime(row.created_at),
  }),
});
