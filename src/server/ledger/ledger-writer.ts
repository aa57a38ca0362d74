// The ledger's sequencer: every write of the platform runs as a unit of work through here,
// so that a record and its ledger leaf commit in one transaction ("no record without its
// leaf, no leaf without its record") and leaf indices stay gapless.
//
// Group commit: units of work that arrive while a transaction is in flight are run together
// in the next one, each inside its own SAVEPOINT so one refused unit does not undo the
// others, and the whole group costs one COMMIT (one WAL flush). The head row lock makes this
// safe with several processes on one PostgreSQL: they take turns, and a process whose
// in-memory frontier is behind the head reloads it.
//
// A group's leaves, the interior nodes they complete and the new head are written by ONE
// call of ledger_append (migration 0007), conditional on the head it started from (ledger-group-write.ts). A
// group of pure appends (appendEntries) whose frontier this process already holds is that call
// alone, in a transaction of its own: no BEGIN, locking SELECT or COMMIT round trips; and up to
// two such groups are in the database at once (#launchAppends). A unit of work may also run in
// a transaction of its own, with writes before the head lock (runWithPrelude: telemetry).
//
// Whoever grows the in-memory frontier without holding the head lock (#launchAppends does,
// speculatively) can leave it ahead of the head: so it is used only once its size and root are
// checked against the head read under the lock, and reloaded from the stored nodes otherwise.
import { PlatformError } from '../../core/errors.js';
import {
  type ChainHeadLine,
  type ChainName,
  leafHash,
  MerkleFrontier,
  treeRootNodes,
} from '../../ledger/index.js';
import type { Database, SqlClient } from '../db/sql-client.js';
import {
  appendToFrontier,
  type LeafChainLink,
  type LeafOpening,
  type PendingLeaf,
  writeLedgerGroup,
} from './ledger-group-write.js';
import { fetchNodeHashes } from './ledger-nodes.js';

/**
 * Most pure-append writes in the database at once (#launchAppends): two keep both sides busy,
 * this process hashing and encoding the next batch while PostgreSQL stores the previous one.
 */
const MAX_APPENDS_IN_FLIGHT = 2;

/** Most robot chain heads the writer keeps (about 150 bytes each); past it, it starts afresh. */
const MAX_CACHED_CHAIN_HEADS = 200_000;

/** Which stored record a ledger entry is of; audit follows it back. */
export interface LedgerRecordRef {
  kind: string;
  id: string;
}

export interface LedgerAppender {
  /** The index the next append in this unit of work will get. */
  readonly nextIndex: number;
  /**
   * Adds a leaf for `record` with the exact entry bytes, its opening and its place in a robot's
   * chain (record-kinds.ts makes all three); returns its index.
   */
  append(record: LedgerRecordRef, entry: Uint8Array, extras?: LeafExtras): number;
  /**
   * What this writer knows of a robot chain's head without asking the database: the last leaf
   * of the chain appended in this transaction and not yet written (other units of the same
   * group commit may have appended it); else the head as of the tree this transaction grows,
   * if the writer knows it (`null`: the chain has no link yet); else undefined (ask the
   * database, then tell the writer with rememberChainHead).
   */
  knownChainHead(robot: string, chain: ChainName): ChainHeadLine | null | undefined;
  /** Records a chain head read from the database under the head lock (null: no link yet). */
  rememberChainHead(robot: string, chain: ChainName, head: ChainHeadLine | null): void;
}

export interface LeafExtras {
  opening?: LeafOpening;
  chain?: LeafChainLink;
}

export type UnitOfWork<T> = (tx: SqlClient, ledger: LedgerAppender) => Promise<T>;

export interface CommittedTree {
  size: number;
  root: Uint8Array;
}

interface Job {
  /** A unit of work (run); it runs in a SAVEPOINT when the batch has others. */
  work?: UnitOfWork<unknown>;
  /**
   * Or pure appends (appendEntries), leaf hashes computed when queued, outside the
   * transaction: no SQL of their own, so no SAVEPOINT and nothing that can fail.
   */
  appends?: PendingLeaf[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** One entry for appendEntries. */
export interface LedgerAppend {
  record: LedgerRecordRef;
  entry: Uint8Array;
  /** The opening of the entry's commitment (none chains: a chained record needs a unit of work). */
  opening?: LeafOpening;
}

export interface LedgerWriterOptions {
  /**
   * The record kinds this writer may append (features/ledgered-records.ts, the list audit
   * rebuilds entries with): any other kind is refused, so nothing is logged that audit cannot check.
   */
  recordKinds: { has(kind: string): boolean };
  /** Most units of work in one transaction. */
  maxBatch?: number;
  /** Most pure appends (appendEntries calls) in one transaction, besides those units. */
  maxAppendBatch?: number;
  /** Called after each commit that grew the tree. */
  onCommit?: (tree: CommittedTree) => void;
  now?: () => Date;
}

export class LedgerWriter {
  readonly #db: Database;
  readonly #recordKinds: { has(kind: string): boolean };
  readonly #maxBatch: number;
  readonly #maxAppendBatch: number;
  readonly #onCommit: ((tree: CommittedTree) => void) | undefined;
  readonly #now: () => Date;
  #queue: Job[] = [];
  #running = false;
  #frontier: MerkleFrontier | undefined;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #settleIdle: () => void = () => {};
  /** Pipelined append writes not yet settled, oldest first (#launchAppends). */
  #inFlight: Promise<void>[] = [];
  /** Settles when the latest launched append write has been applied. */
  #settledLaunches: Promise<void> = Promise.resolve();
  /** Jobs of append writes that met another head: they go first again, the locked way. */
  #requeued: Job[] = [];
  /** runWithPrelude transactions in flight: close() waits for them. */
  #soloRuns = new Set<Promise<unknown>>();
  /**
   * Robot chain heads as of the tree #frontier holds (key `robot/chain`; null: no link). They
   * belong to that tree, not to a time: whenever the frontier is taken as the head's (its size
   * AND root read under the lock), so are they; whenever it is reloaded (another process wrote,
   * or a write failed), they are dropped with it. So a telemetry group does not read its robots'
   * batch-chain heads from the database, a round trip per group, except the first time.
   */
  #chainHeads = new Map<string, ChainHeadLine | null>();

  constructor(db: Database, options: LedgerWriterOptions) {
    this.#db = db;
    this.#recordKinds = options.recordKinds;
    this.#maxBatch = options.maxBatch ?? 512;
    this.#maxAppendBatch = options.maxAppendBatch ?? 4096;
    this.#onCommit = options.onCommit;
    this.#now = options.now ?? (() => new Date());
  }

  /** Runs `work` in a group-committed transaction; resolves once it is durable. */
  run<T>(work: UnitOfWork<T>): Promise<T> {
    return this.#enqueue({ work: work as UnitOfWork<unknown> });
  }

  /**
   * Runs `work` in a transaction of its own, not grouped with others, after `prelude` ran in
   * the same transaction BEFORE the ledger's head lock is taken: the prelude is for writes that
   * need no place in the log's order (bulk-loading rows the unit then logs), so that they run
   * while another transaction holds the lock instead of lengthening the time it is held. Two
   * calls may be in flight at once: the second's prelude overlaps the first's locked part.
   * Resolves once committed; if anything throws, nothing of it is written.
   */
  runWithPrelude<T>(prelude: (tx: SqlClient) => Promise<void>, work: UnitOfWork<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    const run = this.#runSolo(prelude, work);
    this.#soloRuns.add(run);
    const forget = () => this.#soloRuns.delete(run);
    run.then(forget, forget);
    return run;
  }

  async #runSolo<T>(prelude: (tx: SqlClient) => Promise<void>, work: UnitOfWork<T>): Promise<T> {
    let tree: CommittedTree | undefined;
    try {
      const value = await this.#db.transaction(async (tx) => {
        await prelude(tx);
        const locked = await tx.query<{ size: number; root: Uint8Array }>(
          'SELECT size, root FROM ledger_head FOR UPDATE',
        );
        const from = locked.rows[0];
        if (!from) throw missingHead();
        let frontier = await this.#frontierAt(tx, from);
        const pending: PendingLeaf[] = [];
        const result = await work(tx, this.#appender(from.size, pending));
        if (pending.length > 0) {
          // Pipelined pure appends (#launchAppends) may have grown this process's frontier
          // while `work` ran, ahead of the head this transaction holds: then start again from
          // the head (their writes will find this one's head and go again the locked way).
          if (frontier.size !== from.size || Buffer.compare(frontier.root(), from.root) !== 0) {
            frontier = await this.#frontierAt(tx, from);
          }
          const nodes = this.#advance(frontier, from.size, pending);
          tree = { size: frontier.size, root: frontier.root() };
          if (!(await writeLedgerGroup(tx, from, pending, nodes, tree, this.#now()))) {
            throw headMoved(from.size);
          }
        }
        return result;
      });
      if (tree) this.#onCommit?.(tree);
      return value;
    } catch (error) {
      // Not committed: the frontier may have run ahead of the database.
      if (tree) this.#frontier = undefined;
      throw error;
    }
  }

  /**
   * Appends entries whose records are already stored (or need no row, like digests), without
   * a unit of work of their own: no SAVEPOINT round trips, which at thousands of appends per
   * second cost more than the appends themselves. Resolves to their indices once durable.
   */
  appendEntries(items: readonly LedgerAppend[]): Promise<number[]> {
    let appends: PendingLeaf[];
    try {
      appends = items.map(({ record, entry, opening }) => ({ ...this.#leaf(record, entry), opening }));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue({ appends });
  }

  /**
   * The appender a transaction's units of work share: leaves go to `pending` (whose length a
   * refused unit's SAVEPOINT rollback cuts back), the first at index `size`.
   */
  #appender(size: number, pending: PendingLeaf[]): LedgerAppender {
    return {
      get nextIndex() {
        return size + pending.length;
      },
      append: (record, entry, extras) => {
        pending.push({ ...this.#leaf(record, entry), opening: extras?.opening, chain: extras?.chain });
        return size + pending.length - 1;
      },
      // A scan from the end: a group holds at most a few thousand leaves, and a unit looks up
      // the robots it writes about once each. Reading `pending` itself (not a map kept beside
      // it) stays right when a rollback cuts it back.
      knownChainHead: (robot, chain) => {
        for (let i = pending.length - 1; i >= 0; i--) {
          const link = pending[i]!.chain;
          if (link && link.robot === robot && link.chain === chain) {
            return { seq: link.seq, index: size + i, leafHash: pending[i]!.leafHash };
          }
        }
        return this.#chainHeads.get(`${robot}/${chain}`);
      },
      rememberChainHead: (robot, chain, head) => {
        if (this.#chainHeads.size >= MAX_CACHED_CHAIN_HEADS) this.#chainHeads = new Map();
        this.#chainHeads.set(`${robot}/${chain}`, head);
      },
    };
  }

  /**
   * Advances the frontier by the group's leaves (the tree it writes), and the chain heads with
   * it: both then stand for the tree `to`, and are taken for the head's only once the head is
   * read as exactly that tree (#frontierAt).
   */
  #advance(frontier: MerkleFrontier, size: number, pending: readonly PendingLeaf[]) {
    const nodes = appendToFrontier(frontier, pending);
    pending.forEach((leaf, i) => {
      if (leaf.chain) {
        this.#chainHeads.set(`${leaf.chain.robot}/${leaf.chain.chain}`, {
          seq: leaf.chain.seq,
          index: size + i,
          leafHash: leaf.leafHash,
        });
      }
    });
    return nodes;
  }

  /** A leaf for `record`, refused unless its kind is one audit knows and its entry is bytes. */
  #leaf(record: LedgerRecordRef, entry: Uint8Array): PendingLeaf {
    if (!this.#recordKinds.has(record.kind)) {
      throw new PlatformError(
        'INTERNAL_INVARIANT',
        `record kind ${record.kind} is not a ledgered record kind`,
      );
    }
    if (!(entry instanceof Uint8Array)) {
      throw new PlatformError('INTERNAL_INVARIANT', `ledger entry ${record.kind} ${record.id} is not bytes`);
    }
    return { record, entry, leafHash: leafHash(entry) };
  }

  #enqueue<T>(job: Pick<Job, 'work' | 'appends'>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        work: job.work,
        appends: job.appends,
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
    if (!row) throw missingHead();
    return { size: row.size, root: row.root };
  }

  /** Waits for queued work to finish, then refuses more. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([this.#idle, ...this.#soloRuns]);
  }

  async #drain(): Promise<void> {
    this.#running = true;
    this.#idle = new Promise((resolve) => {
      this.#settleIdle = resolve;
    });
    try {
      for (;;) {
        // Batches that settled as conflicts go first again, in their order, the locked way
        // (once every write in flight has settled: later ones conflict too, and queue behind).
        if (this.#requeued.length > 0 && this.#inFlight.length === 0) {
          this.#queue.unshift(...this.#requeued.splice(0));
        }
        if (this.#queue.length === 0) {
          const oldest = this.#inFlight.shift();
          if (!oldest) break;
          await oldest;
          continue;
        }
        if (this.#frontier && this.#queue[0]!.appends) {
          // Pure appends on a known frontier: pipelined, up to MAX_APPENDS_IN_FLIGHT writes.
          if (this.#inFlight.length >= MAX_APPENDS_IN_FLIGHT) {
            await this.#inFlight.shift();
            continue;
          }
          const batch = this.#queue.splice(0, this.#appendBatchLength());
          this.#inFlight.push(this.#launchAppends(batch, this.#frontier));
          continue;
        }
        // A unit of work takes the lock: every write in flight settles first.
        if (this.#inFlight.length > 0) {
          await this.#inFlight.shift();
          continue;
        }
        const batch = this.#queue.splice(0, this.#batchLength());
        await this.#commitBatch(batch);
      }
    } finally {
      this.#running = false;
      this.#settleIdle();
    }
  }

  /** How many queued jobs the next transaction takes: pure appends are cheap, so more of them. */
  #batchLength(): number {
    let units = 0;
    let appends = 0;
    let length = 0;
    for (const job of this.#queue) {
      if (job.work ? units++ >= this.#maxBatch : appends++ >= this.#maxAppendBatch) break;
      length++;
    }
    return Math.max(1, length);
  }

  /**
   * How many of the leading pure appends the next pipelined write takes: an even share of them
   * over the writes that may still be launched, so that while one is in the database the next
   * is being prepared (all at once would leave this process idle during the write, and the
   * database idle while it prepares the next).
   */
  #appendBatchLength(): number {
    let leading = 0;
    while (leading < this.#queue.length && !this.#queue[leading]!.work) leading++;
    const share = Math.ceil(leading / (MAX_APPENDS_IN_FLIGHT - this.#inFlight.length));
    return Math.max(1, Math.min(this.#maxAppendBatch, share));
  }

  async #commitBatch(batch: Job[]): Promise<void> {
    const outcomes = new Map<Job, { ok: true; value: unknown } | { ok: false; error: unknown }>();
    let committed: CommittedTree | undefined;
    try {
      committed = await this.#db.transaction(async (tx) => {
        const head = await tx.query<{ size: number; root: Uint8Array }>(
          'SELECT size, root FROM ledger_head FOR UPDATE',
        );
        const from = head.rows[0];
        if (!from) throw missingHead();
        const size = from.size;
        const frontier = await this.#frontierAt(tx, from);
        const pending: PendingLeaf[] = [];
        const appender = this.#appender(size, pending);
        // A unit of work that fails must not take the rest of the batch with it.
        const useSavepoints = batch.length > 1;
        for (const job of batch) {
          if (!job.work) {
            const first = size + pending.length;
            const appends = job.appends ?? [];
            const indices: number[] = [];
            for (let i = 0; i < appends.length; i++) {
              pending.push(appends[i]!);
              indices.push(first + i);
            }
            outcomes.set(job, { ok: true, value: indices });
            continue;
          }
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
        const nodes = this.#advance(frontier, size, pending);
        const tree = { size: frontier.size, root: frontier.root() };
        if (!(await writeLedgerGroup(tx, from, pending, nodes, tree, this.#now()))) {
          throw headMoved(size);
        }
        return tree;
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

  /**
   * A batch of pure appends, when this process knows the frontier: ONE statement in a
   * transaction of its own (autocommit: durable when it returns, like any COMMIT), instead of
   * BEGIN, a locking SELECT, the write and COMMIT. The write is conditional on the head still
   * being the tree it grows (size and root).
   *
   * Pipelined: the statement is sent at once, and the next batch is hashed and sent while this
   * one is in the database, its own condition being the tree this one makes. PostgreSQL runs
   * them in order: ledger_append's locking SELECT waits for the first to commit, then reads
   * the head it committed (a fresh snapshot per statement inside the function). The returned
   * promise settles after every earlier launch has: results are applied in order.
   *
   * If another process appended meanwhile, the write finds another head and writes nothing;
   * so does every write launched on top of it. Their jobs go back to the front of the queue
   * and take the locked way, the frontier reloaded.
   */
  #launchAppends(batch: Job[], frontier: MerkleFrontier): Promise<void> {
    const size = frontier.size;
    const pending: PendingLeaf[] = [];
    const indices: number[][] = [];
    for (const job of batch) {
      const first = size + pending.length;
      const appends = job.appends ?? [];
      indices.push(appends.map((_, i) => first + i));
      for (const leaf of appends) pending.push(leaf);
    }
    let write: Promise<'written' | 'conflict' | { error: unknown }>;
    let tree: CommittedTree | undefined;
    if (pending.length === 0) write = Promise.resolve('written');
    else {
      const from = { size, root: frontier.root() };
      const nodes = appendToFrontier(frontier, pending);
      const to = { size: frontier.size, root: frontier.root() };
      tree = to;
      write = writeLedgerGroup(this.#db, from, pending, nodes, to, this.#now()).then(
        (written) => (written ? 'written' : 'conflict'),
        (error: unknown) => ({ error }),
      );
    }
    const settled = this.#settledLaunches.then(async () => {
      const outcome = await write;
      if (outcome === 'written') {
        if (tree) this.#onCommit?.(tree);
        batch.forEach((job, i) => {
          job.resolve(indices[i]);
        });
        return;
      }
      // The frontier ran ahead of the database: drop it, so the next batch reloads it.
      this.#frontier = undefined;
      if (outcome === 'conflict') this.#requeued.push(...batch);
      else for (const job of batch) job.reject(outcome.error);
    });
    this.#settledLaunches = settled;
    return settled;
  }

  /**
   * The frontier of the tree `head`, read under its lock: this process's own if it is that tree
   * (size AND root: a frontier another path advanced for a write that then failed may have the
   * size of a tree someone else made), else loaded from the stored nodes.
   */
  async #frontierAt(tx: SqlClient, head: CommittedTree): Promise<MerkleFrontier> {
    const own = this.#frontier;
    if (own && own.size === head.size && Buffer.compare(own.root(), head.root) === 0) return own;
    // The frontier's nodes (leaves or interior nodes) by primary key (ledger-nodes.ts); the
    // chain heads known for the old frontier's tree are not this tree's.
    this.#chainHeads = new Map();
    this.#frontier = MerkleFrontier.fromHashes(
      head.size,
      await fetchNodeHashes(tx, treeRootNodes(head.size)),
    );
    return this.#frontier;
  }
}

function missingHead(): PlatformError {
  return new PlatformError('INTERNAL_INVARIANT', 'ledger_head is missing: were the migrations applied?');
}

function headMoved(size: number): PlatformError {
  return new PlatformError('INTERNAL_INVARIANT', `the ledger head moved from size ${size} while locked`);
}

function closedError(): PlatformError {
  return new PlatformError('NOT_READY', 'the ledger writer is closed');
}
