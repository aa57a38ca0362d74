// Ledger records of end of life (docs/end-of-life.md): each storage medium a model declares.
// A sanitization is a robot event (kind robot_event); its per-medium rows are derived from it.
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface StorageMediumRow {
  model_id: string;
  media_id: string;
  kind: string;
  description: string;
  created_at: Date;
  ledger_index: number;
}

/** The ledger record id of a model's storage medium: `<modelId>/<mediaId>`. */
export function storageMediumRecordId(modelId: string, mediaId: string): string {
  return `${modelId}/${mediaId}`;
}

export const storageMediumRecord = defineRecordKind<StorageMediumRow>({
  kind: 'model_storage_medium',
  async load(client: SqlClient, id) {
    // A model id is a UUID (no '/'); the medium id follows the first '/'.
    const slash = id.indexOf('/');
    if (slash <= 0) return null;
    const { rows } = await client.query<StorageMediumRow>(
      'SELECT * FROM model_storage_media WHERE model_id = $1 AND media_id = $2',
      [id.slice(0, slash), id.slice(slash + 1)],
    );
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'model_storage_medium',
    id: storageMediumRecordId(row.model_id, row.media_id),
    modelId: row.model_id,
    mediaId: row.media_id,
    mediaKind: row.kind,
    description: row.description,
    createdAt: isoTime(row.created_at),
  }),
});
