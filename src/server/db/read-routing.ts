// Which database answers a ledger read: the replica (ctx.readDb, DATABASE_READ_URL) when it has
// replayed everything the read cites, else the primary. A streaming replica lags by whatever
// WAL it has not replayed yet, so a proof for a tree size it does not hold yet would be
// refused (or, worse, be built from a shorter tree). Its replayed size is its own latest
// checkpoint row: a checkpoint is stored after the tree it covers committed, and a replica
// replays commits in order, so a replica showing a checkpoint of size S holds the tree of S.
// Anything that must be fresh (a read after its write, a key lookup, a unit of work) does not
// come here: it reads ctx.db. Robot data (history reads) has a rule of its own, below.
import { PlatformError } from '../../core/errors.js';
import {
  historyReadSource,
  type ReadSource,
  type ReplicaReplayState,
  replayLagMs,
} from '../../core/read-freshness.js';
import { type Database, type SqlClient, sqlState } from './sql-client.js';

export interface ReadRouting {
  /** True when a replica is configured (readDb is not the primary). */
  readonly hasReplica: boolean;
  /** The largest checkpoint size the replica holds (the primary's when there is no replica). */
  replayedSize(): Promise<number>;
  /** The database to read a tree of `size` from: the replica if it holds it, else the primary. */
  forTreeSize(size: number): Promise<SqlClient>;
}

export async function latestCheckpointSize(client: SqlClient): Promise<number> {
  const { rows } = await client.query<{ size: number | null }>(
    'SELECT max(size) AS size FROM ledger_checkpoints',
  );
  return rows[0]?.size ?? 0;
}

export function readRouting(ctx: { db: Database; readDb: Database }): ReadRouting {
  const { db, readDb } = ctx;
  const hasReplica = readDb !== db;
  return {
    hasReplica,
    replayedSize: () => latestCheckpointSize(readDb),
    async forTreeSize(size) {
      if (!hasReplica) return db;
      try {
        return size <= (await latestCheckpointSize(readDb)) ? readDb : db;
      } catch {
        // An unreachable replica costs the primary a read, never the caller an error.
        return db;
      }
    },
  };
}

// History reads (robot data) and the replica's replay lag
//
// Robot data has no tree size to check the replica against, so its rule is time: a history read
// (telemetry of a range, health, events) may come from the replica while the replica's replay
// lag is within ROBOLEDGER_READ_MAX_LAG_MS (core/read-freshness.ts decides). Only the data
// queries move: who may read (the robot lookup, ownership periods, grants) is asked of the
// primary, because an ownership transfer accepted a moment ago must take effect at once.

/** How long one measurement of the lag is reused: a burst of reads costs the replica one query. */
export const REPLICA_LAG_CACHE_MS = 250;
/** The most a measurement may take; a replica that does not answer by then is treated as lagging. */
export const REPLICA_LAG_PROBE_TIMEOUT_MS = 1000;

const REPLAY_STATE_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
       (SELECT CASE WHEN count(*) = 0 THEN false ELSE bool_and(status = 'streaming') END
          FROM pg_stat_wal_receiver) AS streaming,
       COALESCE(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false) AS caught_up,
       (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS since_ms`;

/** Reads the replica's replay state itself; throws when the replica does not answer. */
export async function readReplayState(replica: SqlClient): Promise<ReplicaReplayState> {
  const { rows } = await replica.query<{
    in_recovery: boolean;
    streaming: boolean | null;
    caught_up: boolean;
    since_ms: number | null;
  }>(REPLAY_STATE_SQL);
  const row = rows[0];
  if (!row) throw new Error('the replica answered no row about its replay');
  return {
    inRecovery: row.in_recovery,
    streaming: row.streaming ?? undefined,
    caughtUp: row.caught_up,
    sinceLastReplayMs: row.since_ms,
  };
}

/**
 * The replica's replay lag, measured at most every REPLICA_LAG_CACHE_MS (requests arriving
 * while a measurement is under way share it). undefined: no replica, not a standby, or it did
 * not answer within REPLICA_LAG_PROBE_TIMEOUT_MS. One per context (ctx.replicaLag).
 */
export class ReplicaLag {
  private measured: { atMs: number; lagMs: number | undefined } | undefined;
  private pending: Promise<number | undefined> | undefined;
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly replica: SqlClient | undefined,
    options: { now?: () => number; cacheMs?: number; timeoutMs?: number } = {},
  ) {
    // Monotonic, not ctx.clock: the cache's age is real elapsed time, whatever a test's clock says.
    this.now = options.now ?? (() => performance.now());
    this.cacheMs = options.cacheMs ?? REPLICA_LAG_CACHE_MS;
    this.timeoutMs = options.timeoutMs ?? REPLICA_LAG_PROBE_TIMEOUT_MS;
  }

  async lagMs(): Promise<number | undefined> {
    if (!this.replica) return undefined;
    const measured = this.measured;
    if (measured && this.now() - measured.atMs < this.cacheMs) return measured.lagMs;
    this.pending ??= this.measure(this.replica).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Drops the measurement: the replica just failed a read, so the next one asks again. */
  forget(): void {
    this.measured = undefined;
  }

  private async measure(replica: SqlClient): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
      timer.unref();
    });
    let lagMs: number | undefined;
    try {
      const state = await Promise.race([readReplayState(replica), timeout]);
      lagMs = state === undefined ? undefined : replayLagMs(state);
    } catch {
      // An unreachable replica costs the primary a read, never the caller an error.
      lagMs = undefined;
    } finally {
      clearTimeout(timer);
    }
    this.measured = { atMs: this.now(), lagMs };
    return lagMs;
  }
}

/** A client for one request's history data queries, saying where they were answered. */
export interface HistoryReads extends SqlClient {
  /** `replica` while every query so far was answered by the replica; else `primary`. */
  readonly source: ReadSource;
}

/**
 * Whether a failed replica query says the replica, not the query, is the problem: no SQLSTATE
 * (the connection failed or was cut), a connection exception (class 08), the server shutting
 * down or starting (57P01-57P03), too many connections (53300), or a statement cancelled by a
 * conflict with recovery (40001 on a standby). The primary is asked instead.
 */
export function replicaUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  if (state === undefined) return true;
  return state.startsWith('08') || /^57P0[123]$/.test(state) || state === '53300' || state === '40001';
}

/**
 * The SqlClient for one history read (robot data): the replica when the freshness rule allows,
 * else the primary. `fresh`: the caller must see the latest writes (Cache-Control: no-cache).
 * A replica query that fails for the replica's sake is asked of the primary, and the answer
 * says `primary` from then on.
 */
export async function historyReads(
  ctx: { db: Database; readDb: Database; replicaLag: ReplicaLag; config: { readMaxLagMs: number } },
  options: { fresh: boolean },
): Promise<HistoryReads> {
  const { db, readDb } = ctx;
  const hasReplica = readDb !== db;
  const maxLagMs = ctx.config.readMaxLagMs;
  // No measurement when its answer could not matter.
  const lagMs = hasReplica && !options.fresh && maxLagMs > 0 ? await ctx.replicaLag.lagMs() : undefined;
  let source = historyReadSource({ hasReplica, mustBeFresh: options.fresh, maxLagMs, lagMs });
  return {
    get source() {
      return source;
    },
    async query(sql, params) {
      if (source === 'primary') return db.query(sql, params);
      try {
        return await readDb.query(sql, params);
      } catch (error) {
        if (!replicaUnavailable(error)) throw error;
        source = 'primary';
        ctx.replicaLag.forget();
        return db.query(sql, params);
      }
    },
    copyFrom() {
      return Promise.reject(new PlatformError('INTERNAL_INVARIANT', 'a history read does not write'));
    },
  };
}
