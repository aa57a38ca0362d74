// Ledger records of type approvals and brands (docs/certificates.md "Records"): an approval of
// a model (kind type_approval) and each later extension of it (type_approval_extension) are
// about a model, so in no robot's chain; a brand (robot_brand) is a link of the robot's records
// chain. Whoever may read a robot's history reads its brand records, so a brand's note is
// committed by its SHA-256 only; the text stays in the row.
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';
import { textSha256 } from '../incidents/incident-records.js';

export interface TypeApprovalRow {
  model_id: string;
  approval_id: string;
  scheme: string;
  standards: string[];
  hardware_revisions: string[];
  software: Record<string, string[]>;
  valid_until: Date;
  issuer_org_id: string;
  recorded_at: Date;
  ledger_index: number;
}

export interface TypeApprovalExtensionRow {
  id: string;
  model_id: string;
  approval_id: string;
  hardware_revisions: string[];
  software: Record<string, string[]>;
  issuer_org_id: string;
  recorded_at: Date;
  ledger_index: number;
}

export interface RobotBrandRow {
  id: string;
  robot_uuid: string;
  robot_id: string;
  brand: string;
  note: string | null;
  incident_id: string | null;
  issuer_org_id: string;
  recorded_at: Date;
  ledger_index: number;
}

/** The ledger record id of an approval: `<modelId>/<approvalId>` (a model id is a uuid). */
export function approvalRecordId(modelId: string, approvalId: string): string {
  return `${modelId}/${approvalId}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadApproval(
  client: SqlClient,
  modelId: string,
  approvalId: string,
): Promise<TypeApprovalRow | null> {
  const { rows } = await client.query<TypeApprovalRow>(
    'SELECT * FROM type_approvals WHERE model_id = $1 AND approval_id = $2',
    [modelId, approvalId],
  );
  return rows[0] ?? null;
}

export const typeApprovalRecord = defineRecordKind<TypeApprovalRow>({
  kind: 'type_approval',
  async load(client, id) {
    // The model id is the first 36 characters; an approval id may itself hold '/'.
    const modelId = id.slice(0, 36);
    if (!UUID.test(modelId) || id[36] !== '/') return null;
    return loadApproval(client, modelId, id.slice(37));
  },
  record: (row) => ({
    kind: 'type_approval',
    id: approvalRecordId(row.model_id, row.approval_id),
    modelId: row.model_id,
    approvalId: row.approval_id,
    scheme: row.scheme,
    standards: row.standards,
    hardwareRevisions: row.hardware_revisions,
    software: row.software,
    validUntil: isoTime(row.valid_until),
    issuerOrgId: row.issuer_org_id,
    recordedAt: isoTime(row.recorded_at),
  }),
});

export const typeApprovalExtensionRecord = defineRecordKind<TypeApprovalExtensionRow>({
  kind: 'type_approval_extension',
  async load(client, id) {
    if (!UUID.test(id)) return null;
    const { rows } = await client.query<TypeApprovalExtensionRow>(
      'SELECT * FROM type_approval_extensions WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'type_approval_extension',
    id: row.id,
    modelId: row.model_id,
    approvalId: row.approval_id,
    hardwareRevisions: row.hardware_revisions,
    software: row.software,
    issuerOrgId: row.issuer_org_id,
    recordedAt: isoTime(row.recorded_at),
  }),
});

export const robotBrandRecord = defineRecordKind<RobotBrandRow>({
  kind: 'robot_brand',
  chain: 'records',
  async load(client, id) {
    if (!UUID.test(id)) return null;
    const { rows } = await client.query<RobotBrandRow>('SELECT * FROM robot_brands WHERE id = $1', [id]);
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'robot_brand',
    id: row.id,
    robot: row.robot_uuid,
    robotId: row.robot_id.trim(),
    brand: row.brand,
    noteSha256: textSha256(row.note),
    incidentId: row.incident_id,
    issuerOrgId: row.issuer_org_id,
    recordedAt: isoTime(row.recorded_at),
  }),
});
