// The incident bundle (docs/incidents.md "The bundle"): one JSON document a court, an insurer
// or any party keeps and checks offline with the log's verifier key alone. It holds the
// incident, every evidence item as stored (telemetry as the robot's original JWS strings), and
// the opening of every ledger record involved — the incident's own, each item added later,
// hold changes, investigation steps, findings, the record of each telemetry batch made when it
// arrived, and the robot's device-key records — each with its inclusion proof against one
// signed checkpoint. `roboledger verify bundle` checks it (src/core/incidents/bundle.ts).

import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { formatOpening } from '../../../ledger/index.js';
import type { AppContext } from '../../app-context.js';
import { base64Of } from '../../http/schemas.js';
import { noteWithCosignatures } from '../../ledger/checkpointer.js';
import { loadOpenings } from '../../ledger/ledger-openings.js';
import type { LedgerReader } from '../../ledger/ledger-reader.js';
import { cosignatureLines } from '../../ledger/witness-service.js';
import { hex, type IncidentItemRow, ITEM_COLUMNS } from './incident-records.js';
import { incidentFor, loadFindings, logAccess, logCustody, toIncident } from './incident-service.js';

export const BUNDLE_FORMAT = 'roboledger-incident-bundle/1';

export async function incidentBundle(
  ctx: AppContext,
  reader: LedgerReader,
  actor: Actor,
  incidentId: string,
) {
  const now = ctx.clock();
  const row = await incidentFor(ctx.db, actor, incidentId, 'incident.evidence.read');
  const [{ rows: items }, findings, { rows: changes }, { rows: batches }, { rows: keys }] = await Promise.all(
    [
      ctx.db.query<IncidentItemRow>(
        `SELECT ${ITEM_COLUMNS}, bytes FROM incident_items WHERE incident_id = $1 ORDER BY position`,
        [row.id],
      ),
      loadFindings(ctx.db, row.id),
      ctx.db.query<{ ledger_index: string | number }>(
        `SELECT ledger_index FROM incident_hold_changes WHERE incident_id = $1
       UNION ALL SELECT ledger_index FROM incident_status_changes WHERE incident_id = $1`,
        [row.id],
      ),
      ctx.db.query<{ ledger_index: string | number }>(
        `SELECT b.ledger_index FROM incident_items i
         JOIN telemetry_batches b ON b.robot_uuid = $2 AND b.seq = i.batch_seq
        WHERE i.incident_id = $1 AND i.batch_seq IS NOT NULL`,
        [row.id, row.robot_uuid],
      ),
      ctx.db.query<{ ledger_index: string | number }>(
        `SELECT ledger_index FROM robot_events WHERE robot_uuid = $1 AND type IN ('filing', 'key_rotation')`,
        [row.robot_uuid],
      ),
    ],
  );
  const indices = [
    ...new Set(
      [
        row.ledger_index,
        ...items.flatMap((i) => (i.ledger_index === null ? [] : [i.ledger_index])),
        ...findings.map((f) => f.ledger_index),
        ...changes.map((c) => c.ledger_index),
        ...batches.map((b) => b.ledger_index),
        ...keys.map((k) => k.ledger_index),
      ].map(Number),
    ),
  ].sort((a, b) => a - b);
  let checkpoint = await ctx.checkpointer.current();
  if (indices[indices.length - 1]! >= checkpoint.size) checkpoint = await ctx.checkpointer.checkpointNow();
  const size = checkpoint.size;
  const [openings, proofs, lines] = await Promise.all([
    loadOpenings(ctx.db, indices),
    reader.inclusionProofs(indices, size),
    cosignatureLines(ctx.db, size),
  ]);
  const records = indices.map((index, i) => {
    const opening = openings.get(index);
    if (!opening) throw new PlatformError('INTERNAL_INVARIANT', `ledger index ${index} has no opening`);
    return { opening: formatOpening(opening), proof: proofs[i]!.proof.map(base64Of) };
  });
  await logCustody(ctx.db, ctx, actor, row.id, null, 'export');
  await logAccess(ctx.db, ctx, actor, row.robot_uuid, 'incident_bundle');
  const incident = toIncident(row, items, findings, now);
  return {
    format: BUNDLE_FORMAT,
    exportedAt: now.toISOString(),
    incident,
    checkpoint: noteWithCosignatures(checkpoint.note, lines),
    records,
    items: items.map((i) => {
      const base = {
        itemId: i.id,
        kind: i.kind,
        sha256: hex(i.sha256),
        ledgerIndex: Number(i.ledger_index ?? row.ledger_index),
      };
      if (i.kind === 'telemetry') return { ...base, jws: i.jws! };
      if (i.kind === 'attachment') {
        return {
          ...base,
          size: Number(i.size),
          mediaType: i.media_type!,
          filename: i.filename!,
          contentBase64: Buffer.from(i.bytes!).toString('base64'),
        };
      }
      return { ...base, content: JSON.parse(i.content!) as unknown };
    }),
  };
}
