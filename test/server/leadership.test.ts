// Elected periodic work (src/server/leadership.ts, leader-duties.ts): of several nodes on one
// PostgreSQL database, one holds the advisory lock and runs the checkpoints and sweeps; when
// its session ends another takes over on its next attempt. The contention runs on manual
// timers; the leader's checkpoint following runs on a short real interval with a generous
// deadline. The PostgreSQL cases are registered only on the PostgreSQL run (itOnBackend); the
// duties' start and stop on a change of leader, and the single-process leader, run on both.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/server/app.js';
import type { AppContext } from '../../src/server/app-context.js';
import { DEFAULTS, loadConfig } from '../../src/server/config.js';
import { closeAppContext, createAppContext } from '../../src/server/context.js';
import { openDatabase } from '../../src/server/db/open-database.js';
import { latestCheckpointSize } from '../../src/server/db/read-routing.js';
import type { Database } from '../../src/server/db/sql-client.js';
import { type LeaderDuties, startLeaderDuties } from '../../src/server/leader-duties.js';
import {
  LEADER_LOCK_KEY,
  type Leadership,
  soleLeader,
  startAdvisoryLeadership,
} from '../../src/server/leadership.js';
import { ephemeralLedgerKey } from '../../src/server/ledger/ledger-key.js';
import { ADMIN_TOKEN } from '../support/app.js';
import { backend, itOnBackend, openTestDatabase, type TestDatabase } from '../support/database.js';
import { ManualTimers } from '../support/manual-timers.js';
import { eventually } from '../support/wait.js';

const RETRY_MS = 1_000;
const LOG_KEY = ephemeralLedgerKey(DEFAULTS.ledgerOrigin);
const quiet = { info: () => {}, warn: () => {} };

interface Node {
  ctx: AppContext;
  app: App;
  duties: LeaderDuties;
  close(): Promise<void>;
}

async function startNode(db: Database, leadership: Leadership): Promise<Node> {
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
  });
  // Every node of a cluster signs with the log's one key.
  const ctx = await createAppContext(db, config, { leadership, ledgerKey: LOG_KEY });
  const app = await buildApp(ctx);
  await app.ready();
  const duties = await startLeaderDuties(ctx, leadership, { partitions: false, checkpointFollowMs: 50 });
  return {
    ctx,
    app,
    duties,
    async close() {
      await app.close();
      await duties.close();
      await closeAppContext(ctx);
    },
  };
}

/** Files an organisation through `node`: one unit of work, one ledger entry; its ledger index. */
async function appendThrough(node: Node): Promise<number> {
  const res = await node.app.inject({
    method: 'POST',
    url: '/v1/orgs',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: { name: `org ${Math.random().toString(36).slice(2, 8)}`, kind: 'operator', country: 'CN' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().ledgerIndex;
}

/** Waits for a checkpoint (by whichever node leads) that covers entry `index`. */
async function checkpointCovers(db: Database, index: number): Promise<void> {
  await eventually(`a checkpoint covering entry ${index}`, async () =>
    (await latestCheckpointSize(db)) > index ? true : undefined,
  );
}

/** A leadership a test hands over and takes back by hand. */
function handLeadership(initially: boolean) {
  const listeners: ((leader: boolean) => Promise<void> | void)[] = [];
  let leader = initially;
  return {
    get isLeader() {
      return leader;
    },
    onChange(listener: (leader: boolean) => Promise<void> | void) {
      listeners.push(listener);
    },
    async set(next: boolean) {
      leader = next;
      for (const listener of listeners) await listener(next);
    },
    close: async () => {},
  };
}

describe(`leadership (${backend})`, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('a single process leads: its periodic work runs and it signs', async () => {
    const database = await openTestDatabase();
    cleanups.push(() => database.close());
    const node = await startNode(database.db, soleLeader());
    cleanups.push(() => node.close());
    expect(node.duties.running).toBe(true);
    expect(node.ctx.checkpointer.signing).toBe(true);
    const health = await node.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ status: 'ok', leader: true });
    const index = await appendThrough(node);
    await checkpointCovers(database.db, index);
  });

  it('stops the work and the signing when leadership goes, and checkpoints at once when it comes back', async () => {
    const database = await openTestDatabase();
    cleanups.push(() => database.close());
    const leadership = handLeadership(true);
    const node = await startNode(database.db, leadership);
    cleanups.push(() => node.close());
    await node.ctx.checkpointer.checkpointNow();

    await leadership.set(false);
    expect(node.duties.running).toBe(false);
    expect(node.ctx.checkpointer.signing).toBe(false);
    const signedBefore = await latestCheckpointSize(database.db);
    const index = await appendThrough(node);
    // Appends go on without the lead; what they commit is left for the leader to sign.
    expect(index).toBeGreaterThanOrEqual(signedBefore);
    expect(await latestCheckpointSize(database.db)).toBe(signedBefore);
    expect((await node.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
      leader: false,
    });

    await leadership.set(true);
    expect(node.duties.running).toBe(true);
    expect(await latestCheckpointSize(database.db)).toBeGreaterThan(index);
  });

  /** A second pool on the same database: another node of the cluster. */
  async function secondPool(database: TestDatabase): Promise<Database> {
    const db = await openDatabase({ databaseUrl: database.url, maxConnections: 5 });
    cleanups.push(() => db.close());
    return db;
  }

  async function contend(database: TestDatabase, timers: ManualTimers): Promise<Leadership> {
    const leadership = await startAdvisoryLeadership({
      connectionString: database.url!,
      retryMs: RETRY_MS,
      timers,
      log: quiet,
    });
    cleanups.push(() => leadership.close());
    return leadership;
  }

  /** Ends the database session holding the leader lock, as a crashed node or a cut network would. */
  async function killLeaderSession(database: TestDatabase): Promise<void> {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const key = BigInt(LEADER_LOCK_KEY);
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted`,
        [Number(key >> 32n), Number(key & 0xffffffffn)],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
  }

  itOnBackend('postgres')(
    'one of two nodes leads and runs the work; it checkpoints what the other appends',
    async () => {
      const database = await openTestDatabase();
      cleanups.push(() => database.close());
      const timersA = new ManualTimers();
      const timersB = new ManualTimers();
      const leadA = await contend(database, timersA);
      const leadB = await contend(database, timersB);
      expect([leadA.isLeader, leadB.isLeader]).toEqual([true, false]);

      const a = await startNode(database.db, leadA);
      cleanups.push(() => a.close());
      const b = await startNode(await secondPool(database), leadB);
      cleanups.push(() => b.close());
      expect([a.duties.running, b.duties.running]).toEqual([true, false]);
      expect([a.ctx.checkpointer.signing, b.ctx.checkpointer.signing]).toEqual([true, false]);

      // Both nodes append at once (the writer serialises under the log's head lock).
      const [fromA, fromB] = await Promise.all([appendThrough(a), appendThrough(b)]);
      expect(fromA).not.toBe(fromB);
      // B's commit notifies only B, which does not sign: A follows the head and signs it.
      await checkpointCovers(database.db, Math.max(fromA, fromB));
      // Still the one leader after further attempts on both sides.
      await timersA.advance(RETRY_MS);
      await timersB.advance(RETRY_MS);
      expect([leadA.isLeader, leadB.isLeader]).toEqual([true, false]);
    },
  );

  itOnBackend('postgres')(
    "when the leader's session dies the other node takes over; a node that closes hands over",
    async () => {
      const database = await openTestDatabase();
      cleanups.push(() => database.close());
      const timersA = new ManualTimers();
      const timersB = new ManualTimers();
      const leadA = await contend(database, timersA);
      const leadB = await contend(database, timersB);
      const a = await startNode(database.db, leadA);
      cleanups.push(() => a.close());
      const b = await startNode(await secondPool(database), leadB);
      cleanups.push(() => b.close());
      expect(leadA.isLeader).toBe(true);

      await killLeaderSession(database);
      // B takes the freed lock on its next attempt and starts the work.
      await timersB.advance(RETRY_MS);
      expect(leadB.isLeader).toBe(true);
      expect(b.duties.running).toBe(true);
      expect(b.ctx.checkpointer.signing).toBe(true);
      // A finds its session gone on its next check and steps down; its next attempt finds B leading.
      await timersA.advance(RETRY_MS);
      expect(leadA.isLeader).toBe(false);
      expect(a.duties.running).toBe(false);
      expect(a.ctx.checkpointer.signing).toBe(false);
      await timersA.advance(RETRY_MS);
      expect(leadA.isLeader).toBe(false);

      // B's appends are now B's to sign.
      const index = await appendThrough(b);
      await checkpointCovers(database.db, index);

      // B shuts down: it releases the lock, and A leads again on its next attempt.
      await leadB.close();
      expect(b.duties.running).toBe(false);
      await timersA.advance(RETRY_MS);
      expect(leadA.isLeader).toBe(true);
      expect(a.duties.running).toBe(true);
    },
  );
});
