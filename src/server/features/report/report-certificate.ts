// The report's certificate (docs/history-report.md "The certificate"): the approval records its
// verdict rests on (model-level, in no robot chain), proven at the report's checkpoint so the
// verifier can recompute the verdict, and the verdict itself from the same records.
import { PlatformError } from '../../../core/errors.js';
import type { ChainFacts } from '../../../core/report/chain-facts.js';
import { certificateFromRecords } from '../../../core/report/report-certificate.js';
import type { ReportProvenRecord } from '../../../core/report/report-format.js';
import { formatOpening } from '../../../ledger/index.js';
import type { AppContext } from '../../app-context.js';
import { base64Of } from '../../http/schemas.js';
import { loadOpenings } from '../../ledger/ledger-openings.js';
import type { LedgerReader } from '../../ledger/ledger-reader.js';
import type { RobotRow } from '../robots/robot-access.js';

type Json = Record<string, unknown>;

/**
 * The ledger indices of the approval named by the robot's latest certification and of its
 * extensions, and a tree size that covers them: the approval may be younger than the robot's
 * last record, so the checkpoint is signed afresh when the latest one misses it.
 */
export async function certificatePlan(ctx: AppContext, robot: RobotRow) {
  const { rows } = await ctx.db.query<{ ledger_index: string | number }>(
    `WITH cert AS (
       SELECT data->>'approvalId' AS approval_id FROM robot_events
        WHERE robot_uuid = $1 AND type = 'certification' ORDER BY ledger_index DESC LIMIT 1)
     SELECT a.ledger_index FROM type_approvals a JOIN cert ON cert.approval_id = a.approval_id
      WHERE a.model_id = $2
     UNION ALL
     SELECT x.ledger_index FROM type_approval_extensions x JOIN cert ON cert.approval_id = x.approval_id
      WHERE x.model_id = $2`,
    [robot.id, robot.model_id],
  );
  const indices = rows.map((r) => Number(r.ledger_index)).sort((a, b) => a - b);
  const last = indices[indices.length - 1];
  let treeSize: number | undefined;
  if (last !== undefined) {
    const current = await ctx.checkpointer.current();
    // Not the approvals' own checkpoint: the robot's chain must be covered too, so the latest.
    treeSize = last < current.size ? undefined : (await ctx.checkpointer.checkpointNow()).size;
  }
  return { indices, treeSize };
}

/** The approval records opened and proven at `treeSize`, and the verdict they give at `now`. */
export async function certificateAt(
  ctx: AppContext,
  reader: LedgerReader,
  indices: readonly number[],
  treeSize: number,
  facts: ChainFacts,
  now: Date,
): Promise<{
  proven: ReportProvenRecord[];
  verdict: { valid: boolean; reasons: string[]; approvalId: string | null };
}> {
  const covered = indices.filter((i) => i < treeSize);
  const [openings, proofs] = await Promise.all([
    loadOpenings(ctx.db, covered),
    covered.length ? reader.inclusionProofs(covered, treeSize) : Promise.resolve([]),
  ]);
  const records: Json[] = [];
  const proven = covered.map((index, i) => {
    const opening = openings.get(index);
    if (!opening) throw new PlatformError('INTERNAL_INVARIANT', `ledger index ${index} has no opening`);
    records.push(JSON.parse(Buffer.from(opening.record).toString('utf8')) as Json);
    return { opening: formatOpening(opening), inclusion: proofs[i]!.proof.map(base64Of) };
  });
  const verdict = certificateFromRecords(facts, records, now);
  return { proven, verdict: { ...verdict, approvalId: facts.approvalId } };
}

/** The certification events of the chain, for the report's certificates section. */
export function certificationSection(
  records: readonly { seq: number; index: number; record: Json }[],
): Json[] {
  return records
    .filter((r) => r.record.kind === 'robot_event' && r.record.type === 'certification')
    .map((r) => {
      const data = (r.record.data ?? {}) as Json;
      return {
        seq: r.seq,
        ledgerIndex: r.index,
        occurredAt: r.record.occurredAt,
        certificate: data.certificate ?? null,
        scheme: data.scheme ?? null,
        validUntil: data.validUntil ?? null,
        approvalId: data.approvalId ?? null,
      };
    });
}
