// A robot's history, provably complete (docs/ledger-formats.md "Robot chains"): the openings
// of every record of its records chain at one signed checkpoint, each with its inclusion proof,
// and the robot head the log signs for that tree size. What `roboledger verify robot` checks
// online or offline, and what a buyer holding the owner's token can keep. Openings reveal the
// records, so they go only to callers the robot access policy lets read the robot's events
// ('robot.events.read'); the head, which discloses no record, to whoever may see the robot.

import type { RobotAction } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { isLateRecord } from '../../../core/record-time.js';
import { type ChainHeadLine, type RobotHead, signRobotHead } from '../../../ledger/index.js';
import type { AppContext } from '../../app-context.js';
import { noteWithCosignatures, type StoredCheckpoint } from '../../ledger/checkpointer.js';
import { chainHeadAt, chainLinks, loadOpenings, type StoredOpening } from '../../ledger/ledger-openings.js';
import type { LedgerReader } from '../../ledger/ledger-reader.js';
import { cosignatureLines } from '../../ledger/witness-service.js';
import { accessBy, recordRobotAccess } from '../access-log/access-log.js';
import { type RobotRow, robotForAction } from './robot-access.js';

export interface ProvenRecord {
  opening: StoredOpening;
  proof: Uint8Array[];
  /** The record was made more than 24 h after it occurred (core/record-time.ts); false if it names no times. */
  late: boolean;
}

/** Whether a record is late: it has both times, more than 24 h apart. */
function isLate(record: { occurredAt?: unknown; recordedAt?: unknown }): boolean {
  if (typeof record.occurredAt !== 'string' || typeof record.recordedAt !== 'string') return false;
  return isLateRecord(new Date(record.occurredAt), new Date(record.recordedAt));
}
export interface RobotHistoryProof {
  robotId: string;
  treeSize: number;
  /** The checkpoint every proof is against, as a signed note with any witness cosignatures. */
  checkpoint: string;
  /** The robot head at treeSize, a signed note (docs/ledger-formats.md "Robot head"). */
  head: string;
  /** The records chain, seq 0 … the head's, in order. */
  records: ProvenRecord[];
  /** Records of the robot appended after that checkpoint (only with an older treeSize). */
  laterRecords: number;
}

/**
 * The checkpoint a robot's history or head is given at: the one of `treeSize` if asked
 * (LEDGER_CHECKPOINT_NOT_FOUND if the log signed none of that size); otherwise the latest,
 * signed afresh when it does not yet cover the robot's last record, so that the answer is the
 * whole history.
 */
async function checkpointFor(
  ctx: AppContext,
  robot: RobotRow,
  treeSize: number | undefined,
): Promise<StoredCheckpoint> {
  if (treeSize !== undefined) {
    const checkpoint = await ctx.checkpointer.at(treeSize);
    if (!checkpoint) {
      throw new PlatformError(
        'LEDGER_CHECKPOINT_NOT_FOUND',
        `the log signed no checkpoint of size ${treeSize}`,
      );
    }
    return checkpoint;
  }
  const checkpoint = await ctx.checkpointer.current();
  const { rows } = await ctx.db.query<{ idx: number }>(
    'SELECT max(idx) AS idx FROM robot_chain_links WHERE robot_uuid = $1',
    [robot.id],
  );
  const last = rows[0]?.idx;
  if (last !== null && last !== undefined && last >= checkpoint.size) return ctx.checkpointer.checkpointNow();
  return checkpoint;
}

function notInTree(treeSize: number): PlatformError {
  return new PlatformError(
    'ROBOT_NOT_IN_TREE',
    `the robot has no record among the first ${treeSize} leaves of the log`,
    { treeSize },
  );
}

/**
 * A stored record's fields. Plain JSON.parse: these are the platform's own stored bytes, and
 * whoever verifies them checks their canonical form (src/ledger); here only fields are read.
 */
function recordFields(bytes: Uint8Array): { robotId?: unknown; occurredAt?: unknown; recordedAt?: unknown } {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

/** The signed robot head, its records line naming a record that names the robot as `robotId`. */
function signedHead(
  ctx: AppContext,
  robotId: unknown,
  treeSize: number,
  records: ChainHeadLine,
  batches: ChainHeadLine | undefined,
): { head: RobotHead; note: string } {
  if (typeof robotId !== 'string') {
    throw new PlatformError(
      'INTERNAL_INVARIANT',
      `the record at ledger index ${records.index} names no robot ID`,
    );
  }
  const head: RobotHead = {
    origin: ctx.checkpointer.origin,
    robotId,
    treeSize,
    records,
    ...(batches ? { batches } : {}),
  };
  return { head, note: signRobotHead(head, ctx.checkpointer.key.signer) };
}

/** GET /v1/robots/{robotId}/head: the signed robot head at a checkpointed tree size. */
export async function robotHead(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  treeSize: number | undefined,
): Promise<string> {
  const { robot } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.read', ctx.clock());
  const size = (await checkpointFor(ctx, robot, treeSize)).size;
  const [records, batches] = await Promise.all([
    chainHeadAt(ctx.db, robot.id, 'records', size),
    chainHeadAt(ctx.db, robot.id, 'batches', size),
  ]);
  if (!records) throw notInTree(size);
  const opening = (await loadOpenings(ctx.db, [records.index])).get(records.index);
  const robotId = opening ? recordFields(opening.record).robotId : undefined;
  return signedHead(ctx, robotId, size, records, batches).note;
}

/** GET /v1/robots/{robotId}/history-proof. */
export async function robotHistoryProof(
  ctx: AppContext,
  reader: LedgerReader,
  actor: Actor,
  robotIdInput: string,
  treeSize: number | undefined,
  action: RobotAction = 'robot.events.read',
): Promise<RobotHistoryProof> {
  const now = ctx.clock();
  const { robot } = await robotForAction(ctx.db, actor, robotIdInput, action, now);
  const history = await provenHistory(ctx, reader, robot, treeSize);
  await recordRobotAccess(ctx.db, { robotUuid: robot.id, ...accessBy(actor, 'history_proof', now) });
  return history;
}

/**
 * The proven history of a robot the caller was already allowed to read (the history report
 * builds on it): no access decision and no access-log row here, the caller does both.
 */
export async function provenHistory(
  ctx: AppContext,
  reader: LedgerReader,
  robot: RobotRow,
  treeSize: number | undefined,
): Promise<RobotHistoryProof> {
  const checkpoint = await checkpointFor(ctx, robot, treeSize);
  const size = checkpoint.size;
  // Every link of the chain in one read: those below the checkpoint are the history, the rest
  // are counted as later records; the head's records line is the history's last link.
  const [chain, batches, lines] = await Promise.all([
    chainLinks(ctx.db, robot.id, 'records'),
    chainHeadAt(ctx.db, robot.id, 'batches', size),
    cosignatureLines(ctx.db, size),
  ]);
  const links = chain.filter((link) => link.index < size);
  const last = links[links.length - 1];
  if (!last) throw notInTree(size);
  const indices = links.map((l) => l.index);
  const [openings, proofs] = await Promise.all([
    loadOpenings(ctx.db, indices),
    reader.inclusionProofs(indices, size),
  ]);
  const records = links.map((link, i) => {
    const opening = openings.get(link.index);
    if (!opening) {
      throw new PlatformError(
        'INTERNAL_INVARIANT',
        `seq ${link.seq} of the robot's records chain (ledger index ${link.index}) has no opening`,
      );
    }
    const fields = recordFields(opening.record);
    return { opening, proof: proofs[i]!.proof, late: isLate(fields), robotId: fields.robotId };
  });
  const { head, note } = signedHead(ctx, records[records.length - 1]!.robotId, size, last, batches);
  return {
    robotId: head.robotId,
    treeSize: size,
    checkpoint: noteWithCosignatures(checkpoint.note, lines),
    head: note,
    records: records.map(({ opening, proof, late }) => ({ opening, proof, late })),
    laterRecords: chain.length - links.length,
  };
}
