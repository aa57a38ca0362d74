// The checkpointer: signs a C2SP checkpoint (origin, size, root) of the committed tree at most
// `delayMs` (one second) after the first commit that is not yet checkpointed, and stores it in
// ledger_checkpoints. Before signing it checks that the stored tree still extends the last
// checkpoint it can find (an RFC 9162 consistency proof from the stored nodes, and the head's
// root recomputed from them): the log never signs a history that contradicts what it signed
// before, so rewriting the database halts checkpointing loudly instead of being countersigned.
import { PlatformError } from '../../core/errors.js';
import {
  consistencyProofNodes,
  formatCheckpoint,
  isLedgerError,
  type NodeId,
  openCheckpoint,
  rehashProof,
  rootFromNodeHashes,
  signNote,
  treeRootNodes,
  verifyConsistency,
} from '../../ledger/index.js';
import type { Database, SqlClient } from '../db/sql-client.js';
import type { LedgerKey } from './ledger-key.js';
import { fetchNodeHashes, readHead, sameBytes } from './ledger-nodes.js';
import type { CommittedTree } from './ledger-writer.js';

/** A signed checkpoint as stored. */
export interface StoredCheckpoint {
  size: number;
  root: Uint8Array;
  /** The C2SP signed note exactly as the log signed it. */
  note: string;
  signedAt: Date;
}

/** The stored tree contradicts a checkpoint the log already signed. */
export class LedgerIntegrityError extends Error {
  override readonly name = 'LedgerIntegrityError';
}

/**
 * The one timer the checkpointer waits on. Real timers by default; tests pass their own to move
 * time on by hand, so "within a second" is checked without waiting for one. A callback's
 * promise settles when the checkpoint it started is stored (or has failed and been reported).
 */
export interface CheckpointTimers {
  setTimeout(callback: () => Promise<void>, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** setTimeout, unref'd: a pending checkpoint does not keep the process alive (close() signs it). */
const REAL_TIMERS: CheckpointTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface CheckpointerOptions {
  /** Most time from the first uncheckpointed commit to its checkpoint (default 1000 ms). */
  delayMs?: number;
  clock?: () => Date;
  timers?: CheckpointTimers;
  /** Where failures of background checkpoints go (default: stderr). */
  onError?: (error: unknown) => void;
}

export class LedgerCheckpointer {
  readonly #db: Database;
  readonly #key: LedgerKey;
  readonly #delayMs: number;
  readonly #clock: () => Date;
  readonly #timers: CheckpointTimers;
  #onError: (error: unknown) => void;
  #timer: unknown;
  /** Largest size known to be checkpointed. */
  #signedSize = -1;
  /** Largest committed size this process was told about. */
  #committedSize = -1;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;
  #warnedForeign = false;
  #signing = true;
  #failures = 0;

  constructor(db: Database, key: LedgerKey, options: CheckpointerOptions = {}) {
    this.#db = db;
    this.#key = key;
    this.#delayMs = options.delayMs ?? 1000;
    this.#clock = options.clock ?? (() => new Date());
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#onError =
      options.onError ??
      ((error) => process.stderr.write(`roboledger: ledger checkpoint failed: ${describe(error)}\n`));
  }

  /** The log's key: its name is the origin line, its verifier key is published. */
  get key(): LedgerKey {
    return this.#key;
  }

  get origin(): string {
    return this.#key.name;
  }

  /**
   * Whether this process signs: in a cluster only the leader does (leader-duties.ts), so two
   * nodes never race to sign; a node that is not the leader still commits, and the leader
   * checkpoints its commits by following the head. True by default (one process).
   */
  get signing(): boolean {
    return this.#signing;
  }

  set signing(on: boolean) {
    this.#signing = on;
    if (!on && this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Checkpoints that failed (background or on demand) since the process started: a metric. */
  get failures(): number {
    return this.#failures;
  }

  /** Sends background failures elsewhere (the server's logger). */
  set onError(handler: (error: unknown) => void) {
    this.#onError = handler;
  }

  /** Called after each commit (LedgerWriter onCommit): schedules a checkpoint within delayMs. */
  notify(tree: CommittedTree): void {
    if (tree.size > this.#committedSize) this.#committedSize = tree.size;
    if (!this.#signing || this.#closed || tree.size <= this.#signedSize || this.#timer !== undefined) return;
    // Debounced from the first uncheckpointed commit, not the last: a steady stream of appends
    // still gets a checkpoint every delayMs.
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      return this.checkpointNow().then(
        () => {},
        (error) => this.#onError(error),
      );
    }, this.#delayMs);
  }

  /** At start-up: checkpoints at once whatever was committed but not yet checkpointed. */
  async start(): Promise<void> {
    this.#closed = false;
    if (this.#signing) await this.checkpointNow();
  }

  /** Signs and stores a checkpoint of the current head now (or returns the existing one). */
  checkpointNow(): Promise<StoredCheckpoint> {
    const run = this.#chain.then(() => this.#checkpoint());
    this.#chain = run.catch(() => {
      this.#failures++;
    });
    return run;
  }

  /** Stops the timer and checkpoints anything committed since the last checkpoint. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#signing && this.#committedSize > this.#signedSize) {
      await this.checkpointNow().catch((error) => this.#onError(error));
    }
    await this.#chain;
  }

  /** The latest stored checkpoint, or undefined if the log has none yet. */
  async latest(client: SqlClient = this.#db): Promise<StoredCheckpoint | undefined> {
    const { rows } = await client.query<CheckpointRow>(
      'SELECT size, root, note, signed_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1',
    );
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  /** The stored checkpoint of exactly `size`, if the log signed one. */
  async at(size: number, client: SqlClient = this.#db): Promise<StoredCheckpoint | undefined> {
    const { rows } = await client.query<CheckpointRow>(
      'SELECT size, root, note, signed_at FROM ledger_checkpoints WHERE size = $1',
      [size],
    );
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  /** The latest checkpoint, signing one first if the log has none or it is behind the head. */
  /**
   * The latest checkpoint; one is signed only if the log has none yet. Readers get a checkpoint
   * at most delayMs old: signing on every read would let anyone make the log write.
   */
  async current(): Promise<StoredCheckpoint> {
    return (await this.latest()) ?? this.checkpointNow();
  }

  /** How many of the latest stored checkpoints are searched for one signed by this log's key. */
  static readonly SEARCH_DEPTH = 50;

  /**
   * The latest stored checkpoint signed by this log's key, from its note (the root column is
   * not what the log vouched for). Checkpoints by another key are skipped with one warning: a
   * row anyone could insert must not stop the log, and a rewrite is still measured against
   * the log's own last checkpoint.
   */
  async #lastOwnCheckpoint(): Promise<
    { stored: StoredCheckpoint; size: number; rootHash: Uint8Array } | undefined
  > {
    const { rows } = await this.#db.query<CheckpointRow>(
      'SELECT size, root, note, signed_at FROM ledger_checkpoints ORDER BY size DESC LIMIT $1',
      [LedgerCheckpointer.SEARCH_DEPTH],
    );
    let foreign = 0;
    for (const row of rows) {
      try {
        const { checkpoint } = openCheckpoint(row.note, [this.#key.verifier], { origin: this.origin });
        this.#warnForeign(foreign);
        return { stored: toStored(row), size: checkpoint.size, rootHash: checkpoint.rootHash };
      } catch {
        foreign++;
      }
    }
    this.#warnForeign(foreign);
    return undefined;
  }

  #warnForeign(count: number): void {
    if (count === 0 || this.#warnedForeign) return;
    this.#warnedForeign = true;
    this.#onError(
      new LedgerIntegrityError(
        `${count} of the latest stored checkpoints do not verify with this log's key ${this.#key.verifierKey}: ` +
          'is another ledger key in use on this database, or were rows forged?',
      ),
    );
  }

  async #checkpoint(): Promise<StoredCheckpoint> {
    const head = await readHead(this.#db);
    const own = await this.#lastOwnCheckpoint();
    const previous = own && { size: own.size, rootHash: own.rootHash };
    if (own && previous) {
      const latest = own.stored;
      if (previous.size > head.size) {
        throw new LedgerIntegrityError(
          `the ledger head (size ${head.size}) is behind the checkpoint of size ${previous.size}: refusing to sign a rollback`,
        );
      }
      if (previous.size === head.size) {
        if (!sameBytes(previous.rootHash, head.root)) {
          throw new LedgerIntegrityError(
            `the ledger head of size ${head.size} has another root than the checkpoint of that size`,
          );
        }
        this.#noteSigned(head.size);
        return latest;
      }
    }
    // The head row must agree with the stored nodes, and they with the previous checkpoint.
    const root = rootFromNodeHashes(await this.#storedNodes(treeRootNodes(head.size), head.size));
    if (!sameBytes(root, head.root)) {
      throw new LedgerIntegrityError(
        `the ledger head's root does not match the stored tree of size ${head.size}`,
      );
    }
    if (previous && previous.size > 0) {
      const nodes = consistencyProofNodes(previous.size, head.size);
      const proof = rehashProof(nodes, await this.#storedNodes(nodes.ids, head.size));
      try {
        verifyConsistency(previous.size, head.size, proof, previous.rootHash, root);
      } catch (error) {
        throw new LedgerIntegrityError(
          `the stored tree of size ${head.size} does not extend the checkpoint of size ${previous.size}: ` +
            'the ledger was rewritten; refusing to sign',
          { cause: error },
        );
      }
    }
    const note = signNote(formatCheckpoint({ origin: this.origin, size: head.size, rootHash: root }), [
      this.#key.signer,
    ]);
    // Several processes may checkpoint the same size: the first row stays (same key, same
    // root: Ed25519 is deterministic, so it is the same note anyway).
    await this.#db.query(
      `INSERT INTO ledger_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (size) DO NOTHING`,
      [head.size, root, note, this.#clock()],
    );
    const stored = await this.at(head.size);
    if (!stored)
      throw new PlatformError('INTERNAL_INVARIANT', `checkpoint ${head.size} vanished after it was written`);
    if (stored.note !== note) {
      // Same key, same tree: same note (Ed25519 is deterministic). Anything else is another key.
      throw new LedgerIntegrityError(
        `the database already holds a different checkpoint of size ${head.size}: ` +
          'two processes with different ledger keys share this database?',
      );
    }
    this.#noteSigned(head.size);
    return stored;
  }

  async #storedNodes(ids: readonly NodeId[], size: number): Promise<Uint8Array[]> {
    try {
      return await fetchNodeHashes(this.#db, ids);
    } catch (error) {
      if (!isLedgerError(error) || error.code !== 'NODE_MISSING') throw error;
      throw new LedgerIntegrityError(`the stored tree of size ${size} is incomplete: ${error.message}`, {
        cause: error,
      });
    }
  }

  #noteSigned(size: number): void {
    if (size > this.#signedSize) this.#signedSize = size;
  }
}

interface CheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
  signed_at: Date;
}

function toStored(row: CheckpointRow): StoredCheckpoint {
  return { size: row.size, root: row.root, note: row.note, signedAt: row.signed_at };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A checkpoint note with witness cosignature lines appended (C2SP tlog-cosignature: cosignatures
 * are further signature lines of the same note). Lines are sorted, so the output is stable.
 */
export function noteWithCosignatures(note: string, signatureLines: readonly string[]): string {
  const lines = [...signatureLines].map((l) => (l.endsWith('\n') ? l : `${l}\n`)).sort();
  return note + lines.join('');
}
