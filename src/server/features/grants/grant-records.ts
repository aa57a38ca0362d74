// Ledger entries of access grants: the grant as given, and its revocation.
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface GrantRow {
  id: string;
  robot_uuid: string;
  /** The robot ID when granted, and when revoked (records name it). */
  robot_id: string;
  revoke_robot_id: string | null;
  org_id: string;
  granted_by: string;
  scopes: string[];
  expires_at: Date;
  created_at: Date;
  revoked_at: Date | null;
  ledger_index: number;
  revoke_ledger_index: number | null;
}

async function loadGrant(client: SqlClient, id: string): Promise<GrantRow | null> {
  const { rows } = await client.query<GrantRow>('SELECT * FROM grants WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export const grantRecord = defineRecordKind<GrantRow>({
  kind: 'grant',
  chain: 'records',
  load: loadGrant,
  record: (row) => ({
    kind: 'grant',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id,
    orgId: row.org_id,
    grantedBy: row.granted_by,
    scopes: row.scopes,
    expiresAt: isoTime(row.expires_at),
    createdAt: isoTime(row.created_at),
  }),
});

export const grantRevocationRecord = defineRecordKind<GrantRow>({
  kind: 'grant_revocation',
  chain: 'records',
  load: loadGrant,
  record: (row) => ({
    kind: 'grant_revocation',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.revoke_robot_id,
    orgId: row.org_id,
    revokedAt: row.revoked_at ? isoTime(row.revoked_at) : null,
  }),
});
