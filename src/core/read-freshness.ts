// Where a read of a robot's history may be answered from
// (docs/operations-runbook.md "Read replica"). A streaming replica replays the primary's WAL
// some time after each commit, so what it answers is the primary's past. For history (telemetry
// of a time range, a robot's health, its events) a past a moment old is as good as the present,
// and the replica takes that load off the primary; for a read that must see the latest writes
// it is not. The rule is pure so that it can be tested without a replica: the server measures
// the replica's lag and asks here.

/** Where a read was answered from; the `RoboLedger-Read` response header says it. */
export type ReadSource = 'replica' | 'primary';

export const READ_SOURCE_HEADER = 'roboledger-read';

/** What the replica said about itself (the server's probe of ctx.readDb). */
export interface ReplicaReplayState {
  /** pg_is_in_recovery(): false means the read database is not a standby at all. */
  inRecovery: boolean;
  /**
   * Whether a WAL receiver is connected and streaming: false when none runs (the primary is out
   * of reach), undefined when the database does not tell this role (pg_stat_wal_receiver hides
   * its status from roles without pg_read_all_stats).
   */
  streaming: boolean | undefined;
  /** pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(): everything received is replayed. */
  caughtUp: boolean;
  /** now() - pg_last_xact_replay_timestamp() in ms; null before any transaction was replayed. */
  sinceLastReplayMs: number | null;
}

/**
 * The replica's replay lag in ms, or undefined when it cannot be trusted to be any figure.
 * Caught up (all it received is replayed): 0. Otherwise the age of the last transaction it
 * replayed, which over-estimates the lag after a quiet spell on the primary (the last commit
 * it replayed may be old) and never under-estimates it: a safe error for this use. A replica
 * whose WAL receiver is not streaming looks caught up while the primary moves on without it,
 * so it has no lag to speak of; nor has a database that is not a standby.
 */
export function replayLagMs(state: ReplicaReplayState): number | undefined {
  if (!state.inRecovery) return undefined;
  if (state.streaming === false) return undefined;
  if (state.caughtUp) return 0;
  if (state.sinceLastReplayMs === null || !Number.isFinite(state.sinceLastReplayMs)) return undefined;
  return Math.max(0, state.sinceLastReplayMs);
}

export interface HistoryReadInput {
  /** Whether a replica is configured at all (ctx.readDb is not the primary). */
  hasReplica: boolean;
  /** The caller asked for fresh data (Cache-Control: no-cache), or the read is one that must be. */
  mustBeFresh: boolean;
  /** ROBOLEDGER_READ_MAX_LAG_MS: the most lag a history read accepts; 0: never the replica. */
  maxLagMs: number;
  /** The replica's measured lag (replayLagMs); undefined: unknown, unreachable or not a replica. */
  lagMs: number | undefined;
}

/** The database a history read goes to: the replica only when it is known to be close enough. */
export function historyReadSource(input: HistoryReadInput): ReadSource {
  if (!input.hasReplica || input.mustBeFresh || input.maxLagMs <= 0) return 'primary';
  if (input.lagMs === undefined) return 'primary';
  return input.lagMs <= input.maxLagMs ? 'replica' : 'primary';
}

/**
 * Whether a request's Cache-Control asks for a fresh answer: `no-cache` (RFC 9111 §5.2.1.4: a
 * stored answer must not be used without checking with the origin). Directive names are case
 * insensitive and a header may be repeated or hold a list.
 */
export function asksForFresh(cacheControl: string | readonly string[] | undefined): boolean {
  if (cacheControl === undefined) return false;
  const values = typeof cacheControl === 'string' ? [cacheControl] : cacheControl;
  return values.some((value) =>
    value.split(',').some((directive) => directive.split('=', 1)[0]!.trim().toLowerCase() === 'no-cache'),
  );
}
