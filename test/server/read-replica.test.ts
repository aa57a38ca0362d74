// Ledger reads and a read replica (src/server/db/read-routing.ts): a read citing a tree size
// goes to ctx.readDb only when the replica holds a checkpoint of at least that size, else to
// the primary. "A replica in step" is a second connection to the same database; "a lagging
// replica" is a second, migrated database that has replayed nothing yet (no checkpoint). A
// counting wrapper says which database answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/server/app.js';
import type { AppContext } from '../../src/server/app-context.js';
import { loadConfig } from '../../src/server/config.js';
import { closeAppContext, createAppContext } from '../../src/server/context.js';
import { openDatabase } from '../../src/server/db/open-database.js';
import type { Database } from '../../src/server/db/sql-client.js';
import { ADMIN_TOKEN } from '../support/app.js';
import { backend, openTestDatabase, type TestDatabase } from '../support/database.js';

const METRICS_TOKEN = 'replica-metrics-token-0123456789';

/** `db`, counting the statements run through it. */
function counted(db: Database): Database & { statements: number } {
  const wrapper = {
    statements: 0,
    dialect: db.dialect,
    query: ((sql, params) => {
      wrapper.statements++;
      return db.query(sql, params);
    }) as Database['query'],
    copyFrom: (rows) => db.copyFrom(rows),
    transaction: (work) => db.transaction(work),
    execScript: (sql) => db.execScript(sql),
    close: async () => {},
  } satisfies Database & { statements: number };
  return wrapper;
}

async function platformWith(primary: Database, readDb: Database): Promise<{ app: App; ctx: AppContext }> {
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
    ROBOLEDGER_PUBLIC_RATE_LIMIT: '10000000',
    ROBOLEDGER_METRICS_TOKEN: METRICS_TOKEN,
  });
  const ctx = await createAppContext(primary, config, { readDb });
  const app = await buildApp(ctx);
  await app.ready();
  return { app, ctx };
}

describe(`ledger reads with a read replica (${backend})`, () => {
  let primary: TestDatabase;
  let lagging: TestDatabase;
  let inStep: Database;
  let size: number;

  beforeAll(async () => {
    primary = await openTestDatabase();
    lagging = await openTestDatabase();
    // On PostgreSQL a second pool on the primary's database; on PGlite the one in-process connection.
    inStep = primary.url ? await openDatabase({ databaseUrl: primary.url, maxConnections: 3 }) : primary.db;
    const { app, ctx } = await platformWith(primary.db, primary.db);
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/orgs',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { name: `org ${i}`, kind: 'operator', country: 'CN' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    size = (await ctx.checkpointer.checkpointNow()).size;
    await app.close();
    await closeAppContext(ctx);
  });
  afterAll(async () => {
    if (inStep !== primary?.db) await inStep?.close();
    await lagging?.close();
    await primary?.close();
  });

  const reads = () => [
    `/v1/ledger/entries/${size - 1}`,
    `/v1/ledger/proofs/inclusion?index=1&treeSize=${size}`,
    `/v1/ledger/proofs/consistency?from=1&to=${size}`,
    `/v1/ledger/checkpoints/${size}`,
    `/tile/entries/000.p/${size}`,
    `/tile/0/000.p/${size}`,
  ];

  it('a replica that holds the checkpointed tree answers the reads that cite it', async () => {
    const replica = counted(inStep);
    const { app, ctx } = await platformWith(primary.db, replica);
    try {
      for (const url of reads()) {
        const before = replica.statements;
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        // The replica's checkpoint lookup, then the read itself.
        expect(replica.statements - before, url).toBeGreaterThan(1);
      }
      const metrics = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(metrics.body).toMatch(/^roboledger_replica_lag_entries 0$/m);
    } finally {
      await app.close();
      await closeAppContext(ctx);
    }
  });

  it('a lagging replica is asked only how far it got: every read falls back to the primary, with the same answers', async () => {
    const replica = counted(lagging.db);
    const { app, ctx } = await platformWith(primary.db, replica);
    const reference = await platformWith(primary.db, primary.db);
    try {
      for (const url of reads()) {
        const before = replica.statements;
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        expect(replica.statements - before, url).toBe(1);
        const direct = await reference.app.inject({ method: 'GET', url });
        expect(res.rawPayload.equals(direct.rawPayload), url).toBe(true);
      }
      const metrics = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(metrics.body).toMatch(new RegExp(`^roboledger_replica_lag_entries ${size}$`, 'm'));
    } finally {
      await app.close();
      await closeAppContext(ctx);
      await reference.app.close();
      await closeAppContext(reference.ctx);
    }
  });
});
