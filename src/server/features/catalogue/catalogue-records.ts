// Ledger entries of the catalogue: models (with the hardware revisions filed with them),
// hardware revisions added later, and production sites.
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface ModelRow {
  id: string;
  manufacturer_id: string;
  model_code: string;
  category: string;
  name: string;
  joint_count: number;
  min_battery_soh_pct: number;
  max_joint_wear: number;
  max_position_error_mm: number;
  created_at: Date;
  ledger_index: number;
}

export interface HardwareRevisionRow {
  model_id: string;
  code: string;
  params: Record<string, unknown>;
  created_at: Date | null;
  /** Null for a revision filed with its model: it is part of the model's entry. */
  ledger_index: number | null;
}

/** A model as its ledger entry sees it: the row and the revisions filed with it. */
export interface FiledModel {
  model: ModelRow;
  revisions: HardwareRevisionRow[];
}

export interface SiteRow {
  id: string;
  manufacturer_id: string;
  code: string;
  name: string;
  region: string;
  created_at: Date;
  ledger_index: number;
}

export const modelRecord = defineRecordKind<FiledModel>({
  kind: 'model',
  async load(client, id) {
    const { rows } = await client.query<ModelRow>('SELECT * FROM models WHERE id = $1', [id]);
    const model = rows[0];
    if (!model) return null;
    const revisions = await client.query<HardwareRevisionRow>(
      'SELECT * FROM hardware_revisions WHERE model_id = $1 AND ledger_index IS NULL ORDER BY code',
      [id],
    );
    return { model, revisions: revisions.rows };
  },
  record: ({ model, revisions }) => ({
    kind: 'model',
    id: model.id,
    manufacturerId: model.manufacturer_id,
    modelCode: model.model_code,
    category: model.category,
    name: model.name,
    jointCount: model.joint_count,
    limits: {
      minBatterySohPct: model.min_battery_soh_pct,
      maxJointWear: model.max_joint_wear,
      maxPositionErrorMm: model.max_position_error_mm,
    },
    hardwareRevisions: [...revisions]
      .sort((a, b) => (a.code < b.code ? -1 : 1))
      .map((r) => ({ code: r.code, params: r.params })),
    createdAt: isoTime(model.created_at),
  }),
});

/** The ledger record id of a revision: `<modelId>/<code>`. */
export function hardwareRevisionRecordId(modelId: string, code: string): string {
  return `${modelId}/${code}`;
}

export const hardwareRevisionRecord = defineRecordKind<HardwareRevisionRow>({
  kind: 'hardware_revision',
  async load(client: SqlClient, id) {
    const [modelId, code] = id.split('/');
    if (!modelId || !code) return null;
    const { rows } = await client.query<HardwareRevisionRow>(
      'SELECT * FROM hardware_revisions WHERE model_id = $1 AND code = $2 AND ledger_index IS NOT NULL',
      [modelId, code],
    );
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'hardware_revision',
    id: hardwareRevisionRecordId(row.model_id, row.code),
    modelId: row.model_id,
    code: row.code,
    params: row.params,
    createdAt: row.created_at ? isoTime(row.created_at) : null,
  }),
});

export const siteRecord = defineRecordKind<SiteRow>({
  kind: 'site',
  async load(client, id) {
    const { rows } = await client.query<SiteRow>('SELECT * FROM sites WHERE id = $1', [id]);
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'site',
    id: row.id,
    manufacturerId: row.manufacturer_id,
    code: row.code,
    name: row.name,
    region: row.region,
    createdAt: isoTime(row.created_at),
  }),
});

export interface FaultCodeRow {
  model_id: string;
  code: string;
  component: string;
  origin: 'hardware' | 'software';
  description: string;
  created_at: Date;
  ledger_index: number;
}

/** The ledger record id of a model's fault code: `<modelId>/<code>`. */
export function faultCodeRecordId(modelId: string, code: string): string {
  return `${modelId}/${code}`;
}

export const faultCodeRecord = defineRecordKind<FaultCodeRow>({
  kind: 'model_fault_code',
  async load(client: SqlClient, id) {
    const slash = id.indexOf('/');
    if (slash <= 0) return null;
    const { rows } = await client.query<FaultCodeRow>(
      'SELECT * FROM model_fault_codes WHERE model_id = $1 AND code = $2',
      [id.slice(0, slash), id.slice(slash + 1)],
    );
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'model_fault_code',
    id: faultCodeRecordId(row.model_id, row.code),
    modelId: row.model_id,
    code: row.code,
    component: row.component,
    origin: row.origin,
    description: row.description,
    createdAt: isoTime(row.created_at),
  }),
});
