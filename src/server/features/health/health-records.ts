// Ledger record kind of health: an advisory raised (docs/health.md "Advisories"). Rebuilt from
// its stored row, so `roboledger audit` can recompute the leaf; the closing is not part of it:
// the maintenance event that names the advisory is the ledgered fact of that.
import type { AdvisoryKind } from '../../../core/health/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface HealthAdvisoryRow {
  id: string;
  robot_uuid: string;
  robot_id: string;
  kind: AdvisoryKind;
  component: string;
  due_by: Date;
  due_in_hours: number;
  reason: string;
  raised_at: Date;
  ledger_index: number;
  closed_at: Date | null;
  closed_by_event: string | null;
}

export async function loadAdvisory(client: SqlClient, id: string): Promise<HealthAdvisoryRow | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const { rows } = await client.query<HealthAdvisoryRow>('SELECT * FROM health_advisories WHERE id = $1', [
    id,
  ]);
  return rows[0] ?? null;
}

export const healthAdvisoryRecord = defineRecordKind<HealthAdvisoryRow>({
  kind: 'health_advisory',
  chain: 'records',
  load: loadAdvisory,
  record: (row) => ({
    kind: 'health_advisory',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id.trim(),
    advisoryKind: row.kind,
    component: row.component,
    dueBy: isoTime(row.due_by),
    dueInHours: row.due_in_hours,
    reason: row.reason,
    raisedAt: isoTime(row.raised_at),
  }),
});
