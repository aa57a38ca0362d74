// The ledger's sequencer: every write of the platform runs as a unit of work through here,
// so that a record and its ledger leaf commit in one transaction ("no record without its
// leaf, no leaf without its record") and leaf indices stay gapless.
//
// Group commit: units of work that arrive while a transaction is in flight are run together
// in the next one, each inside its own SAVEPOINT so one refused unit does not undo the
// others, and the whole group costs one COMMIT (one WAL flush). The head row lock makes this
// safe with several processes on one PostgreSQL: they take turns, and a process whose
// in-memory frontier is behind the head reloads it.
import { leafHash, MerkleFrontier, type NodeRecord, treeRootNodes } from '../../ledger/index.js';
import type { Database, SqlClient } from '../db/sql-client.js';

/** Which stored record a ledger entry is of; audit follows it back. */
export interface LedgerRecordRef {
  kind: string;
  id: string;
}

export interface LedgerAppender {
  /** The index the next append in this unit of work will get. */
  readonly nextIndex: number;
  /** Adds a leaf for `record` with the exact entry bytes; returns its index. */
  append(record: LedgerRecordRef, entry: Uint8Array): number;
}

export type UnitOfWork<T> = (tx: SqlClient, ledger: LedgerAppender) => Promise<T>;

export interface CommittedTree {
  size: number;
  root: Uint8Array;
}

interface PendingLeaf {
  index: number;
  entry: Uint8Array;
  leafHash: Uint8Array;
  record: LedgerRecordRef;
}

interface Job {
  work: UnitOfWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface LedgerWriterOptions {
  /** Most units of work in one transaction. */
  maxBatch?: number;
  /** Called after each commit that grew the tree. */
  onCommit?: (tree: CommittedTree) => void;
  now?: () => Date;
}

export class LedgerWriter {
  readonly #db: Database;
  readonly #maxBatch: number;
  readonly #onCommit: ((tree: CommittedTree) => void) | undefined;
  readonly #now: () => Date;
  #queue: Job[] = [];
  #running = false;
  #frontier: MerkleFrontier | undefined;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #settleIdle: () => void = () => {};

  constructor(db: Database, options: LedgerWriterOptions = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 512;
    this.#onCommit = options.onCommit;
    this.#now = options.now ?? (() => new Date());
  }

  /** Runs `work` in a group-committed transaction; resolves once it is durable. */
  run<T>(work: UnitOfWork<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the ledger writer is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        work: work as UnitOfWork<unknown>,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      if (!this.#running) void this.#drain();
    });
  }

  /** The tree as of the last commit this process made or saw. */
  async head(client: SqlClient = this.#db): Promise<CommittedTree> {
    const { rows } = await client.query<{ size: number; root: Uint8Array }>(
      'SELECT size, root FROM ledger_head',
    );
    const row = rows[0];
    if (!row) throw new Error('ledger_head is missing: were the migrations applied?');
    return { size: row.size, root: row.root };
  }

  /** Waits for queued work to finish, then refuses more. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#idle;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    this.#idle = new Promise((resolve) => {
      this.#settleIdle = resolve;
    });
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        await this.#commitBatch(batch);
      }
    } finally {
      this.#running = false;
      this.#settleIdle();
    }
  }

  async #commitBatch(batch: Job[]): Promise<void> {
    const outcomes = new Map<Job, { ok: true; value: unknown } | { ok: false; error: unknown }>();
    let committed: CommittedTree | undefined;
    try {
      committed = await this.#db.transaction(async (tx) => {
        const head = await tx.query<{ size: number }>('SELECT size FROM ledger_head FOR UPDATE');
        const size = head.rows[0]?.size ?? 0;
        const frontier = await this.#frontierAt(tx, size);
        const pending: PendingLeaf[] = [];
        const appender: LedgerAppender = {
          get nextIndex() {
            return size + pending.length;
          },
          append(record, entry) {
            const index = size + pending.length;
            pending.push({ index, entry, leafHash: leafHash(entry), record });
            return index;
          },
        };
        const useSavepoints = batch.length > 1;
        for (const job of batch) {
          const mark = pending.length;
          if (useSavepoints) await tx.query('SAVEPOINT unit_of_work');
          try {
            const value = await job.work(tx, appender);
            if (useSavepoints) await tx.query('RELEASE SAVEPOINT unit_of_work');
            outcomes.set(job, { ok: true, value });
          } catch (error) {
            if (!useSavepoints) throw error;
            await tx.query('ROLLBACK TO SAVEPOINT unit_of_work');
            pending.length = mark;
            outcomes.set(job, { ok: false, error });
          }
        }
        if (pending.length === 0) return undefined;
        const nodes: NodeRecord[] = [];
        for (const leaf of pending) nodes.push(...frontier.append(leaf.leafHash));
        await this.#insertLeaves(tx, pending);
        await this.#insertNodes(tx, nodes);
        const root = frontier.root();
        await tx.query('UPDATE ledger_head SET size = $1, root = $2', [frontier.size, root]);
        return { size: frontier.size, root };
      });
    } catch (error) {
      // The transaction did not commit: nothing of this batch is durable. The frontier may
      // have run ahead of the database; drop it so the next batch reloads it.
      this.#frontier = undefined;
      for (const job of batch) {
        const outcome = outcomes.get(job);
        job.reject(outcome && !outcome.ok ? outcome.error : error);
      }
      return;
    }
    if (committed) this.#onCommit?.(committed);
    for (const job of batch) {
      const outcome = outcomes.get(job)!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    }
  }

  async #frontierAt(tx: SqlClient, size: number): Promise<MerkleFrontier> {
    if (this.#frontier && this.#frontier.size === size) return this.#frontier;
    const ids = treeRootNodes(size);
    const hashes = new Map<string, Uint8Array>();
    if (ids.length > 0) {
      const { rows } = await tx.query<{ level: number; idx: number; hash: Uint8Array }>(
        'SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))',
        [ids.map((n) => n.level), ids.map((n) => n.index)],
      );
      for (const row of rows) hashes.set(`${row.level}/${row.idx}`, row.hash);
    }
    this.#frontier = MerkleFrontier.fromNodes(size, (id) => hashes.get(`${id.level}/${id.index}`));
    return this.#frontier;
  }

  async #insertLeaves(tx: SqlClient, leaves: PendingLeaf[]): Promise<void> {
    const at = this.#now();
    await tx.query(
      `INSERT INTO ledger_entries (idx, entry, leaf_hash, record_kind, record_id, appended_at)
       SELECT *, $6::timestamptz FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[])`,
      [
        leaves.map((l) => l.index),
        leaves.map((l) => l.entry),
        leaves.map((l) => l.leafHash),
        leaves.map((l) => l.record.kind),
        leaves.map((l) => l.record.id),
        at,
      ],
    );
  }

  async #insertNodes(tx: SqlClient, nodes: NodeRecord[]): Promise<void> {
    await tx.query(
      'INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])',
      [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => n.hash)],
    );
  }
}
