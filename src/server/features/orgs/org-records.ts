// Ledger entries of organisations and API keys.
import { createHash } from 'node:crypto';
import type { OrgKind } from '../../../core/organisation.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface OrganisationRow {
  id: string;
  name: string;
  kind: OrgKind;
  country: string;
  enterprise_code: string | null;
  created_at: Date;
  ledger_index: number;
}

export const organisationRecord = defineRecordKind<OrganisationRow>({
  kind: 'organisation',
  async load(client, id) {
    const { rows } = await client.query<OrganisationRow>('SELECT * FROM organisations WHERE id = $1', [id]);
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'organisation',
    id: row.id,
    name: row.name,
    orgKind: row.kind,
    country: row.country,
    enterpriseCode: row.enterprise_code,
    createdAt: isoTime(row.created_at),
  }),
});

export interface ApiKeyRow {
  id: string;
  org_id: string;
  secret_hash: Uint8Array;
  label: string | null;
  created_at: Date;
  revoked_at: Date | null;
  ledger_index: number;
  revoke_ledger_index: number | null;
}

// The ledger is public, so a key's entry holds a hash of the stored hash: it reveals nothing,
// yet a stored hash swapped to let another key in no longer matches its leaf.
const commitment = (secretHash: Uint8Array) => createHash('sha256').update(secretHash).digest('hex');

async function loadKey(client: Parameters<typeof organisationRecord.load>[0], id: string) {
  const { rows } = await client.query<ApiKeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export const apiKeyRecord = defineRecordKind<ApiKeyRow>({
  kind: 'api_key',
  load: loadKey,
  record: (row) => ({
    kind: 'api_key',
    id: row.id,
    orgId: row.org_id,
    label: row.label,
    secretCommitment: commitment(row.secret_hash),
    createdAt: isoTime(row.created_at),
  }),
});

export const apiKeyRevocationRecord = defineRecordKind<ApiKeyRow>({
  kind: 'api_key_revocation',
  load: loadKey,
  record: (row) => ({
    kind: 'api_key_revocation',
    id: row.id,
    orgId: row.org_id,
    revokedAt: row.revoked_at ? isoTime(row.revoked_at) : null,
  }),
});
