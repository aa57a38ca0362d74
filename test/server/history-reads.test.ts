// Robot-data history reads and the read replica (src/server/db/read-routing.ts historyReads,
// src/server/http/history-read.ts): which database answers the data queries of the telemetry,
// latest, health and events routes, and the RoboLedger-Read header that says so. Without a
// replica everything reads the primary. A real standby exists only in the cluster test
// (test/cluster/replica-reads.test.ts); here a "standby" is a wrapper that answers the replay
// probe as told and runs everything else on a database of the test's choosing, and counts what
// it was asked, so the tests see which statements went where.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { closeAppContext, createAppContext } from '../../src/server/context.js';
import { openDatabase } from '../../src/server/db/open-database.js';
import { historyReads, ReplicaLag, replicaUnavailable } from '../../src/server/db/read-routing.js';
import type { Database, SqlClient, SqlResult } from '../../src/server/db/sql-client.js';
import { ADMIN_TOKEN } from '../support/app.js';
import { backend, openTestDatabase, type TestDatabase } from '../support/database.js';
import {
  type ApiCaller,
  fileTelemetryFleet,
  healthySamples,
  postBatch,
  signBatch,
  type TelemetryFleet,
} from '../support/telemetry-fleet.js';

interface ReplayRow {
  in_recovery: boolean;
  streaming: boolean | null;
  caught_up: boolean;
  since_ms: number | null;
}

/** A stand-in for a read database: answers the replay probe with `replay`, runs the rest on `db`. */
function standIn(db: Database, replay: () => ReplayRow | Error) {
  const seen: string[] = [];
  const wrapper = {
    seen,
    /** When set, every statement but the probe fails as a dropped connection would. */
    broken: false as boolean,
    dialect: db.dialect,
    query: (async (sql: string | { text: string }, params?: readonly unknown[]) => {
      const text = typeof sql === 'string' ? sql : sql.text;
      seen.push(text);
      if (text.includes('pg_is_in_recovery()')) {
        const row = replay();
        if (row instanceof Error) throw row;
        return { rows: [row], rowCount: 1 };
      }
      if (wrapper.broken) throw new Error('Connection terminated unexpectedly');
      return db.query(sql as string, params);
    }) as Database['query'],
    copyFrom: (rows) => db.copyFrom(rows),
    transaction: (work) => db.transaction(work),
    execScript: (sql) => db.execScript(sql),
    close: async () => {},
  } satisfies Database & { seen: string[]; broken: boolean };
  return wrapper;
}

const CAUGHT_UP: ReplayRow = { in_recovery: true, streaming: true, caught_up: true, since_ms: 60_000 };
const LAGGING: ReplayRow = { in_recovery: true, streaming: true, caught_up: false, since_ms: 5_000 };
const NOT_A_STANDBY: ReplayRow = { in_recovery: false, streaming: false, caught_up: false, since_ms: null };

async function platformWith(primary: Database, readDb: Database, env: Record<string, string> = {}) {
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
    ROBOLEDGER_PUBLIC_RATE_LIMIT: '10000000',
    ROBOLEDGER_TELEMETRY_RATE_LIMIT: '10000000',
    ROBOLEDGER_VERIFIER_THREADS: '1',
    MQTT_PORT: '-1',
    ...env,
  });
  const ctx = await createAppContext(primary, config, { readDb });
  const app = await buildApp(ctx);
  await app.ready();
  return { app, ctx };
}

function callerOf(app: App): ApiCaller {
  return {
    async call(method, url, { token, body, headers } = {}) {
      const res = await app.inject({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body === undefined ? {} : { payload: body as string | object }),
      });
      return res;
    },
  };
}

describe(`robot-data history reads (${backend})`, () => {
  let primary: TestDatabase;
  /** A migrated database that holds nothing of the primary's: a replica that replayed nothing. */
  let empty: TestDatabase;
  let fleet: TelemetryFleet;
  let robotId: string;
  let token: string;

  beforeAll(async () => {
    primary = await openTestDatabase();
    empty = await openTestDatabase();
    const { app, ctx } = await platformWith(primary.db, primary.db);
    try {
      const api = callerOf(app);
      fleet = await fileTelemetryFleet(api, ADMIN_TOKEN, { count: 1 });
      const robot = fleet.robots[0]!;
      const jws = signBatch(robot, {
        seq: 0,
        samples: healthySamples(robot.jointCount, 5, Date.now() - 60_000),
      });
      const sent = await postBatch(api, jws);
      expect(sent.statusCode, sent.body).toBe(202);
      robotId = robot.robotId;
      token = fleet.manufacturer.apiKey;
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });
  afterAll(async () => {
    await empty?.close();
    await primary?.close();
  });

  // One window for the whole file, so that two answers to one URL can be compared whole.
  const window = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
  const routes = () => [
    `/v1/robots/${robotId}/telemetry?resolution=raw&${window}`,
    `/v1/robots/${robotId}/telemetry?resolution=1m&${window}`,
    `/v1/robots/${robotId}/telemetry/latest`,
    `/v1/robots/${robotId}/health`,
    `/v1/robots/${robotId}/events`,
  ];
  const get = (app: App, url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers } });

  it('without a replica every robot-data read is answered by the primary, and says so', async () => {
    const { app, ctx } = await platformWith(primary.db, primary.db);
    try {
      for (const url of [...routes(), `/v1/robots/${robotId}/telemetry/batches`]) {
        const res = await get(app, url);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        expect(res.headers['roboledger-read'], url).toBe('primary');
      }
      const raw = (await get(app, routes()[0]!)).json() as { items: unknown[] };
      expect(raw.items).toHaveLength(5);
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });

  it('a read database that is not a standby is asked how far it got, never for data', async () => {
    const readDb = standIn(empty.db, () => NOT_A_STANDBY);
    const { app, ctx } = await platformWith(primary.db, readDb);
    try {
      for (const url of routes()) {
        const res = await get(app, url);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        expect(res.headers['roboledger-read'], url).toBe('primary');
      }
      expect(readDb.seen.every((sql) => sql.includes('pg_is_in_recovery()'))).toBe(true);
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });

  it('a standby within the bound answers the data queries; who may read is asked of the primary', async () => {
    // The stand-in holds no robot at all: were the robot looked up or the caller's rights checked
    // there, the answer would be a 404. It is a 200 with the stand-in's (empty) data.
    const readDb = standIn(empty.db, () => CAUGHT_UP);
    const { app, ctx } = await platformWith(primary.db, readDb);
    try {
      for (const url of routes()) {
        const res = await get(app, url);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        expect(res.headers['roboledger-read'], url).toBe('replica');
      }
      const raw = (await get(app, routes()[0]!)).json() as { items: unknown[] };
      expect(raw.items).toEqual([]);
      // Nothing about robots, grants, ownership periods or keys was asked of it.
      const dataOnly = readDb.seen.filter((sql) => !sql.includes('pg_is_in_recovery()'));
      expect(dataOnly.length).toBeGreaterThan(0);
      for (const sql of dataOnly) {
        expect(sql).not.toMatch(/\bgrants\b|\bapi_keys\b|ownership|transfers/);
      }
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });

  it('over a standby in step with the primary, the replica gives the same answers', async () => {
    // On PostgreSQL a second pool on the primary's database; on PGlite its one connection.
    const db = primary.url ? await openDatabase({ databaseUrl: primary.url, maxConnections: 2 }) : primary.db;
    const readDb = standIn(db, () => CAUGHT_UP);
    const viaReplica = await platformWith(primary.db, readDb);
    const direct = await platformWith(primary.db, primary.db);
    try {
      // Time-dependent fields (health's assessedAt) aside, the raw and rollup pages and the events match.
      for (const url of [routes()[0]!, routes()[1]!, routes()[4]!]) {
        const a = await get(viaReplica.app, url);
        const b = await get(direct.app, url);
        expect(a.headers['roboledger-read']).toBe('replica');
        expect(a.json(), url).toEqual(b.json());
      }
    } finally {
      await viaReplica.app.close();
      await closeAppContext(viaReplica.ctx);
      await direct.app.close();
      await closeAppContext(direct.ctx);
      if (db !== primary.db) await db.close();
    }
  });

  it('a standby lagging past the bound, Cache-Control: no-cache, or a bound of 0 send the read to the primary', async () => {
    const lagging = standIn(empty.db, () => LAGGING);
    const caughtUp = standIn(empty.db, () => CAUGHT_UP);
    const never = standIn(empty.db, () => CAUGHT_UP);
    const a = await platformWith(primary.db, lagging);
    const b = await platformWith(primary.db, caughtUp);
    const c = await platformWith(primary.db, never, { ROBOLEDGER_READ_MAX_LAG_MS: '0' });
    try {
      for (const url of routes()) {
        expect((await get(a.app, url)).headers['roboledger-read'], url).toBe('primary');
        const fresh = await get(b.app, url, { 'cache-control': 'no-cache' });
        expect(fresh.statusCode, fresh.body).toBe(200);
        expect(fresh.headers['roboledger-read'], url).toBe('primary');
        expect((await get(c.app, url)).headers['roboledger-read'], url).toBe('primary');
      }
      // The primary's data: the stand-ins hold none.
      expect(((await get(a.app, routes()[0]!)).json() as { items: unknown[] }).items).toHaveLength(5);
      // Asked for fresh data, or never to use it, the platform does not even measure the replica.
      expect(caughtUp.seen).toEqual([]);
      expect(never.seen).toEqual([]);
    } finally {
      for (const p of [a, b, c]) {
        await p.app.close();
        await closeAppContext(p.ctx);
      }
    }
  });

  it('a caller without rights to the robot is refused on the primary, whatever the replica holds', async () => {
    // The stand-in is the primary's own data, caught up: were rights asked of it, nothing would change
    // either; what shows they are not is that it is asked nothing but its lag.
    const readDb = standIn(primary.db, () => CAUGHT_UP);
    const { app, ctx } = await platformWith(primary.db, readDb);
    try {
      const other = await app.inject({
        method: 'POST',
        url: '/v1/orgs',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { name: 'Unrelated operator', kind: 'operator', country: 'CN' },
      });
      expect(other.statusCode, other.body).toBe(201);
      const { apiKey } = other.json() as { apiKey: string };
      for (const url of [...routes(), `/v1/robots/${robotId}/telemetry/batches`]) {
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${apiKey}` } });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(404);
        expect((res.json() as { error: { code: string } }).error.code).toBe('ROBOT_NOT_FOUND');
        expect(res.headers['roboledger-read'], url).toBeUndefined();
      }
      expect(readDb.seen.every((sql) => sql.includes('pg_is_in_recovery()'))).toBe(true);
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });

  it('the batches listing robots resend from is always fresh: the primary', async () => {
    const readDb = standIn(empty.db, () => CAUGHT_UP);
    const { app, ctx } = await platformWith(primary.db, readDb);
    try {
      const res = await get(app, `/v1/robots/${robotId}/telemetry/batches`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['roboledger-read']).toBe('primary');
      expect((res.json() as { items: unknown[] }).items).toHaveLength(1);
      expect(readDb.seen).toEqual([]);
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });

  it('a replica that fails mid-read costs the primary a read, never the caller an error', async () => {
    const readDb = standIn(empty.db, () => CAUGHT_UP);
    readDb.broken = true;
    const unreachable = standIn(empty.db, () => new Error('connect ECONNREFUSED 127.0.0.1:5433'));
    const a = await platformWith(primary.db, readDb);
    const b = await platformWith(primary.db, unreachable);
    try {
      for (const url of routes()) {
        for (const app of [a.app, b.app]) {
          const res = await get(app, url);
          expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
          expect(res.headers['roboledger-read'], url).toBe('primary');
        }
      }
      expect(((await get(a.app, routes()[0]!)).json() as { items: unknown[] }).items).toHaveLength(5);
    } finally {
      for (const p of [a, b]) {
        await p.app.close();
        await closeAppContext(p.ctx);
      }
    }
  });
});

describe('ReplicaLag', () => {
  /** A replica answering the probe with `row` (or hanging), counting the probes. */
  function probed(row: () => ReplayRow | 'hang' | Error) {
    const client = {
      probes: 0,
      query: (async () => {
        client.probes++;
        const r = row();
        if (r === 'hang') return new Promise<never>(() => {});
        if (r instanceof Error) throw r;
        return { rows: [r], rowCount: 1 } as SqlResult;
      }) as SqlClient['query'],
      copyFrom: async () => 0,
    };
    return client;
  }

  it('a burst of reads costs one measurement; it is measured again once older than the cache', async () => {
    let nowMs = 0;
    const replica = probed(() => CAUGHT_UP);
    const lag = new ReplicaLag(replica, { now: () => nowMs, cacheMs: 250 });
    const burst = await Promise.all(Array.from({ length: 20 }, () => lag.lagMs()));
    expect(burst.every((ms) => ms === 0)).toBe(true);
    expect(replica.probes).toBe(1);
    nowMs = 249;
    await lag.lagMs();
    expect(replica.probes).toBe(1);
    nowMs = 250;
    await lag.lagMs();
    expect(replica.probes).toBe(2);
    lag.forget();
    await lag.lagMs();
    expect(replica.probes).toBe(3);
  });

  it('an unreachable replica has no lag to trust, and is asked again only after the cache', async () => {
    let nowMs = 0;
    const replica = probed(() => new Error('connect ECONNREFUSED'));
    const lag = new ReplicaLag(replica, { now: () => nowMs, cacheMs: 250 });
    expect(await lag.lagMs()).toBeUndefined();
    expect(await lag.lagMs()).toBeUndefined();
    expect(replica.probes).toBe(1);
    nowMs = 300;
    expect(await lag.lagMs()).toBeUndefined();
    expect(replica.probes).toBe(2);
  });

  it('a replica that does not answer in time is treated as lagging', async () => {
    vi.useFakeTimers();
    try {
      const lag = new ReplicaLag(
        probed(() => 'hang'),
        { timeoutMs: 1000 },
      );
      const measured = lag.lagMs();
      await vi.advanceTimersByTimeAsync(1000);
      expect(await measured).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads the lag from what the replica says: caught up 0, else the age of its last replay', async () => {
    expect(await new ReplicaLag(probed(() => CAUGHT_UP)).lagMs()).toBe(0);
    expect(await new ReplicaLag(probed(() => LAGGING)).lagMs()).toBe(5_000);
    expect(await new ReplicaLag(probed(() => NOT_A_STANDBY)).lagMs()).toBeUndefined();
    expect(await new ReplicaLag(undefined).lagMs()).toBeUndefined();
  });
});

describe('historyReads', () => {
  const client = (answer: () => Promise<SqlResult>) => ({
    calls: 0,
    query: async function (this: { calls: number }) {
      this.calls++;
      return answer();
    } as unknown as SqlClient['query'],
    copyFrom: async () => 0,
  });

  it('rethrows an error of the query itself rather than asking the primary the same wrong thing', async () => {
    const bad = Object.assign(new Error('relation "nope" does not exist'), { code: '42P01' });
    expect(replicaUnavailable(bad)).toBe(false);
    const replica = client(() => Promise.reject(bad));
    const primary = client(() => Promise.resolve({ rows: [], rowCount: 0 }));
    const reads = await historyReads(
      {
        db: primary as unknown as Database,
        readDb: replica as unknown as Database,
        replicaLag: { lagMs: async () => 0, forget() {} } as unknown as ReplicaLag,
        config: { readMaxLagMs: 1000 },
      },
      { fresh: false },
    );
    expect(reads.source).toBe('replica');
    await expect(reads.query('SELECT * FROM nope')).rejects.toThrow(/does not exist/);
    expect(primary.calls).toBe(0);
  });

  it('says which failures are the replica’s: connections, shutdowns, recovery conflicts', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    expect(replicaUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(replicaUnavailable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    for (const code of ['08006', '08001', '57P01', '57P03', '53300', '40001'])
      expect(replicaUnavailable(coded(code)), code).toBe(true);
    for (const code of ['42P01', '22P02', '23505']) expect(replicaUnavailable(coded(code)), code).toBe(false);
  });
});
