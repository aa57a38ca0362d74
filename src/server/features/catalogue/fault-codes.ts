// The fault codes a model's manufacturer declares (docs/registry.md "Fault codes"): for each code
// its robots report in their telemetry's `faults`, the component it belongs to and whether it is
// a hardware or a software fault, which an incident's attribution reads. A code is added, never
// changed nor removed: the same definition again is a no-op, another one a 409
// FAULT_CODE_CONFLICT. Each new code is a ledger record of its own (kind model_fault_code).
import { decideRegistryAccess } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { appendRecords } from '../../ledger/record-kinds.js';
import { enforce } from '../policy-enforcement.js';
import { type FaultCodeRow, faultCodeRecord, faultCodeRecordId, type ModelRow } from './catalogue-records.js';
import { getModel } from './catalogue-service.js';

export const FAULT_CODE_ORIGINS = ['hardware', 'software'] as const;
export type FaultCodeOrigin = (typeof FAULT_CODE_ORIGINS)[number];

export interface FaultCodeDefinition {
  code: string;
  component: string;
  origin: FaultCodeOrigin;
  description: string;
}

export interface FaultCode extends FaultCodeDefinition {
  createdAt: string;
  ledgerIndex: number;
}

export interface ModelFaultCodes {
  modelId: string;
  faultCodes: FaultCode[];
}

function toFaultCode(row: FaultCodeRow): FaultCode {
  return {
    code: row.code,
    component: row.component,
    origin: row.origin,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

async function faultCodeRows(q: SqlClient, modelId: string): Promise<FaultCodeRow[]> {
  const { rows } = await q.query<FaultCodeRow>(
    // COLLATE "C": sorted by code point, the same on every database whatever its locale.
    'SELECT * FROM model_fault_codes WHERE model_id = $1 ORDER BY code COLLATE "C"',
    [modelId],
  );
  return rows;
}

/** The fault codes a model declares, by code (for the incident feature: no access check). */
export async function loadFaultCodes(q: SqlClient, modelId: string): Promise<FaultCodeDefinition[]> {
  return (await faultCodeRows(q, modelId)).map((r) => ({
    code: r.code,
    component: r.component,
    origin: r.origin,
    description: r.description,
  }));
}

function sameDefinition(row: FaultCodeRow, input: FaultCodeDefinition): boolean {
  return (
    row.component === input.component && row.origin === input.origin && row.description === input.description
  );
}

/**
 * POST /v1/models/{modelId}/fault-codes: declares codes of one of the caller's own models, all or
 * nothing. Answers every code of the model, the new ones with their ledger indices.
 */
export async function declareFaultCodes(
  ctx: AppContext,
  actor: Actor,
  modelId: string,
  faultCodes: readonly FaultCodeDefinition[],
): Promise<ModelFaultCodes> {
  enforce(decideRegistryAccess(actor, 'model.create'));
  const seen = new Set<string>();
  faultCodes.forEach((f, index) => {
    if (seen.has(f.code)) {
      throw new PlatformError('VALIDATION_FAILED', `fault code ${f.code} is listed twice`, {
        field: `faultCodes/${index}/code`,
      });
    }
    seen.add(f.code);
  });
  return ctx.ledger.run(async (tx, ledger) => {
    // Under the ledger's head lock (every unit of work holds it): no other declaration races this one.
    const { rows } = await tx.query<ModelRow>(
      'SELECT id FROM models WHERE id = $1 AND manufacturer_id = $2',
      [modelId, actor.orgId],
    );
    if (!rows[0]) throw new PlatformError('MODEL_NOT_FOUND', 'you have no model with this id');
    const existing = new Map((await faultCodeRows(tx, modelId)).map((r) => [r.code, r]));
    const fresh: FaultCodeDefinition[] = [];
    for (const f of faultCodes) {
      const known = existing.get(f.code);
      if (!known) fresh.push(f);
      else if (!sameDefinition(known, f)) {
        throw new PlatformError(
          'FAULT_CODE_CONFLICT',
          `the model already declares ${f.code} as ${known.origin} fault of ${known.component}; a fault code is never changed`,
          { code: f.code },
        );
      }
    }
    if (fresh.length > 0) {
      const firstIndex = ledger.nextIndex;
      const inserted = await tx.query<FaultCodeRow>(
        `INSERT INTO model_fault_codes (model_id, code, component, origin, description, created_at, ledger_index)
         SELECT $1, f.code, f.component, f.origin, f.description, $6, $7 + f.n - 1
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
                AS f(code, component, origin, description, n)
         RETURNING *`,
        [
          modelId,
          fresh.map((f) => f.code),
          fresh.map((f) => f.component),
          fresh.map((f) => f.origin),
          fresh.map((f) => f.description),
          ctx.clock(),
          firstIndex,
        ],
      );
      const rowsInOrder = [...inserted.rows].sort((a, b) => a.ledger_index - b.ledger_index);
      const indices = await appendRecords(
        tx,
        ledger,
        faultCodeRecord,
        rowsInOrder.map((row) => ({ id: faultCodeRecordId(modelId, row.code), row })),
      );
      indices.forEach((index, i) => {
        if (index !== rowsInOrder[i]!.ledger_index) {
          throw new PlatformError(
            'INTERNAL_INVARIANT',
            `fault code leaf ${index} is not the expected ${rowsInOrder[i]!.ledger_index}`,
          );
        }
      });
    }
    return { modelId, faultCodes: (await faultCodeRows(tx, modelId)).map(toFaultCode) };
  });
}

/** GET /v1/models/{modelId}/fault-codes: for whoever may read the model (getModel's visibility). */
export async function listFaultCodes(
  ctx: AppContext,
  actor: Actor,
  modelId: string,
): Promise<ModelFaultCodes> {
  await getModel(ctx, actor, modelId);
  return { modelId, faultCodes: (await faultCodeRows(ctx.db, modelId)).map(toFaultCode) };
}
