// The ingest pipeline shared by HTTP and MQTT: admission (a bounded number of batches and bytes
// in flight, beyond which the caller is told to come back: 429 + Retry-After, or MQTT flow
// control), routing to the robot's keys, signature and payload checks on worker threads, then
// group commit (telemetry-writer.ts). `submit` resolves only once the batch is durable.
import { ERROR_CODES, type ErrorCode, PlatformError } from '../../../core/errors.js';
import { acceptsTelemetry } from '../../../core/lifecycle.js';
import { TELEMETRY_LIMITS } from '../../../core/telemetry/index.js';
import { validateRobotId } from '../../../robot-id/index.js';
import type { AppContext } from '../../app-context.js';
import { sqlState } from '../../db/sql-client.js';
import { type BatchCheckInput, peekJwsHeader } from './batch-check.js';
import { DAY_MS, dayStart, PartitionManager } from './partitions.js';
import { type IngestRobot, RobotDirectory } from './robot-directory.js';
import { type RetiredIdentityEvidence, raiseRetiredIdAlert } from './telemetry-alert-writer.js';
import {
  INLINE_SAMPLE_BYTES,
  samplesInline,
  type TelemetryWriterState,
  type VerifiedBatch,
  type WriteOutcome,
  writeCopiedGroup,
  writeGroupSamples,
  writeTelemetryGroup,
} from './telemetry-writer.js';
import { VerifierPool } from './verifier-pool.js';

export interface TelemetryIngestOptions {
  /** Batches admitted but not yet acknowledged; beyond it, 429. */
  maxPending?: number;
  /** Bytes of JWS admitted but not yet acknowledged; beyond it, 429. */
  maxPendingBytes?: number;
  /** Most batches in one transaction. */
  maxGroupBatches?: number;
  /** Most samples in one transaction. */
  maxGroupSamples?: number;
  /** Raw retention in days; 0 keeps raw samples forever. */
  rawRetentionDays?: number;
  verifierThreads?: number;
}

export const INGEST_DEFAULTS = {
  maxPending: 20_000,
  maxPendingBytes: 256 * 1024 * 1024,
  maxGroupBatches: 4_000,
  maxGroupSamples: 20_000,
  rawRetentionDays: 30,
} as const;

/**
 * Inline group commits in flight at once (#drain): one being written, the next one's lock
 * request waiting in the database.
 */
const GROUPS_IN_FLIGHT = 2;

/** Thrown inside a group's transaction to roll it back and write the group the careful way. */
const REDO = Symbol('redo the group without its preloaded samples');

export interface IngestAck {
  accepted: number;
  duplicate: boolean;
  /** The batch's ledger leaf (absent for a duplicate). */
  ledgerIndex?: number;
}

/** What a batch of a group comes to: written, refused, or failed for the platform's reasons. */
type GroupOutcome = WriteOutcome | { status: 'failed'; error: PlatformError };

/**
 * Whether the database refused a VALUE (SQLSTATE class 22 data exception, class 23 integrity
 * violation): something in one batch of the group, found by writing the group again in parts.
 * Anything else (a lost connection, a shutdown, a deadlock) is the platform's, not a batch's.
 */
function refusedValue(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/**
 * Whether a refusal of a batch written ALONE is that batch's own fault: a value out of range or
 * malformed, a check or not-null constraint. A unique or foreign-key violation is not: the
 * checks under the ledger lock rule those out, so one means a fault of the platform.
 */
function batchAtFault(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state === '23514' || state === '23502');
}

/** A failure not attributable to any batch, as the error every batch of the group gets: retryable. */
function platformFailure(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const state = sqlState(error) ?? '';
  // Connection exceptions, operator intervention (shutdown), insufficient resources.
  if (state.startsWith('08') || state.startsWith('57') || state.startsWith('53')) {
    return new PlatformError(
      'NOT_READY',
      'the database is unavailable; send the batch again later',
      undefined,
      {
        cause: error,
      },
    );
  }
  return new PlatformError(
    'INTERNAL_ERROR',
    'the batch could not be stored for a fault of the platform; send it again later',
    undefined,
    { cause: error },
  );
}

interface Queued {
  batch: VerifiedBatch;
  resolve(ack: IngestAck): void;
  reject(error: unknown): void;
}

function platformError(code: string, message: string, details?: Record<string, unknown>): PlatformError {
  const known = code in ERROR_CODES ? (code as ErrorCode) : 'INTERNAL_ERROR';
  return new PlatformError(known, message, details);
}

export class TelemetryIngest {
  readonly #ctx: AppContext;
  readonly #verifier: VerifierPool;
  readonly #directory: RobotDirectory;
  readonly partitions: PartitionManager;
  readonly #options: Required<Omit<TelemetryIngestOptions, 'verifierThreads'>>;
  readonly #state: TelemetryWriterState = { robotsWithActiveAlerts: new Set() };
  #queue: Queued[] = [];
  #committing: Promise<void> | undefined;
  #pending = 0;
  #pendingBytes = 0;
  #closed = false;
  #alertHintsLoaded: Promise<void> | undefined;
  /** Groups being written again in parts after a refusal: no other group is formed meanwhile. */
  #isolating = 0;
  /** Recent commit time per batch, for Retry-After. */
  #lastCommitMs = 50;

  constructor(ctx: AppContext, options: TelemetryIngestOptions = {}) {
    this.#ctx = ctx;
    this.#options = {
      maxPending: options.maxPending ?? INGEST_DEFAULTS.maxPending,
      maxPendingBytes: options.maxPendingBytes ?? INGEST_DEFAULTS.maxPendingBytes,
      maxGroupBatches: options.maxGroupBatches ?? INGEST_DEFAULTS.maxGroupBatches,
      maxGroupSamples: options.maxGroupSamples ?? INGEST_DEFAULTS.maxGroupSamples,
      rawRetentionDays: options.rawRetentionDays ?? INGEST_DEFAULTS.rawRetentionDays,
    };
    this.#verifier = new VerifierPool(
      options.verifierThreads === undefined ? {} : { threads: options.verifierThreads },
    );
    this.#directory = new RobotDirectory(ctx.db, { now: () => ctx.clock().getTime() });
    this.partitions = new PartitionManager(ctx.db);
  }

  get rawRetentionDays(): number {
    return this.#options.rawRetentionDays;
  }

  /** Batches admitted and not yet acknowledged. */
  get pending(): number {
    return this.#pending;
  }

  /** Batches checked and waiting for the next group commit. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Whether a group is being committed (the queue then waits for it). */
  get committing(): boolean {
    return this.#committing !== undefined;
  }

  /** The oldest sample time accepted at `nowMs`: raw retention would drop anything older at once. */
  oldestAcceptedMs(nowMs: number): number {
    const days = this.#options.rawRetentionDays;
    return days > 0 ? dayStart(nowMs - days * DAY_MS) : Number.NEGATIVE_INFINITY;
  }

  /**
   * Checks and stores one batch; resolves after the commit, rejects with a coded
   * PlatformError for anything refused (nothing is written then).
   */
  async submit(jws: string, source: { topicRobotId?: string } = {}): Promise<IngestAck> {
    if (this.#closed) throw new PlatformError('NOT_READY', 'telemetry ingest is shutting down');
    if (jws.length > TELEMETRY_LIMITS.maxBatchBytes) {
      throw new PlatformError(
        'TELEMETRY_BATCH_TOO_LARGE',
        `a batch is at most ${TELEMETRY_LIMITS.maxBatchBytes} bytes`,
      );
    }
    if (
      this.#pending >= this.#options.maxPending ||
      this.#pendingBytes + jws.length > this.#options.maxPendingBytes
    ) {
      throw new PlatformError(
        'TELEMETRY_QUEUE_FULL',
        'the ingest queue is full; retry after the Retry-After delay',
        {
          retryAfterSeconds: this.retryAfterSeconds(),
        },
      );
    }
    this.#pending++;
    this.#pendingBytes += jws.length;
    try {
      return await this.#process(jws, source);
    } finally {
      this.#pending--;
      this.#pendingBytes -= jws.length;
    }
  }

  /** Seconds a refused caller should wait: about the time to drain what is queued. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.min(30, Math.ceil((this.#pending * this.#lastCommitMs) / 1000 / 500)));
  }

  async #process(jws: string, source: { topicRobotId?: string }): Promise<IngestAck> {
    const header = peekJwsHeader(jws);
    if (!header)
      throw new PlatformError('TELEMETRY_MALFORMED_JWS', 'the body is not a compact JWS with a JSON header');
    if (header.alg !== 'EdDSA') {
      throw new PlatformError('TELEMETRY_UNSUPPORTED_ALG', 'alg must be EdDSA (Ed25519, RFC 8037)');
    }
    if (typeof header.kid !== 'string')
      throw new PlatformError('TELEMETRY_MALFORMED_JWS', 'the JWS header has no kid');
    const id = validateRobotId(header.kid);
    if (!id.valid || id.id !== header.kid) {
      throw new PlatformError('TELEMETRY_KEY_UNKNOWN', 'kid must be a robot ID in canonical form', {
        kid: header.kid,
      });
    }
    const kid = id.id;
    if (source.topicRobotId !== undefined && source.topicRobotId !== kid) {
      throw new PlatformError(
        'TELEMETRY_ROBOT_MISMATCH',
        'the MQTT topic names another robot than the JWS kid',
        {
          kid,
          topicRobotId: source.topicRobotId,
        },
      );
    }
    let robot = await this.#directory.get(kid);
    if (!robot) throw new PlatformError('TELEMETRY_KEY_UNKNOWN', `no robot ${kid} is registered`);
    const nowMs = this.#ctx.clock().getTime();
    const check = async () => {
      if (!acceptsTelemetry(robot!.status)) {
        // A recycled robot's key still signing: its identity lives on elsewhere (a clone).
        if (robot!.status === 'recycled')
          await this.#alertRetiredIdentity(robot!, { jws, kid, topicRobotId: source.topicRobotId, nowMs });
        throw new PlatformError(
          'TELEMETRY_ROBOT_INACTIVE',
          `the robot is ${robot!.status} and sends no more telemetry`,
        );
      }
      return this.#verifier.check({
        jws,
        kid,
        robotUuid: robot!.robotUuid,
        topicRobotId: source.topicRobotId,
        keys: robot!.keys,
        jointCount: robot!.jointCount,
        limits: robot!.limits,
        nowMs,
        oldestMs: this.oldestAcceptedMs(nowMs),
        // PostgreSQL stores binary COPY rows without parsing a digit; PGlite takes text. A
        // single sample stays text: a group of those goes inline in the group statement,
        // without a COPY round trip (which is what single-sample messages wait on).
        rowFormat: this.#ctx.db.dialect === 'postgres' ? 'binary' : 'text',
        binaryFromSamples: 2,
      });
    };
    let result = await check();
    if (
      !result.ok &&
      (result.code === 'TELEMETRY_SIGNATURE_INVALID' || result.code === 'TELEMETRY_KEY_RETIRED')
    ) {
      // The cache may predate a key rotation: look again once before refusing.
      if (nowMs - robot.loadedAtMs > 250) {
        robot = await this.#directory.get(kid, 0);
        if (!robot) throw new PlatformError('TELEMETRY_KEY_UNKNOWN', `no robot ${kid} is registered`);
        result = await check();
      }
    }
    if (!result.ok) throw platformError(result.code, result.message, result.details);
    await this.partitions.ensureRange(result.firstMs, result.lastMs);
    return new Promise<IngestAck>((resolve, reject) => {
      this.#queue.push({ batch: { robot: robot!, kid, checked: result, jws }, resolve, reject });
      this.#committing ??= this.#drain();
    });
  }

  /**
   * For a batch naming a recycled robot: if one of its keys (all retired) signed it, raise the
   * `retired_id_reporting` alert (docs/end-of-life.md), at most one unacknowledged per robot.
   * The batch is refused all the same; an unsigned one raises nothing (anyone can name a robot).
   */
  async #alertRetiredIdentity(
    robot: IngestRobot,
    batch: Pick<BatchCheckInput, 'jws' | 'kid' | 'topicRobotId' | 'nowMs'>,
  ): Promise<void> {
    const result = await this.#verifier.check({
      ...batch,
      robotUuid: robot.robotUuid,
      keys: robot.keys,
      jointCount: robot.jointCount,
      limits: robot.limits,
      oldestMs: this.oldestAcceptedMs(batch.nowMs),
      identityRetired: true,
    });
    const evidence = result.ok
      ? undefined
      : (result.details?.retiredIdentity as RetiredIdentityEvidence | undefined);
    if (!evidence) return;
    const open = await this.#ctx.db.query(
      `SELECT 1 FROM telemetry_alerts WHERE robot_uuid = $1 AND condition = 'retired_id_reporting' AND state = 'open'`,
      [robot.robotUuid],
    );
    if (open.rows.length > 0) return; // the common case of a clone that keeps sending: no unit of work
    await this.#ctx.ledger.run((tx, ledger) =>
      raiseRetiredIdAlert(
        tx,
        ledger,
        { robotUuid: robot.robotUuid, robotId: batch.kid },
        evidence,
        this.#ctx.clock(),
      ),
    );
  }

  /**
   * The group commits. A group whose samples go by COPY is formed first and written alone: its
   * samples are copied before the ledger lock is taken, and the batches that arrive meanwhile
   * make the next group. (Two such at once, the second loading its samples while the first
   * holds the ledger lock, measured slower: each group is then half as large, and what a group
   * costs the database apart from its samples is paid twice as often.)
   *
   * Groups written inline (small batches on PostgreSQL: single-sample messages) are pipelined
   * instead, GROUPS_IN_FLIGHT transactions at once, WITHOUT halving them: each transaction asks
   * for the ledger lock first and only then takes its group from the queue (#commitLocked). The
   * next one's lock request is in the database while the previous group is written, and is
   * granted the moment that commits: the group then takes everything that arrived meanwhile, and
   * the round trip of BEGIN and the lock is off the critical path. Groups are formed under the
   * lock, one after another, so they commit in the order their batches were queued.
   */
  async #drain(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    try {
      while (this.#queue.length > 0 || inFlight.size > 0) {
        const pipelined = this.#pipelines();
        if (
          this.#queue.length === 0 ||
          this.#isolating > 0 ||
          inFlight.size >= (pipelined ? GROUPS_IN_FLIGHT : 1)
        ) {
          await Promise.race(inFlight);
          continue;
        }
        const commit = pipelined ? this.#commitLocked() : this.#commit(this.#takeGroup(false));
        const tracked = commit.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      }
    } finally {
      this.#committing = undefined;
    }
  }

  /** Whether the group at the head of the queue is written inline, pipelined (#drain). */
  #pipelines(): boolean {
    const head = this.#queue[0];
    return (
      this.#ctx.db.dialect === 'postgres' &&
      head !== undefined &&
      head.batch.checked.rows === undefined &&
      head.batch.checked.lines.length <= INLINE_SAMPLE_BYTES
    );
  }

  /**
   * The next group, from the head of the queue: at most maxGroupBatches batches and
   * maxGroupSamples samples (at least one batch); with `inline`, only batches whose samples go
   * inline, at most INLINE_SAMPLE_BYTES of them (possibly none).
   */
  #takeGroup(inline: boolean): Queued[] {
    let samples = 0;
    let bytes = 0;
    let take = 0;
    while (take < this.#queue.length && take < this.#options.maxGroupBatches) {
      const checked = this.#queue[take]!.batch.checked;
      if (take > 0 && samples + checked.sampleCount > this.#options.maxGroupSamples) break;
      if (inline && (checked.rows !== undefined || bytes + checked.lines.length > INLINE_SAMPLE_BYTES)) break;
      samples += checked.sampleCount;
      bytes += checked.lines.length;
      take++;
    }
    return this.#queue.splice(0, take);
  }

  /**
   * A pipelined group commit (#drain): the transaction takes the ledger lock, THEN its group
   * (none if another transaction took everything, or while a failed group is being isolated,
   * so that no later batch overtakes it). A group the database refused is then written again
   * the careful way (#writeIsolating), the pipeline held until it is settled.
   */
  async #commitLocked(): Promise<void> {
    const started = performance.now();
    let group: Queued[] = [];
    let gated = false;
    let outcomes: GroupOutcome[];
    try {
      await this.#loadAlertHints();
      outcomes = await this.#ctx.ledger.runWithPrelude(
        async () => {},
        async (tx, ledger) => {
          if (this.#isolating > 0) return [];
          group = this.#takeGroup(true);
          if (group.length === 0) return [];
          try {
            return await writeTelemetryGroup(
              tx,
              ledger,
              group.map((q) => q.batch),
              this.#ctx.clock(),
              this.#state,
            );
          } catch (error) {
            // Before the rollback releases the lock: the next transaction must not take a group.
            this.#isolating++;
            gated = true;
            throw error;
          }
        },
      );
    } catch (error) {
      // Nothing taken (the lock or the connection failed first): the head of the queue gets
      // the failure, as it would have in a group formed before the transaction, so a lasting
      // fault answers the queue instead of retrying it forever.
      const failedBeforeTaking = group.length === 0;
      if (failedBeforeTaking) group = this.#takeGroup(true);
      if (group.length === 0) return;
      const batches = group.map((q) => q.batch);
      // Gate the pipeline, if the unit of work did not already (a failure at its commit).
      if (!gated) this.#isolating++;
      try {
        outcomes = failedBeforeTaking
          ? batches.map(() => ({ status: 'failed', error: platformFailure(error) }))
          : await this.#isolateAfter(batches, error);
      } finally {
        this.#isolating--;
      }
    }
    if (group.length === 0) return;
    this.#lastCommitMs = (this.#lastCommitMs + (performance.now() - started)) / 2;
    this.#settle(group, outcomes);
  }

  async #commit(group: Queued[]): Promise<void> {
    const started = performance.now();
    const batches = group.map((q) => q.batch);
    let outcomes: GroupOutcome[];
    try {
      await this.#loadAlertHints();
      outcomes = await this.#writeIsolating(batches);
    } catch (error) {
      const failure = platformFailure(error);
      outcomes = batches.map(() => ({ status: 'failed', error: failure }));
    }
    this.#lastCommitMs = (this.#lastCommitMs + (performance.now() - started)) / 2;
    this.#settle(group, outcomes);
  }

  /** Answers each batch of a group by its outcome. */
  #settle(group: readonly Queued[], outcomes: readonly GroupOutcome[]): void {
    for (let i = 0; i < group.length; i++) {
      const q = group[i]!;
      const outcome = outcomes[i]!;
      if (outcome.status === 'stored') {
        q.resolve({ accepted: outcome.accepted, duplicate: false, ledgerIndex: outcome.ledgerIndex });
      } else if (outcome.status === 'duplicate') {
        q.resolve({ accepted: outcome.accepted, duplicate: true });
      } else if (outcome.status === 'failed') {
        q.reject(outcome.error);
      } else {
        // A refusal about the robot's state or keys: the cache may be stale, read it again.
        if (outcome.code !== 'TELEMETRY_UNPROCESSABLE' && outcome.code !== 'TELEMETRY_SEQ_CONFLICT') {
          this.#directory.forget(q.batch.kid);
        }
        q.reject(new PlatformError(outcome.code, outcome.message, outcome.details));
      }
    }
  }

  /**
   * Writes a group so that one batch the database refuses never costs the others: the group
   * is one transaction, so such a refusal rolls all of it back; then each half is written again
   * on its own, down to the batch refused alone, which alone is refused (about 2·log2(n) extra
   * transactions for one offender among n). Every other batch is written or answered as if the
   * offender had never come. A failure of the platform (connection lost, shutdown) is not
   * split: every batch of the group gets it, as a retryable 5xx, never as "do not resend".
   */
  async #writeIsolating(batches: VerifiedBatch[]): Promise<GroupOutcome[]> {
    try {
      return await this.#writeGroup(batches);
    } catch (error) {
      return this.#isolateAfter(batches, error);
    }
  }

  /** The outcomes of a group whose write failed with `error` (#writeIsolating). */
  async #isolateAfter(batches: VerifiedBatch[], error: unknown): Promise<GroupOutcome[]> {
    try {
      if (batches.length > 1 && refusedValue(error)) {
        const half = Math.ceil(batches.length / 2);
        const first = await this.#writeIsolating(batches.slice(0, half));
        return [...first, ...(await this.#writeIsolating(batches.slice(half)))];
      }
    } catch (retryError) {
      const failure = platformFailure(retryError);
      return batches.map(() => ({ status: 'failed', error: failure }));
    }
    if (batches.length === 1 && batchAtFault(error)) {
      return [
        {
          status: 'refused',
          code: 'TELEMETRY_UNPROCESSABLE',
          message:
            'the database refused a value of this batch; nothing was stored, and resending it cannot help',
        },
      ];
    }
    const failure = platformFailure(error);
    return batches.map(() => ({ status: 'failed', error: failure }));
  }

  /** One transaction for the whole group; throws whatever the database refused. */
  async #writeGroup(batches: readonly VerifiedBatch[]): Promise<WriteOutcome[]> {
    let outcomes: WriteOutcome[] | undefined;
    if (!samplesInline(batches)) {
      // The samples go in before the ledger lock; if anything in the group turns out to be a
      // duplicate or refused, that transaction rolls back and the group goes the careful way.
      outcomes = await this.#ctx.ledger
        .runWithPrelude(
          (tx) => writeGroupSamples(tx, batches),
          async (tx, ledger) => {
            const written = await writeCopiedGroup(tx, ledger, batches, this.#ctx.clock(), this.#state);
            if (!written) throw REDO;
            return written;
          },
        )
        .catch((error: unknown) => {
          if (error === REDO) return undefined;
          throw error;
        });
    }
    // A transaction of its own too: not grouped with registry writes by the ledger writer,
    // where it would cost SAVEPOINT round trips and make them wait for its samples.
    return (
      outcomes ??
      (await this.#ctx.ledger.runWithPrelude(
        async () => {},
        (tx, ledger) => writeTelemetryGroup(tx, ledger, batches, this.#ctx.clock(), this.#state),
      ))
    );
  }

  #loadAlertHints(): Promise<void> {
    this.#alertHintsLoaded ??= this.#ctx.db
      .query<{ robot_uuid: string }>(
        'SELECT DISTINCT robot_uuid FROM telemetry_alerts WHERE cleared_at IS NULL',
      )
      .then(({ rows }) => {
        for (const r of rows) this.#state.robotsWithActiveAlerts.add(r.robot_uuid);
      })
      .catch((error: unknown) => {
        this.#alertHintsLoaded = undefined; // asked again by the next group
        throw error;
      });
    return this.#alertHintsLoaded;
  }

  /** Refuses new batches, waits for admitted ones to be committed, stops the workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const deadline = Date.now() + 10_000;
    while ((this.#pending > 0 || this.#committing) && Date.now() < deadline) {
      await (this.#committing ?? new Promise((r) => setTimeout(r, 10)));
    }
    await this.#verifier.close();
  }
}
