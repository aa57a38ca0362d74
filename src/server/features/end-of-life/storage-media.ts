// The storage media a model's manufacturer declares (docs/end-of-life.md "Storage media"):
// every medium of the model that can hold data (maps, recordings, credentials) and so must be
// sanitized before the robot is recycled. A medium is added, never changed nor removed: the
// same definition again is a no-op, another one a 409 STORAGE_MEDIUM_CONFLICT. Each new medium
// is a ledger record of its own (kind model_storage_medium).
import { decideRegistryAccess } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { getModel } from '../catalogue/catalogue-service.js';
import { enforce } from '../policy-enforcement.js';
import { type StorageMediumRow, storageMediumRecord, storageMediumRecordId } from './end-of-life-records.js';

export interface StorageMediumDefinition {
  mediaId: string;
  kind: string;
  description: string;
}

export interface StorageMedium extends StorageMediumDefinition {
  createdAt: string;
  ledgerIndex: number;
}

export interface ModelStorageMedia {
  modelId: string;
  media: StorageMedium[];
}

function toMedium(row: StorageMediumRow): StorageMedium {
  return {
    mediaId: row.media_id,
    kind: row.kind,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    ledgerIndex: Number(row.ledger_index),
  };
}

async function mediaRows(q: SqlClient, modelId: string): Promise<StorageMediumRow[]> {
  const { rows } = await q.query<StorageMediumRow>(
    // COLLATE "C": sorted by code point, the same on every database whatever its locale.
    'SELECT * FROM model_storage_media WHERE model_id = $1 ORDER BY media_id COLLATE "C"',
    [modelId],
  );
  return rows;
}

/** The ids of the media a model declares, sorted (for the recycling check: no access check). */
export async function declaredMediaIds(q: SqlClient, modelId: string): Promise<string[]> {
  return (await mediaRows(q, modelId)).map((r) => r.media_id);
}

/**
 * POST /v1/models/{modelId}/storage-media: declares media of one of the caller's own models, all
 * or nothing. Answers every medium of the model, the new ones with their ledger indices.
 */
export async function declareStorageMedia(
  ctx: AppContext,
  actor: Actor,
  modelId: string,
  media: readonly StorageMediumDefinition[],
): Promise<ModelStorageMedia> {
  enforce(decideRegistryAccess(actor, 'model.create'));
  const seen = new Set<string>();
  media.forEach((m, index) => {
    if (seen.has(m.mediaId)) {
      throw new PlatformError('VALIDATION_FAILED', `storage medium ${m.mediaId} is listed twice`, {
        field: `media/${index}/mediaId`,
      });
    }
    seen.add(m.mediaId);
  });
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    // Under the ledger's head lock (every unit of work holds it): no other declaration races this one.
    const { rows } = await tx.query('SELECT id FROM models WHERE id = $1 AND manufacturer_id = $2', [
      modelId,
      actor.orgId,
    ]);
    if (!rows[0]) throw new PlatformError('MODEL_NOT_FOUND', 'you have no model with this id');
    const existing = new Map((await mediaRows(tx, modelId)).map((r) => [r.media_id, r]));
    for (const m of media) {
      const known = existing.get(m.mediaId);
      if (known && (known.kind !== m.kind || known.description !== m.description)) {
        throw new PlatformError(
          'STORAGE_MEDIUM_CONFLICT',
          `the model already declares ${m.mediaId} as ${known.kind} storage; a storage medium is never changed`,
          { mediaId: m.mediaId },
        );
      }
    }
    for (const m of media) {
      if (existing.has(m.mediaId)) continue;
      const row: StorageMediumRow = {
        model_id: modelId,
        media_id: m.mediaId,
        kind: m.kind,
        description: m.description,
        created_at: now,
        ledger_index: ledger.nextIndex,
      };
      const index = await appendRecord(
        tx,
        ledger,
        storageMediumRecord,
        storageMediumRecordId(modelId, m.mediaId),
        row,
      );
      await tx.query(
        `INSERT INTO model_storage_media (model_id, media_id, kind, description, created_at, ledger_index)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [modelId, m.mediaId, m.kind, m.description, now, index],
      );
    }
    return { modelId, media: (await mediaRows(tx, modelId)).map(toMedium) };
  });
}

/** GET /v1/models/{modelId}/storage-media: for whoever may read the model (getModel's visibility). */
export async function listStorageMedia(
  ctx: AppContext,
  actor: Actor,
  modelId: string,
): Promise<ModelStorageMedia> {
  await getModel(ctx, actor, modelId);
  return { modelId, media: (await mediaRows(ctx.db, modelId)).map(toMedium) };
}
