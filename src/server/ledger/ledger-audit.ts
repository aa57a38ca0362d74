// `roboledger audit`: recomputes the ledger from the stored records and names every mismatch.
//
// In one read-only REPEATABLE READ snapshot, streaming in chunks (never the whole log in memory):
//  1. every entry, in index order: no gaps; its leaf hash is SHA-256(0x00 ‖ entry); it is a
//     version 2 commitment, and its stored opening (salt and record) gives that commitment; the
//     record, loaded through its record kind (the list the caller hands in), still gives exactly
//     the opened record; a record about a robot is the next link of its robot's chain (seq one
//     more than the last, prev naming the last), and robot_chain_links lists it as such;
//  2. the tree recomputed from the entries: every interior node as readers find it
//     (ledger_node_runs; leaf hashes are the entries' own, checked in 1), the layout of the runs
//     (none overlaps another or reaches beyond the head), the copies in the retired ledger_nodes
//     that databases from before migration 0006 hold, and the head;
//  3. every signed checkpoint: its signature (with the log's verifier key) and its root against
//     the recomputed root of its size; every stored witness cosignature against its witness key;
//  4. every record row of every table with a `ledger_index` or `*_ledger_index` column: the
//     entry it points at exists and is of that record.
// A finding names the index, the record kind and id, and what differs.
import {
  type ChainHeadLine,
  type ChainLink,
  type ChainName,
  canonicalJsonBytes,
  emptyRoot,
  isLedgerError,
  leafHash,
  MerkleFrontier,
  type NodeRecord,
  noteVerifier,
  openCheckpoint,
  openRecord,
  parseCommitmentEntry,
  parseNote,
  readChainLink,
  readRobotIdentity,
  recordCommitment,
} from '../../ledger/index.js';
import type { Database, SqlClient } from '../db/sql-client.js';
import { auditCosignatures, type CheckpointRow, CheckpointStream } from './audit-checkpoints.js';
import { auditRecordRows } from './audit-record-rows.js';
import { lookupNodeHashes, readHead, sameBytes } from './ledger-nodes.js';
import { type RecordKinds, withoutChainLinks } from './record-kinds.js';

export const AUDIT_PROBLEMS = {
  ENTRY_MISSING: 'an index below the head has no entry',
  ENTRY_BEYOND_HEAD: 'an entry exists beyond the head size',
  LEAF_HASH_MISMATCH: 'the stored leaf hash is not SHA-256(0x00 ‖ entry)',
  RECORD_KIND_UNKNOWN: 'the entry names a record kind this build does not know',
  RECORD_MISSING: 'the record the entry is of no longer exists (a leaf without its record)',
  RECORD_MISMATCH: 'the stored record no longer gives the entry bytes that were logged',
  NODE_MISMATCH: 'a stored tree node differs from the one recomputed from the entries',
  NODE_MISSING: 'a tree node is missing',
  NODE_DUPLICATE: 'a tree node is stored twice (overlapping runs)',
  NODE_BEYOND_HEAD: 'a tree node covers leaves beyond the head size',
  HEAD_MISMATCH: 'the head root differs from the root recomputed from the entries',
  CHECKPOINT_SIGNATURE_INVALID:
    "a stored checkpoint does not verify with the log's key, or disagrees with its row",
  CHECKPOINT_ROOT_MISMATCH: 'a signed checkpoint has another root than the tree recomputed from the entries',
  CHECKPOINT_BEYOND_HEAD: 'a checkpoint is larger than the head',
  COSIGNATURE_INVALID: 'a stored witness cosignature does not verify, or its witness is not registered',
  RECORD_WITHOUT_LEAF:
    'a record row points at a ledger index that has no entry, or an entry of another record',
  ENTRY_NOT_COMMITMENT:
    'the entry is not a version 2 commitment {"commitment","kind","v":2} of its record kind',
  OPENING_MISSING: 'the opening (salt and record) of an entry is not stored',
  OPENING_MISMATCH:
    'the stored opening does not give the commitment the entry holds, or its record is not canonical',
  CHAIN_BROKEN: "a record is not the next link of its robot's chain (seq, prev or robot)",
  CHAIN_LINK_MISMATCH:
    'robot_chain_links disagrees with the records: a link missing, extra, or naming another seq or leaf',
} as const;

export type AuditProblem = keyof typeof AUDIT_PROBLEMS;

export interface AuditFinding {
  problem: AuditProblem;
  index?: number;
  kind?: string;
  recordId?: string;
  /** `table.column` for record rows. */
  table?: string;
  detail: string;
}

export interface AuditReport {
  treeSize: number;
  entries: number;
  recordRows: number;
  checkpoints: number;
  cosignatures: number;
  /** Whether checkpoint signatures were checked (a verifier key was available). */
  signaturesChecked: boolean;
  latestCheckpointSize: number | undefined;
  findings: AuditFinding[];
}

export interface AuditOptions {
  /** The record kinds the platform writes (features/ledgered-records.ts): entries are rebuilt with them. */
  recordKinds: RecordKinds;
  /** The log's verifier key; without it, checkpoint signatures are not checked. */
  verifierKey?: string | undefined;
  /** Entries per chunk (default 2000). */
  chunkSize?: number;
  /** Called for each finding as it is found (the CLI prints them as they come). */
  onFinding?: (finding: AuditFinding) => void;
  /** Called after each chunk of entries. */
  onProgress?: (done: number, total: number) => void;
  /** Most findings kept in the report (all are still passed to onFinding). Default 10,000. */
  maxFindings?: number;
}

export async function auditLedger(db: Database, options: AuditOptions): Promise<AuditReport> {
  return db.transaction(async (tx) => {
    // One consistent snapshot; the audit never writes.
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return new Audit(tx, options).run();
  });
}

type FindingBase = { index: number; kind: string; recordId: string };

interface StoredLink {
  robot: string;
  chain: string;
  seq: number;
  leafHash: Uint8Array;
}

interface EntryRow {
  record_kind: string;
  record_id: string;
  entry: Uint8Array;
  salt: Uint8Array | null;
  record: Uint8Array | null;
  link_robot: string | null;
  link_chain: string | null;
  link_seq: number | null;
  link_leaf_hash: Uint8Array | null;
}

function describe(error: unknown): string {
  return isLedgerError(error) ? `${error.message} (${error.code})` : String(error);
}

class Audit {
  /** Each robot chain's last link seen so far, by `robot/chain`. */
  readonly #chainHeads = new Map<string, ChainHeadLine>();
  readonly #client: SqlClient;
  readonly #options: AuditOptions;
  readonly #chunk: number;
  readonly #report: AuditReport;
  readonly #verifier;

  constructor(client: SqlClient, options: AuditOptions) {
    this.#client = client;
    this.#options = options;
    this.#chunk = Math.max(1, options.chunkSize ?? 2000);
    this.#verifier = options.verifierKey ? noteVerifier(options.verifierKey.trim()) : undefined;
    this.#report = {
      treeSize: 0,
      entries: 0,
      recordRows: 0,
      checkpoints: 0,
      cosignatures: 0,
      signaturesChecked: this.#verifier !== undefined,
      latestCheckpointSize: undefined,
      findings: [],
    };
  }

  #find(finding: AuditFinding): void {
    if (this.#report.findings.length < (this.#options.maxFindings ?? 10_000))
      this.#report.findings.push(finding);
    this.#options.onFinding?.(finding);
  }

  async run(): Promise<AuditReport> {
    const head = await readHead(this.#client);
    this.#report.treeSize = head.size;
    const root = await this.#entriesAndTree(head.size);
    if (!sameBytes(root, head.root)) {
      this.#find({
        problem: 'HEAD_MISMATCH',
        detail: `ledger_head says size ${head.size} has root ${hex(head.root)}; the entries give ${hex(root)}`,
      });
    }
    await this.#beyondHead(head.size);
    await this.#runLayout();
    await auditCosignatures(
      this.#client,
      this.#chunk,
      (f) => this.#find(f),
      () => {
        this.#report.cosignatures++;
      },
    );
    await auditRecordRows(
      this.#client,
      head.size,
      this.#chunk,
      (f) => this.#find(f),
      () => {
        this.#report.recordRows++;
      },
    );
    return this.#report;
  }

  /** Steps 1-3: entries, records, nodes and checkpoints, in one pass over the entries. */
  async #entriesAndTree(size: number): Promise<Uint8Array> {
    const frontier = new MerkleFrontier();
    const checkpoints = new CheckpointStream(this.#client, this.#chunk);
    const atSize = async (treeSize: number, root: () => Uint8Array) => {
      for (let c = await checkpoints.peek(); c && c.size <= treeSize; c = await checkpoints.peek()) {
        await checkpoints.next();
        if (c.size === treeSize) this.#checkpoint(c, root());
      }
    };
    await atSize(0, emptyRoot);
    for (let begin = 0; begin < size; begin += this.#chunk) {
      const end = Math.min(size, begin + this.#chunk);
      const { rows } = await this.#client.query<{
        idx: number;
        entry: Uint8Array;
        leaf_hash: Uint8Array;
        record_kind: string;
        record_id: string;
        salt: Uint8Array | null;
        record: Uint8Array | null;
        link_robot: string | null;
        link_chain: string | null;
        link_seq: number | null;
        link_leaf_hash: Uint8Array | null;
      }>(
        `SELECT e.idx, e.entry, e.leaf_hash, e.record_kind, e.record_id, e.salt, e.record,
                l.robot_uuid::text AS link_robot, l.chain AS link_chain, l.seq AS link_seq,
                l.leaf_hash AS link_leaf_hash
           FROM ledger_entries e
           LEFT JOIN robot_chain_links l ON l.idx = e.idx
          WHERE e.idx >= $1 AND e.idx < $2 ORDER BY e.idx`,
        [begin, end],
      );
      const byIndex = new Map(rows.map((r) => [r.idx, r]));
      const created: NodeRecord[] = [];
      for (let index = begin; index < end; index++) {
        const row = byIndex.get(index);
        if (!row) {
          this.#find({
            problem: 'ENTRY_MISSING',
            index,
            detail: `no entry ${index} (the head has size ${size})`,
          });
          // The tree cannot be recomputed past a hole; carry on with the retired level-0 copy if
          // the database is old enough to hold one (before migration 0006).
          const stored = await this.#storedNode(0, index);
          created.push(...frontier.append(stored ?? new Uint8Array(32)));
        } else {
          this.#report.entries++;
          const leaf = leafHash(row.entry);
          if (!sameBytes(leaf, row.leaf_hash)) {
            this.#find({
              problem: 'LEAF_HASH_MISMATCH',
              index,
              kind: row.record_kind,
              recordId: row.record_id,
              detail: `stored ${hex(row.leaf_hash)}, SHA-256(0x00 ‖ entry) is ${hex(leaf)}`,
            });
          }
          await this.#record(index, row, leaf);
          created.push(...frontier.append(leaf));
        }
        await atSize(frontier.size, () => frontier.root());
      }
      await this.#compareNodes(created);
      this.#options.onProgress?.(end, size);
    }
    // Checkpoints beyond the head.
    for (let c = await checkpoints.next(); c; c = await checkpoints.next()) {
      this.#report.checkpoints++;
      this.#report.latestCheckpointSize = c.size;
      this.#find({
        problem: 'CHECKPOINT_BEYOND_HEAD',
        detail: `a checkpoint of size ${c.size} exists, but the head has size ${size}`,
      });
    }
    return frontier.root();
  }

  /** Step 1 for one entry: its commitment, opening, record and chain link. */
  async #record(index: number, row: EntryRow, leaf: Uint8Array): Promise<void> {
    const kindName = row.record_kind;
    const base = { index, kind: kindName, recordId: row.record_id };
    const link = this.#linkOf(row);
    let committed: { kind: string; commitment: Uint8Array };
    try {
      committed = parseCommitmentEntry(row.entry);
    } catch (error) {
      this.#find({ ...base, problem: 'ENTRY_NOT_COMMITMENT', detail: describe(error) });
      this.#unexpectedLink(base, link);
      return;
    }
    if (committed.kind !== kindName) {
      this.#find({
        ...base,
        problem: 'ENTRY_NOT_COMMITMENT',
        detail: `the entry commits to a ${committed.kind}, its row says ${kindName}`,
      });
    }
    if (row.salt === null || row.record === null) {
      this.#find({ ...base, problem: 'OPENING_MISSING', detail: `no opening is stored for entry ${index}` });
      this.#unexpectedLink(base, link);
      return;
    }
    let opened: unknown;
    try {
      opened = openRecord({ index, kind: committed.kind, salt: row.salt, record: row.record }).record;
    } catch (error) {
      this.#find({ ...base, problem: 'OPENING_MISMATCH', detail: describe(error) });
      this.#unexpectedLink(base, link);
      return;
    }
    if (!sameBytes(recordCommitment(row.salt, row.record), committed.commitment)) {
      this.#find({
        ...base,
        problem: 'OPENING_MISMATCH',
        detail: 'SHA-256(salt ‖ record) is not the commitment the entry holds',
      });
    }
    const kind = this.#options.recordKinds.get(kindName);
    if (!kind) {
      this.#find({
        ...base,
        problem: 'RECORD_KIND_UNKNOWN',
        detail: `kind ${kindName} is not one of ${this.#options.recordKinds.names().join(', ')}`,
      });
      return;
    }
    this.#chain(base, kind.chain, opened, leaf, link);
    const stored = await kind.load(this.#client, row.record_id);
    if (stored === null) {
      this.#find({
        ...base,
        problem: 'RECORD_MISSING',
        detail: `no ${kindName} record ${row.record_id} is stored`,
      });
      return;
    }
    let rebuilt: Uint8Array;
    try {
      rebuilt = canonicalJsonBytes(kind.record(stored));
    } catch (error) {
      this.#find({
        ...base,
        problem: 'RECORD_MISMATCH',
        detail: `the record no longer makes a record: ${describe(error)}`,
      });
      return;
    }
    // The chain link is the ledger's, not the row's: compared above, left out here.
    const logged = withoutChainLinks(opened);
    const loggedBytes = canonicalJsonBytes(logged);
    if (!sameBytes(rebuilt, loggedBytes)) {
      const fields = differingFields(logged, parseJson(rebuilt));
      this.#find({
        ...base,
        problem: 'RECORD_MISMATCH',
        detail: `the stored record differs from the logged record in ${fields.length > 0 ? fields.join(', ') : 'its bytes'}`,
      });
    }
  }

  #linkOf(row: EntryRow): StoredLink | undefined {
    if (row.link_robot === null) return undefined;
    return {
      robot: row.link_robot,
      chain: row.link_chain ?? '',
      seq: row.link_seq ?? -1,
      leafHash: row.link_leaf_hash ?? new Uint8Array(),
    };
  }

  #unexpectedLink(base: FindingBase, link: StoredLink | undefined): void {
    if (!link) return;
    this.#find({
      ...base,
      problem: 'CHAIN_LINK_MISMATCH',
      detail: `robot_chain_links lists entry ${base.index} as seq ${link.seq} of robot ${link.robot}'s ${link.chain} chain, but it is no chained record`,
    });
  }

  /**
   * The record's link in its robot's chain (if its kind is chained): the next after the last
   * one seen for that robot, and the one robot_chain_links lists.
   */
  #chain(
    base: FindingBase,
    chain: ChainName | undefined,
    record: unknown,
    leaf: Uint8Array,
    stored: StoredLink | undefined,
  ): void {
    if (!chain) {
      this.#unexpectedLink(base, stored);
      return;
    }
    let link: ChainLink;
    let robot: string;
    try {
      link = readChainLink(record, chain);
      robot = readRobotIdentity(record).robot;
    } catch (error) {
      this.#find({ ...base, problem: 'CHAIN_BROKEN', detail: describe(error) });
      return;
    }
    const key = `${robot}/${chain}`;
    const last = this.#chainHeads.get(key);
    const expected = last ? last.seq + 1 : 0;
    if (link.seq !== expected) {
      this.#find({
        ...base,
        problem: 'CHAIN_BROKEN',
        detail: `robot ${robot}'s ${chain} chain: seq ${link.seq} follows seq ${last ? last.seq : 'none'}`,
      });
    } else if (last && (link.prev?.index !== last.index || !sameBytes(link.prev.leafHash, last.leafHash))) {
      this.#find({
        ...base,
        problem: 'CHAIN_BROKEN',
        detail: `robot ${robot}'s ${chain} chain, seq ${link.seq}: prev does not name seq ${last.seq} (entry ${last.index})`,
      });
    }
    this.#chainHeads.set(key, { seq: link.seq, index: base.index, leafHash: leaf });
    if (
      !stored ||
      stored.robot !== robot ||
      stored.chain !== chain ||
      stored.seq !== link.seq ||
      !sameBytes(stored.leafHash, leaf)
    ) {
      this.#find({
        ...base,
        problem: 'CHAIN_LINK_MISMATCH',
        detail: stored
          ? `robot_chain_links lists entry ${base.index} as seq ${stored.seq} of ${stored.robot}'s ${stored.chain} chain; the record is seq ${link.seq} of ${robot}'s ${chain} chain`
          : `robot_chain_links has no row for seq ${link.seq} of robot ${robot}'s ${chain} chain (entry ${base.index})`,
      });
    }
  }

  async #storedNode(level: number, index: number): Promise<Uint8Array | undefined> {
    const { rows } = await this.#client.query<{ hash: Uint8Array }>(
      'SELECT hash FROM ledger_nodes WHERE level = $1 AND idx = $2',
      [level, index],
    );
    return rows[0]?.hash;
  }

  async #compareNodes(created: readonly NodeRecord[]): Promise<void> {
    if (created.length === 0) return;
    const where = (node: NodeRecord) =>
      `node (level ${node.level}, index ${node.index}), leaves [${node.index * 2 ** node.level}, ${(node.index + 1) * 2 ** node.level})`;
    // Interior nodes, read the way proofs, tiles and the checkpointer read them. Leaves are the
    // entries' own hashes, checked already.
    const interior = created.filter((n) => n.level > 0);
    const found = await lookupNodeHashes(this.#client, interior);
    interior.forEach((node, i) => {
      const hash = found[i];
      if (!hash) this.#find({ problem: 'NODE_MISSING', detail: `${where(node)} is not stored` });
      else if (!sameBytes(hash, node.hash)) {
        this.#find({
          problem: 'NODE_MISMATCH',
          detail: `${where(node)}: stored ${hex(hash)}, recomputed ${hex(node.hash)}`,
        });
      }
    });
    // The retired one-row-per-node table: nothing reads it any more, but what it holds must
    // still be right (it is part of the append-only record). Usually empty.
    const { rows } = await this.#client.query<{ level: number; idx: number; hash: Uint8Array }>(
      'SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))',
      [created.map((n) => n.level), created.map((n) => n.index)],
    );
    const retired = new Map(rows.map((r) => [`${r.level}/${r.idx}`, r.hash]));
    for (const node of created) {
      const hash = retired.get(`${node.level}/${node.index}`);
      if (hash && !sameBytes(hash, node.hash)) {
        this.#find({
          problem: 'NODE_MISMATCH',
          ...(node.level === 0 ? { index: node.index } : {}),
          detail: `${where(node)} in ledger_nodes (retired): stored ${hex(hash)}, recomputed ${hex(node.hash)}`,
        });
      }
    }
  }

  /**
   * Runs of one level must not overlap: readers take a node from the run that starts last at or
   * before it, so an overlapped copy would be stored but never checked by the comparison above.
   */
  async #runLayout(): Promise<void> {
    let after: [number, number] = [0, -1];
    let level = 0;
    let reached = 0;
    for (;;) {
      const { rows } = await this.#client.query<{ level: number; idx: number; count: number }>(
        `SELECT level, idx, length(hashes) / 32 AS count FROM ledger_node_runs
          WHERE (level, idx) > ($1, $2) ORDER BY level, idx LIMIT $3`,
        [after[0], after[1], this.#chunk],
      );
      for (const run of rows) {
        if (run.level !== level) {
          level = run.level;
          reached = 0;
        }
        if (run.idx < reached) {
          this.#find({
            problem: 'NODE_DUPLICATE',
            detail: `the run of level ${run.level} nodes ${run.idx}..${run.idx + run.count - 1} overlaps the one before it, which reaches ${reached - 1}`,
          });
        }
        reached = Math.max(reached, run.idx + run.count);
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < this.#chunk) return;
      after = [last.level, last.idx];
    }
  }

  #checkpoint(row: CheckpointRow, root: Uint8Array): void {
    this.#report.checkpoints++;
    this.#report.latestCheckpointSize = row.size;
    if (!sameBytes(row.root, root)) {
      this.#find({
        problem: 'CHECKPOINT_ROOT_MISMATCH',
        detail: `the checkpoint of size ${row.size} has root ${hex(row.root)}; the entries give ${hex(root)}`,
      });
    }
    let parsed: { size: number; rootHash: Uint8Array };
    try {
      parsed = this.#verifier
        ? openCheckpoint(row.note, [this.#verifier]).checkpoint
        : openCheckpoint(row.note, [acceptAny(row.note)]).checkpoint;
    } catch (error) {
      this.#find({
        problem: 'CHECKPOINT_SIGNATURE_INVALID',
        detail: `the checkpoint of size ${row.size}: ${isLedgerError(error) ? error.message : String(error)}`,
      });
      return;
    }
    if (parsed.size !== row.size || !sameBytes(parsed.rootHash, row.root)) {
      this.#find({
        problem: 'CHECKPOINT_SIGNATURE_INVALID',
        detail: `the signed note of checkpoint ${row.size} says size ${parsed.size}, root ${hex(parsed.rootHash)}`,
      });
    }
  }

  async #beyondHead(size: number): Promise<void> {
    const entries = await this.#client.query<{ idx: number }>(
      'SELECT idx FROM ledger_entries WHERE idx >= $1 ORDER BY idx LIMIT 100',
      [size],
    );
    for (const { idx } of entries.rows) {
      this.#find({
        problem: 'ENTRY_BEYOND_HEAD',
        index: idx,
        detail: `entry ${idx} exists, the head has size ${size}`,
      });
    }
    const extras = await this.#client.query<{ idx: number; what: string }>(
      `SELECT idx, 'a robot chain link' AS what FROM robot_chain_links WHERE idx >= $1 ORDER BY idx LIMIT 100`,
      [size],
    );
    for (const { idx, what } of extras.rows) {
      this.#find({
        problem: 'ENTRY_BEYOND_HEAD',
        index: idx,
        detail: `${what} of entry ${idx} is stored, the head has size ${size}`,
      });
    }
    const nodes = await this.#client.query<{ level: number; idx: number }>(
      `SELECT level, idx FROM ledger_nodes
        WHERE (idx + 1)::numeric * power(2::numeric, level) > $1 ORDER BY level, idx LIMIT 100`,
      [size],
    );
    for (const { level, idx } of nodes.rows) {
      this.#find({
        problem: 'NODE_BEYOND_HEAD',
        detail: `node (level ${level}, index ${idx}) in ledger_nodes (retired) covers leaves beyond the head size ${size}`,
      });
    }
    // A run reaches beyond the head if its last node does: (idx + count)·2^level > size.
    const runs = await this.#client.query<{ level: number; idx: number; count: number }>(
      `SELECT level, idx, length(hashes) / 32 AS count FROM ledger_node_runs
        WHERE (idx + length(hashes) / 32)::numeric * power(2::numeric, level) > $1 ORDER BY level, idx LIMIT 100`,
      [size],
    );
    for (const { level, idx, count } of runs.rows) {
      this.#find({
        problem: 'NODE_BEYOND_HEAD',
        detail: `the run of level ${level} nodes ${idx}..${idx + count - 1} covers leaves beyond the head size ${size}`,
      });
    }
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Dotted paths where two JSON values differ (at most 20). */
export function differingFields(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 20) return out;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) differingFields(a[key], b[key], path ? `${path}.${key}` : key, out);
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || '(the whole entry)');
  return out;
}

/** Without the log's key, a note is only parsed: a verifier that accepts the log's own line. */
function acceptAny(note: string) {
  const first = parseNote(note).signatures[0];
  return { name: first?.name ?? '', keyHash: first?.keyHash ?? 0, verify: () => true };
}
