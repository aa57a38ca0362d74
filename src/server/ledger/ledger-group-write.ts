// The write of one group of the ledger writer (ledger-writer.ts): its leaves, the interior
// nodes they complete and the new head, in ONE statement (ledger_append, migration 0007).
import type { ChainName, MerkleFrontier, NodeRecord } from '../../ledger/index.js';
import type { NamedStatement, SqlClient } from '../db/sql-client.js';
import { nodeRuns } from './ledger-nodes.js';
import type { CommittedTree, LedgerRecordRef } from './ledger-writer.js';

/** The write of a group (migration 0007, ledger_append), prepared once per connection. */
const APPEND_STATEMENT: NamedStatement = {
  name: 'ledger_append',
  text: 'SELECT ledger_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) AS written',
};

/** No salt: the placeholder for a leaf without an opening, so salts stay 32 bytes apart. */
const NO_SALT = new Uint8Array(32);

/** A leaf of the batch; its index is the batch's first index plus its position. */
export interface PendingLeaf {
  entry: Uint8Array;
  leafHash: Uint8Array;
  record: LedgerRecordRef;
  /** What opens the entry's commitment (stored in its row); the writer's own tests go without. */
  opening?: LeafOpening | undefined;
  /** The leaf's place in a robot's chain (robot_chain_links). */
  chain?: LeafChainLink | undefined;
}

export interface LeafOpening {
  salt: Uint8Array;
  record: Uint8Array;
}

export interface LeafChainLink {
  /** The robot's stable internal id. */
  robot: string;
  chain: ChainName;
  seq: number;
}

/**
 * Writes a batch in ONE statement (ledger_append, migration 0007): the leaves, the interior
 * nodes they complete and the new head `to`, on condition that the head is still `from`, read
 * under its row lock. Returns false, having written nothing, if the head is another. The root
 * makes the condition exact: had another process grown the tree, even to the same size, the
 * root would differ.
 *
 * Bytes go to the database as ONE bytea parameter each (entries, hashes), cut apart in SQL: a
 * bytea[] parameter is sent as escaped hex text, which costs more than the whole rest of an
 * append (measured: 38k vs 100k rows/s for 300-byte entries); a single Buffer goes binary.
 * The interior nodes a group of appends completes are, level by level, a run of consecutive
 * indices: each run is stored as one row (or one per MAX_RUN_NODES), not a row per node, and
 * sent as (level, first index, count).
 */
export async function writeLedgerGroup(
  client: SqlClient,
  from: CommittedTree,
  leaves: readonly PendingLeaf[],
  nodes: readonly NodeRecord[],
  to: CommittedTree,
  now: Date,
): Promise<boolean> {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let offset = 1; // substr() counts from 1
  for (const leaf of leaves) {
    offsets.push(offset);
    lengths.push(leaf.entry.length);
    offset += leaf.entry.length;
  }
  const recordOffsets: number[] = [];
  const recordLengths: number[] = [];
  let recordOffset = 1;
  for (const leaf of leaves) {
    recordOffsets.push(recordOffset);
    recordLengths.push(leaf.opening ? leaf.opening.record.length : -1);
    recordOffset += leaf.opening ? leaf.opening.record.length : 0;
  }
  const runs = nodeRuns(nodes);
  const { rows } = await client.query<{ written: boolean }>(APPEND_STATEMENT, [
    from.size,
    from.root,
    to.size,
    to.root,
    Buffer.concat(leaves.map((l) => l.entry)),
    Buffer.concat(leaves.map((l) => l.leafHash)),
    offsets,
    lengths,
    leaves.map((l) => l.record.kind),
    leaves.map((l) => l.record.id),
    now,
    runs.levels,
    runs.firsts,
    runs.counts,
    runs.starts,
    runs.hashes,
    Buffer.concat(leaves.map((l) => l.opening?.salt ?? NO_SALT)),
    Buffer.concat(leaves.flatMap((l) => (l.opening ? [l.opening.record] : []))),
    recordOffsets,
    recordLengths,
    leaves.map((l) => l.chain?.robot ?? null),
    leaves.map((l) => l.chain?.chain ?? null),
    leaves.map((l) => l.chain?.seq ?? null),
  ]);
  return rows[0]?.written === true;
}

/**
 * Appends the leaves to the frontier; returns the interior nodes they complete. A leaf's own
 * hash (level 0) is stored once, in its ledger_entries row.
 */
export function appendToFrontier(frontier: MerkleFrontier, leaves: readonly PendingLeaf[]): NodeRecord[] {
  const nodes: NodeRecord[] = [];
  for (const leaf of leaves) {
    const created = frontier.append(leaf.leafHash);
    for (let i = 1; i < created.length; i++) nodes.push(created[i]!);
  }
  return nodes;
}
