// The catalogue a manufacturer files robots against (docs/api.md "Models and filing"): models
// with their hardware revisions and limits, and production sites. Model and site codes are
// RID-1 segments (robot-id.md "Layout": positions 8-9 and 14), so they are unique where the
// ID needs them to be.
import { randomUUID } from 'node:crypto';
import { decideRegistryAccess } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import { isRegionCode } from '../../../core/filing.js';
import type { Actor } from '../../../core/organisation.js';
import { ISO_3166_ALPHA2_COUNTRIES, type RobotCategoryCode } from '../../../robot-id/index.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { enforce } from '../policy-enforcement.js';
import {
  type HardwareRevisionRow,
  hardwareRevisionRecord,
  hardwareRevisionRecordId,
  type ModelRow,
  modelRecord,
  type SiteRow,
  siteRecord,
} from './catalogue-records.js';

/** Largest `params` of one hardware revision, as JSON text in UTF-8. */
export const MAX_REVISION_PARAMS_BYTES = 16 * 1024;

export interface ModelLimits {
  minBatterySohPct: number;
  maxJointWear: number;
  maxPositionErrorMm: number;
}

export interface HardwareRevisionInput {
  code: string;
  params: Record<string, unknown>;
}

export interface NewModel {
  modelCode: string;
  category: RobotCategoryCode;
  name: string;
  jointCount: number;
  hardwareRevisions: HardwareRevisionInput[];
  limits: ModelLimits;
}

export interface HardwareRevision {
  code: string;
  params: Record<string, unknown>;
  createdAt: string;
  /** Null when the revision was filed with the model: it is in the model's ledger entry. */
  ledgerIndex: number | null;
}

export interface Model {
  id: string;
  manufacturerId: string;
  modelCode: string;
  category: string;
  name: string;
  jointCount: number;
  limits: ModelLimits;
  hardwareRevisions: HardwareRevision[];
  createdAt: string;
  ledgerIndex: number;
}

export interface NewSite {
  code: string;
  name: string;
  region: string;
}

export interface Site {
  id: string;
  manufacturerId: string;
  code: string;
  name: string;
  region: string;
  createdAt: string;
  ledgerIndex: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

function toHardwareRevision(row: HardwareRevisionRow, model: ModelRow): HardwareRevision {
  return {
    code: row.code,
    params: row.params,
    createdAt: (row.created_at ?? model.created_at).toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

export function toModel(row: ModelRow, revisions: HardwareRevisionRow[]): Model {
  return {
    id: row.id,
    manufacturerId: row.manufacturer_id,
    modelCode: row.model_code,
    category: row.category,
    name: row.name,
    jointCount: row.joint_count,
    limits: {
      minBatterySohPct: row.min_battery_soh_pct,
      maxJointWear: row.max_joint_wear,
      maxPositionErrorMm: row.max_position_error_mm,
    },
    hardwareRevisions: revisions.map((r) => toHardwareRevision(r, row)),
    createdAt: row.created_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

export function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    manufacturerId: row.manufacturer_id,
    code: row.code,
    name: row.name,
    region: row.region,
    createdAt: row.created_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

/** `params` must stay small: it is copied into the public ledger entry. */
function checkRevisionParams(revision: HardwareRevisionInput, index: number | undefined): string {
  const json = JSON.stringify(revision.params);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_REVISION_PARAMS_BYTES) {
    const field = index === undefined ? 'params' : `hardwareRevisions/${index}/params`;
    throw new PlatformError(
      'PAYLOAD_TOO_LARGE',
      `hardware revision ${revision.code}: params are ${bytes} bytes of JSON, at most ${MAX_REVISION_PARAMS_BYTES}`,
      { field, limit: MAX_REVISION_PARAMS_BYTES },
    );
  }
  return json;
}

async function revisionsOf(
  client: SqlClient,
  modelIds: string[],
): Promise<Map<string, HardwareRevisionRow[]>> {
  const byModel = new Map<string, HardwareRevisionRow[]>(modelIds.map((id) => [id, []]));
  if (modelIds.length === 0) return byModel;
  const { rows } = await client.query<HardwareRevisionRow>(
    'SELECT * FROM hardware_revisions WHERE model_id = ANY($1::uuid[]) ORDER BY model_id, code',
    [modelIds],
  );
  for (const row of rows) byModel.get(row.model_id)?.push(row);
  return byModel;
}

export async function createModel(ctx: AppContext, actor: Actor, input: NewModel): Promise<Model> {
  enforce(decideRegistryAccess(actor, 'model.create'));
  const codes = new Set<string>();
  const paramsJson = input.hardwareRevisions.map((revision, index) => {
    if (codes.has(revision.code)) {
      throw new PlatformError('VALIDATION_FAILED', `hardware revision ${revision.code} is listed twice`, {
        field: `hardwareRevisions/${index}/code`,
      });
    }
    codes.add(revision.code);
    return checkRevisionParams(revision, index);
  });
  return ctx.ledger.run(async (tx, ledger) => {
    // Every ledger write holds the head lock, so this check cannot race another filing.
    const taken = await tx.query(
      'SELECT 1 FROM models WHERE manufacturer_id = $1 AND category = $2 AND model_code = $3',
      [actor.orgId, input.category, input.modelCode],
    );
    if (taken.rows.length > 0) {
      throw new PlatformError(
        'MODEL_CODE_TAKEN',
        `your enterprise already has a model ${input.category}${input.modelCode}`,
        { field: 'modelCode' },
      );
    }
    const now = ctx.clock();
    const { rows } = await tx.query<ModelRow>(
      `INSERT INTO models (id, manufacturer_id, model_code, category, name, joint_count, min_battery_soh_pct,
                           max_joint_wear, max_position_error_mm, created_at, ledger_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [
        randomUUID(),
        actor.orgId,
        input.modelCode,
        input.category,
        input.name,
        input.jointCount,
        input.limits.minBatterySohPct,
        input.limits.maxJointWear,
        input.limits.maxPositionErrorMm,
        now,
        ledger.nextIndex,
      ],
    );
    const model = rows[0]!;
    const revisions = await tx.query<HardwareRevisionRow>(
      `INSERT INTO hardware_revisions (model_id, code, params, created_at)
       SELECT $1, code, params::jsonb, $4 FROM unnest($2::text[], $3::text[]) AS r(code, params)
       RETURNING *`,
      [model.id, input.hardwareRevisions.map((r) => r.code), paramsJson, now],
    );
    const filed = [...revisions.rows].sort((a, b) => (a.code < b.code ? -1 : 1));
    await appendRecord(tx, ledger, modelRecord, model.id, { model, revisions: filed });
    return toModel(model, filed);
  });
}

export async function addHardwareRevision(
  ctx: AppContext,
  actor: Actor,
  modelId: string,
  input: HardwareRevisionInput,
): Promise<HardwareRevision & { modelId: string }> {
  enforce(decideRegistryAccess(actor, 'model.create'));
  const paramsJson = checkRevisionParams(input, undefined);
  return ctx.ledger.run(async (tx, ledger) => {
    const { rows } = await tx.query<ModelRow>('SELECT * FROM models WHERE id = $1 AND manufacturer_id = $2', [
      modelId,
      actor.orgId,
    ]);
    const model = rows[0];
    if (!model) throw new PlatformError('MODEL_NOT_FOUND', 'you have no model with this id');
    const taken = await tx.query('SELECT 1 FROM hardware_revisions WHERE model_id = $1 AND code = $2', [
      modelId,
      input.code,
    ]);
    if (taken.rows.length > 0) {
      throw new PlatformError(
        'HARDWARE_REVISION_TAKEN',
        `model ${model.name} already has revision ${input.code}`,
        {
          field: 'code',
        },
      );
    }
    const inserted = await tx.query<HardwareRevisionRow>(
      `INSERT INTO hardware_revisions (model_id, code, params, created_at, ledger_index)
       VALUES ($1, $2, $3::text::jsonb, $4, $5) RETURNING *`,
      [modelId, input.code, paramsJson, ctx.clock(), ledger.nextIndex],
    );
    const row = inserted.rows[0]!;
    await appendRecord(tx, ledger, hardwareRevisionRecord, hardwareRevisionRecordId(modelId, row.code), row);
    return { modelId, ...toHardwareRevision(row, model) };
  });
}

/** A listing that shows nothing: a manufacturer asked for another manufacturer's catalogue. */
const NOTHING_VISIBLE = Symbol('nothing visible');

/**
 * Whose catalogue the actor sees, narrowed by an optional `manufacturerId` filter: models and
 * sites are product information that every organisation reads, but a manufacturer sees only
 * its own. null means every manufacturer's.
 */
function catalogueScope(actor: Actor, requested: string | undefined): string | null | typeof NOTHING_VISIBLE {
  enforce(decideRegistryAccess(actor, 'catalogue.read'));
  if (actor.kind !== 'manufacturer') return requested ?? null;
  return requested === undefined || requested === actor.orgId ? actor.orgId : NOTHING_VISIBLE;
}

export async function listModels(
  ctx: AppContext,
  actor: Actor,
  page: { limit: number; cursor: string | undefined; manufacturerId: string | undefined },
): Promise<Page<Model>> {
  const manufacturerId = catalogueScope(actor, page.manufacturerId);
  if (manufacturerId === NOTHING_VISIBLE) return { items: [], nextCursor: null };
  const { rows } = await ctx.db.query<ModelRow>(
    `SELECT * FROM models
      WHERE ($1::uuid IS NULL OR manufacturer_id = $1::uuid) AND ($2::uuid IS NULL OR id > $2::uuid)
      ORDER BY id LIMIT $3`,
    [manufacturerId, page.cursor ?? null, page.limit + 1],
  );
  const models = rows.slice(0, page.limit);
  const revisions = await revisionsOf(
    ctx.db,
    models.map((m) => m.id),
  );
  return {
    items: models.map((m) => toModel(m, revisions.get(m.id) ?? [])),
    nextCursor: rows.length > page.limit ? models[models.length - 1]!.id : null,
  };
}

export async function getModel(ctx: AppContext, actor: Actor, modelId: string): Promise<Model> {
  const manufacturerId = catalogueScope(actor, undefined);
  const { rows } = await ctx.db.query<ModelRow>(
    'SELECT * FROM models WHERE id = $1 AND ($2::uuid IS NULL OR manufacturer_id = $2::uuid)',
    [modelId, manufacturerId],
  );
  const model = rows[0];
  if (!model) throw new PlatformError('MODEL_NOT_FOUND', 'no model with this id is visible to you');
  const revisions = await revisionsOf(ctx.db, [model.id]);
  return toModel(model, revisions.get(model.id) ?? []);
}

export async function createSite(ctx: AppContext, actor: Actor, input: NewSite): Promise<Site> {
  enforce(decideRegistryAccess(actor, 'site.create'));
  if (!isRegionCode(input.region, (alpha2) => Object.hasOwn(ISO_3166_ALPHA2_COUNTRIES, alpha2))) {
    throw new PlatformError(
      'VALIDATION_FAILED',
      `region "${input.region}" is neither a GB/T 2260 code (6 digits) nor an ISO 3166-2 code such as CN-HB`,
      { field: 'region' },
    );
  }
  return ctx.ledger.run(async (tx, ledger) => {
    const taken = await tx.query('SELECT 1 FROM sites WHERE manufacturer_id = $1 AND code = $2', [
      actor.orgId,
      input.code,
    ]);
    if (taken.rows.length > 0) {
      throw new PlatformError('SITE_CODE_TAKEN', `you already have a site ${input.code}`, { field: 'code' });
    }
    const { rows } = await tx.query<SiteRow>(
      `INSERT INTO sites (id, manufacturer_id, code, name, region, created_at, ledger_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [randomUUID(), actor.orgId, input.code, input.name, input.region, ctx.clock(), ledger.nextIndex],
    );
    const row = rows[0]!;
    await appendRecord(tx, ledger, siteRecord, row.id, row);
    return toSite(row);
  });
}

export async function listSites(
  ctx: AppContext,
  actor: Actor,
  page: { limit: number; cursor: string | undefined; manufacturerId: string | undefined },
): Promise<Page<Site>> {
  const manufacturerId = catalogueScope(actor, page.manufacturerId);
  if (manufacturerId === NOTHING_VISIBLE) return { items: [], nextCursor: null };
  const { rows } = await ctx.db.query<SiteRow>(
    `SELECT * FROM sites
      WHERE ($1::uuid IS NULL OR manufacturer_id = $1::uuid) AND ($2::uuid IS NULL OR id > $2::uuid)
      ORDER BY id LIMIT $3`,
    [manufacturerId, page.cursor ?? null, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toSite);
  return { items, nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null };
}
