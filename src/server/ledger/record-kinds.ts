// Every kind of record that goes into the ledger says how to rebuild its record from the rows
// stored for it. Writers use the same function to make the record the leaf commits to, and
// `roboledger audit` uses it to rebuild every record, so a row edited behind the platform's back
// is named.
//
// Version 2 (docs/ledger-formats.md "Version 2"): the leaf's entry is a commitment
// {"commitment","kind","v":2} to the record's canonical JSON under a fresh 32-byte salt; the
// record and salt (the opening) are stored apart from the public entries. A record about a
// robot also carries its link in one of the robot's chains (`robotChain`, or `batchChain` for
// telemetry batches), numbered here from the chain's head.
//
// The kinds the platform writes are one explicit list (features/ledgered-records.ts), handed
// to the ledger writer (which refuses to append a kind not in it) and to audit: nothing is
// registered by importing a module, so audit cannot miss a kind the platform writes.
import { PlatformError } from '../../core/errors.js';
import {
  CHAIN_MEMBER,
  type ChainHeadLine,
  type ChainName,
  canonicalJsonBytes,
  formatChainLink,
  formatCommitmentEntry,
  makeSalt,
  recordCommitment,
} from '../../ledger/index.js';
import type { SqlClient } from '../db/sql-client.js';
import type { LedgerRecordJson } from './ledger-entry.js';
import type { LedgerAppender } from './ledger-writer.js';

export interface LedgeredRecordKind<Row> {
  kind: string;
  /** Loads the stored row(s) of record `id`; null if there is none. */
  load(client: SqlClient, id: string): Promise<Row | null>;
  /** The record of a stored row, without its chain link (appendRecords adds that). */
  record(row: Row): LedgerRecordJson;
  /**
   * The robot chain the record is a link of, for a record about a robot: it then names the
   * robot in `robot` (stable internal id) and `robotId` (the robot ID at the time).
   */
  chain?: ChainName;
}

/** Types a record kind's definition (kept as a function so the Row type is inferred once). */
export function defineRecordKind<Row>(definition: LedgeredRecordKind<Row>): LedgeredRecordKind<Row> {
  return definition;
}

/** A closed set of record kinds, looked up by name. */
export class RecordKinds {
  readonly #byName = new Map<string, LedgeredRecordKind<unknown>>();

  constructor(kinds: readonly LedgeredRecordKind<unknown>[]) {
    for (const kind of kinds) {
      if (this.#byName.has(kind.kind)) {
        throw new PlatformError('INTERNAL_INVARIANT', `record kind ${kind.kind} is listed twice`);
      }
      this.#byName.set(kind.kind, kind);
    }
  }

  get(kind: string): LedgeredRecordKind<unknown> | undefined {
    return this.#byName.get(kind);
  }

  has(kind: string): boolean {
    return this.#byName.has(kind);
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }
}

/** Appends the record of a freshly written row; resolves to its ledger index. */
export async function appendRecord<Row>(
  tx: SqlClient,
  ledger: LedgerAppender,
  kind: LedgeredRecordKind<Row>,
  id: string,
  row: Row,
): Promise<number> {
  const [index] = await appendRecords(tx, ledger, kind, [{ id, row }]);
  return index!;
}

/**
 * Appends the records of freshly written rows of one kind, in order; resolves to their ledger
 * indices. For a chained kind the robots' chain heads are read in one query (the caller holds
 * the ledger's head lock: it runs inside a unit of work, so no other writer extends a chain
 * meanwhile), and records of one robot in `items` chain to each other.
 */
export async function appendRecords<Row>(
  tx: SqlClient,
  ledger: LedgerAppender,
  kind: LedgeredRecordKind<Row>,
  items: readonly { id: string; row: Row }[],
): Promise<number[]> {
  const records = items.map(({ row }) => kind.record(row));
  const chain = kind.chain;
  const heads = chain ? await chainHeads(tx, ledger, chain, records.map(chainedRobot)) : undefined;
  return items.map(({ id }, i) => {
    let record: LedgerRecordJson = records[i]!;
    let link: { robot: string; chain: ChainName; seq: number } | undefined;
    if (chain && heads) {
      const robot = chainedRobot(record);
      const head = heads.get(robot);
      const seq = head ? head.seq + 1 : 0;
      const prev = head ? { index: head.index, leafHash: head.leafHash } : null;
      record = { ...record, [CHAIN_MEMBER[chain]]: formatChainLink({ seq, prev }) };
      link = { robot, chain, seq };
    }
    const bytes = canonicalJsonBytes(record);
    const salt = makeSalt();
    // The leaf hash is the writer's to compute (once); the chain's next link reads it back.
    const entry = formatCommitmentEntry(kind.kind, recordCommitment(salt, bytes));
    const index = ledger.append({ kind: kind.kind, id }, entry, {
      opening: { salt, record: bytes },
      chain: link,
    });
    if (link) heads!.set(link.robot, ledger.knownChainHead(link.robot, link.chain)!);
    return index;
  });
}

function chainedRobot(record: LedgerRecordJson): string {
  const robot = record.robot;
  if (typeof robot !== 'string' || robot === '' || typeof record.robotId !== 'string') {
    throw new PlatformError(
      'INTERNAL_INVARIANT',
      `a ${record.kind} record is chained, so it names its robot in robot and robotId`,
    );
  }
  return robot;
}

/**
 * The head of `chain` for each robot: what the writer knows (a link this transaction appended
 * and has not yet written, or the head of the tree it grows), else the stored one
 * (robot_chain_links, the row of highest seq: an index scan per robot), else none (the robot's
 * first record), which the writer is then told.
 */
async function chainHeads(
  tx: SqlClient,
  ledger: LedgerAppender,
  chain: ChainName,
  robots: readonly string[],
): Promise<Map<string, ChainHeadLine>> {
  const heads = new Map<string, ChainHeadLine>();
  const stored: string[] = [];
  for (const robot of new Set(robots)) {
    const known = ledger.knownChainHead(robot, chain);
    if (known) heads.set(robot, known);
    else if (known === undefined) stored.push(robot);
  }
  if (stored.length > 0) {
    const { rows } = await tx.query<{ robot: string; seq: number; idx: number; leaf_hash: Uint8Array }>(
      CHAIN_HEADS_STATEMENT,
      [stored, chain],
    );
    for (const row of rows) heads.set(row.robot, { seq: row.seq, index: row.idx, leafHash: row.leaf_hash });
    for (const robot of stored) ledger.rememberChainHead(robot, chain, heads.get(robot) ?? null);
  }
  return heads;
}

const CHAIN_HEADS_STATEMENT = {
  name: 'robot_chain_heads',
  text: `SELECT r.robot::text AS robot, l.seq, l.idx, l.leaf_hash
           FROM unnest($1::uuid[]) AS r(robot)
           CROSS JOIN LATERAL (SELECT seq, idx, leaf_hash FROM robot_chain_links
                                WHERE robot_uuid = r.robot AND chain = $2
                                ORDER BY seq DESC LIMIT 1) l`,
};

/** A logged record without the chain members the writer adds (robotChain, batchChain). */
export function withoutChainLinks(record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const copy = { ...(record as Record<string, unknown>) };
  for (const member of Object.values(CHAIN_MEMBER)) delete copy[member];
  return copy;
}
