// Leadership: which node of a cluster runs the periodic work (checkpoint signing, partition
// upkeep, the incident, health and recall sweeps, webhook deliveries). Several stateless nodes
// share one PostgreSQL primary; only one of them may do that work, or two nodes would sign,
// sweep and deliver the same things at once (docs/operations-runbook.md "Leader election").
//
// On PostgreSQL the leader is the node holding a session-level advisory lock on a dedicated
// connection (not a pool's: a pooled connection would hand the lock to whichever query borrows
// it next). The lock lives as long as that session: a node that dies, or whose connection is
// cut, loses it at once in the server, and a node still trying takes it on its next attempt.
// On PGlite there is one process, and it is always the leader.
import pg from 'pg';

/**
 * The advisory lock's key, fixed so that every node (of any version) contends for the same one:
 * the ASCII of "RLLEADER" read as a signed 64-bit integer. Operators see it in pg_locks
 * (locktype 'advisory', classid 1380731973 and objid 1094993234: its high and low halves).
 */
export const LEADER_LOCK_KEY = '5930198669671548242';

export interface Leadership {
  readonly isLeader: boolean;
  /** Called on every change of isLeader, in order; a listener's promise is awaited. */
  onChange(listener: (leader: boolean) => Promise<void> | void): void;
  /** Stops trying and releases the lock (ending its session), after the listeners ran. */
  close(): Promise<void>;
}

/** The one process on an embedded database: leader from the start, nothing to contend for. */
export function soleLeader(): Leadership {
  return { isLeader: true, onChange: () => {}, close: async () => {} };
}

/** The timer the contention waits on; tests move it on by hand. */
export interface LeadershipTimers {
  setTimeout(callback: () => Promise<void>, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: LeadershipTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface AdvisoryLeadershipOptions {
  connectionString: string;
  /** How often a node that is not the leader tries again, and the leader checks its session. */
  retryMs: number;
  timers?: LeadershipTimers;
  /** Where transitions and failures are told (the platform's logger). */
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Contends for leadership through a PostgreSQL advisory lock: one attempt now, then one every
 * retryMs. The leader uses the same tick to check that its session is alive: a session that
 * fails the check is taken as lost (the server releases its lock), and the node steps down
 * before contending again.
 */
export async function startAdvisoryLeadership(options: AdvisoryLeadershipOptions): Promise<Leadership> {
  const timers = options.timers ?? REAL_TIMERS;
  const listeners: ((leader: boolean) => Promise<void> | void)[] = [];
  let client: pg.Client | undefined;
  let leader = false;
  let closed = false;
  let timer: unknown;
  // Ticks and transitions run one at a time, in order.
  let chain: Promise<void> = Promise.resolve();

  const setLeader = async (next: boolean, reason: string) => {
    if (next === leader) return;
    leader = next;
    if (next) options.log.info({ leader: true }, `this node is now the leader (${reason})`);
    else options.log.warn({ leader: false }, `this node is no longer the leader (${reason})`);
    for (const listener of listeners) await listener(next);
  };

  const dropSession = async () => {
    const old = client;
    client = undefined;
    await old?.end().catch(() => {});
  };

  const attempt = async () => {
    if (closed) return;
    try {
      if (leader && client) {
        await client.query('SELECT 1');
        return;
      }
      if (!client) {
        const fresh = new pg.Client({ connectionString: options.connectionString });
        // A cut connection must not crash the process; the next tick finds it dead.
        fresh.on('error', () => {});
        await fresh.connect();
        client = fresh;
      }
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        LEADER_LOCK_KEY,
      ]);
      if (rows[0]?.locked) await setLeader(true, 'took the advisory lock');
    } catch (error) {
      await dropSession();
      await setLeader(
        false,
        `its database session failed: ${error instanceof Error ? error.message : error}`,
      );
    }
  };

  const schedule = () => {
    if (closed) return;
    timer = timers.setTimeout(() => {
      timer = undefined;
      chain = chain.then(attempt).finally(schedule);
      return chain;
    }, options.retryMs);
  };

  chain = chain.then(attempt);
  await chain;
  schedule();

  return {
    get isLeader() {
      return leader;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await chain;
      // Step down first (the listeners stop the work), then end the session, which frees the lock.
      await setLeader(false, 'it is shutting down');
      await dropSession();
    },
  };
}
