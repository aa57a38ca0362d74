// A robot's whole event history with the proof of each event against one signed checkpoint:
// what `roboledger verify robot` checks offline, and what a buyer holding the owner's token
// can keep. Visibility follows the robot access policy ('robot.events.read').
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { isLateRecord } from '../../../core/record-time.js';
import type { AppContext } from '../../app-context.js';
import { noteWithCosignatures, type StoredCheckpoint } from '../../ledger/checkpointer.js';
import type { LedgerReader } from '../../ledger/ledger-reader.js';
import { cosignatureLines } from '../../ledger/witness-service.js';
import { robotForAction } from './robot-access.js';

/** One event of a history as a proof: what `roboledger verify robot` reads and checks. */
export interface RobotHistoryProofEvent {
  eventId: string;
  type: string;
  ledgerIndex: number;
  entry: Uint8Array;
  leafHash: Uint8Array;
  proof: Uint8Array[];
}

export interface RobotHistoryProof {
  robotId: string;
  treeSize: number;
  /** The checkpoint every proof is against, as a signed note with any witness cosignatures. */
  checkpoint: string;
  events: RobotHistoryProofEvent[];
  /** Events of the robot recorded after that checkpoint (only with an older treeSize). */
  laterEvents: number;
}

/** The platform's answer: the proof, each event with what the platform reads off its row. */
export interface RobotHistory extends RobotHistoryProof {
  events: (RobotHistoryProofEvent & {
    /** Recorded more than 24 h after it occurred (core/record-time.ts); not in the entry. */
    late: boolean;
  })[];
}

export async function robotHistoryProof(
  ctx: AppContext,
  reader: LedgerReader,
  actor: Actor,
  robotIdInput: string,
  treeSize: number | undefined,
): Promise<RobotHistory> {
  const { robot } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.events.read', ctx.clock());
  const { rows: events } = await ctx.db.query<{
    id: string;
    type: string;
    ledger_index: number;
    occurred_at: Date;
    recorded_at: Date;
  }>(
    `SELECT id, type, ledger_index, occurred_at, recorded_at FROM robot_events
      WHERE robot_uuid = $1 ORDER BY ledger_index`,
    [robot.id],
  );
  let checkpoint: StoredCheckpoint | undefined;
  if (treeSize === undefined) {
    // The latest checkpoint; if this robot has events it does not cover yet, a new one now, so
    // that the answer is the whole history.
    checkpoint = await ctx.checkpointer.current();
    const last = events[events.length - 1];
    if (last && last.ledger_index >= checkpoint.size) checkpoint = await ctx.checkpointer.checkpointNow();
  } else {
    checkpoint = await ctx.checkpointer.at(treeSize);
    if (!checkpoint) {
      throw new PlatformError(
        'LEDGER_CHECKPOINT_NOT_FOUND',
        `the log signed no checkpoint of size ${treeSize}`,
      );
    }
  }
  const size = checkpoint.size;
  const covered = events.filter((e) => e.ledger_index < size);
  const indices = covered.map((e) => e.ledger_index);
  const [{ rows: entries }, proofs, lines] = await Promise.all([
    ctx.db.query<{ idx: number; entry: Uint8Array }>(
      'SELECT idx, entry FROM ledger_entries WHERE idx = ANY($1::bigint[])',
      [indices],
    ),
    indices.length > 0 ? reader.inclusionProofs(indices, size) : Promise.resolve([]),
    cosignatureLines(ctx.db, size),
  ]);
  const entryAt = new Map(entries.map((r) => [r.idx, r.entry]));
  return {
    robotId: robot.robot_id,
    treeSize: size,
    checkpoint: noteWithCosignatures(checkpoint.note, lines),
    events: covered.map((event, i) => {
      const entry = entryAt.get(event.ledger_index);
      if (!entry)
        throw new PlatformError(
          'INTERNAL_INVARIANT',
          `robot event ${event.id} points at ledger entry ${event.ledger_index}, which is missing`,
        );
      return {
        eventId: event.id,
        type: event.type,
        ledgerIndex: event.ledger_index,
        late: isLateRecord(event.occurred_at, event.recorded_at),
        entry,
        leafHash: proofs[i]!.leafHash,
        proof: proofs[i]!.proof,
      };
    }),
    laterEvents: events.length - covered.length,
  };
}
