// Type approvals of a model (docs/certificates.md): issuing one, extending it with further
// hardware revisions and software versions, listing them, and checking the approval a
// certification event names. Each write is one unit of work with its ledger record.
import { randomUUID } from 'node:crypto';
import { decideRegistryAccess } from '../../../core/access-policy.js';
import { type ApprovalTerms, extendApproval } from '../../../core/certificate.js';
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import { SQLSTATE, type SqlClient, sqlState } from '../../db/sql-client.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { getModel } from '../catalogue/catalogue-service.js';
import { validUntilInstant } from '../lifecycle/event-data.js';
import { enforce } from '../policy-enforcement.js';
import {
  approvalRecordId,
  loadApproval,
  type TypeApprovalExtensionRow,
  type TypeApprovalRow,
  typeApprovalExtensionRecord,
  typeApprovalRecord,
} from './approval-records.js';

export interface NewApproval {
  approvalId: string;
  scheme: string;
  standards: string[];
  hardwareRevisions: string[];
  software: Record<string, string[]>;
  validUntil: string;
}

export interface NewExtension {
  hardwareRevisions: string[];
  software: Record<string, string[]>;
}

export interface Approval {
  modelId: string;
  approvalId: string;
  scheme: string;
  standards: string[];
  hardwareRevisions: string[];
  software: Record<string, string[]>;
  validUntil: string;
  issuerOrgId: string;
  recordedAt: string;
  ledgerIndex: number;
}

export interface Extension {
  extensionId: string;
  modelId: string;
  approvalId: string;
  hardwareRevisions: string[];
  software: Record<string, string[]>;
  issuerOrgId: string;
  recordedAt: string;
  ledgerIndex: number;
}

function toApproval(row: TypeApprovalRow): Approval {
  return {
    modelId: row.model_id,
    approvalId: row.approval_id,
    scheme: row.scheme,
    standards: row.standards,
    hardwareRevisions: row.hardware_revisions,
    software: row.software,
    validUntil: row.valid_until.toISOString(),
    issuerOrgId: row.issuer_org_id,
    recordedAt: row.recorded_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

function toExtension(row: TypeApprovalExtensionRow): Extension {
  return {
    extensionId: row.id,
    modelId: row.model_id,
    approvalId: row.approval_id,
    hardwareRevisions: row.hardware_revisions,
    software: row.software,
    issuerOrgId: row.issuer_org_id,
    recordedAt: row.recorded_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

/** The terms the pure rules read, from an approval's row. */
export function approvalTerms(row: TypeApprovalRow): ApprovalTerms {
  return {
    approvalId: row.approval_id,
    modelId: row.model_id,
    scheme: row.scheme,
    standards: row.standards,
    hardwareRevisions: row.hardware_revisions,
    software: row.software,
    validUntil: row.valid_until.toISOString(),
  };
}

/** Versions per component without repeats, in the order first given. */
function distinctSoftware(software: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [component, versions] of Object.entries(software)) out[component] = [...new Set(versions)];
  return out;
}

/** Every revision named must be one registered for the model (422 HARDWARE_REVISION_UNKNOWN). */
async function checkRevisions(tx: SqlClient, modelId: string, revisions: readonly string[]): Promise<void> {
  if (revisions.length === 0) return;
  const { rows } = await tx.query<{ code: string }>(
    'SELECT code::text AS code FROM hardware_revisions WHERE model_id = $1 AND code = ANY ($2::bpchar[])',
    [modelId, revisions],
  );
  const known = new Set(rows.map((r) => r.code));
  const unknown = revisions.filter((r) => !known.has(r));
  if (unknown.length > 0) {
    throw new PlatformError('HARDWARE_REVISION_UNKNOWN', 'not a hardware revision of the model', {
      hardwareRevisions: unknown,
      field: '/hardwareRevisions',
    });
  }
}

/** The model, if the caller may issue approvals and may see the model (403, then 404). */
async function approvableModel(ctx: AppContext, actor: Actor, modelId: string): Promise<void> {
  enforce(decideRegistryAccess(actor, 'approval.issue'));
  await getModel(ctx, actor, modelId);
}

/** POST /v1/models/{modelId}/approvals: 201 with the approval and its ledger index. */
export async function issueApproval(
  ctx: AppContext,
  actor: Actor,
  modelId: string,
  input: NewApproval,
): Promise<Approval> {
  await approvableModel(ctx, actor, modelId);
  const validUntil = validUntilInstant(input.validUntil);
  if (!validUntil) {
    throw new PlatformError('VALIDATION_FAILED', 'validUntil is not a real calendar date or timestamp', {
      field: '/validUntil',
    });
  }
  const now = ctx.clock();
  const hardwareRevisions = [...new Set(input.hardwareRevisions)];
  try {
    return await ctx.ledger.run(async (tx, ledger) => {
      if (await loadApproval(tx, modelId, input.approvalId)) throw approvalExists(input.approvalId);
      await checkRevisions(tx, modelId, hardwareRevisions);
      const { rows } = await tx.query<TypeApprovalRow>(
        `INSERT INTO type_approvals (model_id, approval_id, scheme, standards, hardware_revisions, software,
           valid_until, issuer_org_id, recorded_at, ledger_index)
         VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9, $10) RETURNING *`,
        [
          modelId,
          input.approvalId,
          input.scheme,
          JSON.stringify(input.standards),
          JSON.stringify(hardwareRevisions),
          JSON.stringify(distinctSoftware(input.software)),
          validUntil,
          actor.orgId,
          now,
          ledger.nextIndex,
        ],
      );
      const row = rows[0]!;
      await appendRecord(tx, ledger, typeApprovalRecord, approvalRecordId(modelId, row.approval_id), row);
      return toApproval(row);
    });
  } catch (error) {
    // Two issuers racing for one approvalId: the primary key is the last word.
    if (sqlState(error) === SQLSTATE.uniqueViolation) throw approvalExists(input.approvalId);
    throw error;
  }
}

function approvalExists(approvalId: string): PlatformError {
  return new PlatformError('APPROVAL_EXISTS', 'the model already has a type approval with this approvalId', {
    approvalId,
  });
}

/** POST /v1/models/{modelId}/approvals/{approvalId}/extensions: 201 with the extension. */
export async function extendTypeApproval(
  ctx: AppContext,
  actor: Actor,
  modelId: string,
  approvalId: string,
  input: NewExtension,
): Promise<Extension> {
  await approvableModel(ctx, actor, modelId);
  const hardwareRevisions = [...new Set(input.hardwareRevisions)];
  const software = distinctSoftware(input.software);
  if (hardwareRevisions.length === 0 && Object.values(software).every((v) => v.length === 0)) {
    throw new PlatformError('VALIDATION_FAILED', 'an extension adds at least one revision or version', {
      field: '/',
    });
  }
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    // Locked: extensions of one approval are recorded one after the other.
    const approval = await tx.query(
      'SELECT 1 FROM type_approvals WHERE model_id = $1 AND approval_id = $2 FOR UPDATE',
      [modelId, approvalId],
    );
    if (approval.rows.length === 0) {
      throw new PlatformError('APPROVAL_NOT_FOUND', 'the model has no type approval with this approvalId', {
        approvalId,
      });
    }
    await checkRevisions(tx, modelId, hardwareRevisions);
    const { rows } = await tx.query<TypeApprovalExtensionRow>(
      `INSERT INTO type_approval_extensions (id, model_id, approval_id, hardware_revisions, software,
         issuer_org_id, recorded_at, ledger_index)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8) RETURNING *`,
      [
        randomUUID(),
        modelId,
        approvalId,
        JSON.stringify(hardwareRevisions),
        JSON.stringify(software),
        actor.orgId,
        now,
        ledger.nextIndex,
      ],
    );
    const row = rows[0]!;
    await appendRecord(tx, ledger, typeApprovalExtensionRecord, row.id, row);
    return toExtension(row);
  });
}

/** The extensions of approvals of a model, by approval, oldest first. */
async function extensionsOf(
  client: SqlClient,
  modelId: string,
  approvalId: string | null,
): Promise<Map<string, TypeApprovalExtensionRow[]>> {
  const { rows } = await client.query<TypeApprovalExtensionRow>(
    `SELECT * FROM type_approval_extensions
      WHERE model_id = $1 AND ($2::text IS NULL OR approval_id = $2::text)
      ORDER BY recorded_at, ledger_index`,
    [modelId, approvalId],
  );
  const byApproval = new Map<string, TypeApprovalExtensionRow[]>();
  for (const row of rows) byApproval.set(row.approval_id, [...(byApproval.get(row.approval_id) ?? []), row]);
  return byApproval;
}

/** An approval as extended, the pure rules' terms (null when the model has no such approval). */
export async function loadExtendedApproval(
  client: SqlClient,
  modelId: string,
  approvalId: string,
): Promise<ApprovalTerms | null> {
  const row = await loadApproval(client, modelId, approvalId);
  if (!row) return null;
  const extensions = (await extensionsOf(client, modelId, approvalId)).get(approvalId) ?? [];
  return extendApproval(
    approvalTerms(row),
    extensions.map((e) => ({ hardwareRevisions: e.hardware_revisions, software: e.software })),
  );
}

/** GET /v1/models/{modelId}/approvals: each approval as extended, as issued, and its extensions. */
export async function listApprovals(ctx: AppContext, actor: Actor, modelId: string) {
  await getModel(ctx, actor, modelId);
  const { rows } = await ctx.db.query<TypeApprovalRow>(
    'SELECT * FROM type_approvals WHERE model_id = $1 ORDER BY recorded_at, approval_id',
    [modelId],
  );
  const extensions = await extensionsOf(ctx.db, modelId, null);
  return {
    items: rows.map((row) => {
      const own = extensions.get(row.approval_id) ?? [];
      const extended = extendApproval(
        approvalTerms(row),
        own.map((e) => ({ hardwareRevisions: e.hardware_revisions, software: e.software })),
      );
      return {
        ...toApproval(row),
        hardwareRevisions: extended.hardwareRevisions,
        software: extended.software,
        asIssued: { hardwareRevisions: row.hardware_revisions, software: row.software },
        extensions: own.map(toExtension),
      };
    }),
  };
}

/**
 * A certification naming `approvalId` must name an approval of the robot's model
 * (422 APPROVAL_UNKNOWN); checked in the event's unit of work.
 */
export async function assertApprovalOfModel(
  tx: SqlClient,
  modelId: string,
  approvalId: string,
): Promise<void> {
  if (!(await loadApproval(tx, modelId, approvalId))) {
    throw new PlatformError('APPROVAL_UNKNOWN', "no type approval of the robot's model has this approvalId", {
      approvalId,
      field: '/data/approvalId',
    });
  }
}
