// `roboledger audit` as a real process over the platform's own database: PostgreSQL beside the
// running platform (DATABASE_URL), or an embedded PGlite data directory the platform has let go.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSignerKey, verifierKeyOf } from '../../src/ledger/index.js';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { closeAppContext, createAppContext } from '../../src/server/context.js';
import { migrate } from '../../src/server/db/migrate.js';
import { openDatabase } from '../../src/server/db/open-database.js';
import type { Database } from '../../src/server/db/sql-client.js';
import { ledgerKeyFromSignerKey } from '../../src/server/ledger/ledger-key.js';
import { asAttacker } from '../server/ledger/support.js';
import { ADMIN_TOKEN, createOrg, type TestPlatform } from '../support/app.js';
import { backend, openTestDatabase, type TestDatabase } from '../support/database.js';
import { fileRobot, recordEvent, SAMPLE_EVENT_DATA } from '../support/fleet.js';
import { expectExit, PROCESS_TEST_TIMEOUT_MS, roboledger } from './ledger-cli-support.js';

const ORIGIN = 'audit.roboledger.example/ledger';

describe(`roboledger audit, as a process (${backend})`, { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  const { signerKey } = generateSignerKey(ORIGIN);
  const verifierKey = verifierKeyOf(signerKey);
  let dataDir: string;
  let pg: TestDatabase | undefined;
  let env: Record<string, string>;
  let eventId: string;
  let eventIndex: number;

  /** Opens the database the CLI will audit (for PGlite: the data directory, which it must close again). */
  async function open(): Promise<Database> {
    if (pg) return pg.db;
    return openDatabase({ dataDir });
  }
  async function release(db: Database): Promise<void> {
    if (!pg) await db.close();
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rl-audit-'));
    if (backend === 'postgres') pg = await openTestDatabase();
    env = pg ? { DATABASE_URL: pg.url! } : { ROBOLEDGER_DATA_DIR: dataDir };
    env.ROBOLEDGER_LEDGER_ORIGIN = ORIGIN;

    const db = await open();
    if (!pg) await migrate(db);
    const config = loadConfig({
      ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
      ROBOLEDGER_LEDGER_ORIGIN: ORIGIN,
    });
    const ctx = await createAppContext(db, config, { ledgerKey: ledgerKeyFromSignerKey(signerKey, ORIGIN) });
    const app = await buildApp(ctx);
    await app.ready();
    const platform = {
      app,
      ctx,
      call: (method: 'GET' | 'POST', url: string, o: { token?: string; body?: unknown } = {}) =>
        app.inject({
          method,
          url,
          headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
          ...(o.body === undefined ? {} : { payload: o.body as object }),
        }),
    } as unknown as TestPlatform;
    const maker = await createOrg(platform, 'manufacturer');
    const robot = await fileRobot(platform, maker);
    const event = await recordEvent(
      platform,
      robot.robotId,
      maker,
      'deployment',
      SAMPLE_EVENT_DATA.deployment,
    );
    eventId = event.eventId as string;
    eventIndex = event.ledgerIndex as number;
    await app.close(); // checkpoints the last commits
    await closeAppContext(ctx);
    await release(db);
  });
  afterAll(async () => {
    await pg?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 0 on an untouched ledger, with the key given or found like serve finds it', async () => {
    const given = await roboledger(['audit', '--key', verifierKey], env);
    expect(given.stderr).toBe('');
    expectExit(given, 0);
    expect(given.stdout).toMatch(
      /audit: \d+ entries .* \(signatures checked\), 0 cosignatures: everything matches/,
    );
    const found = await roboledger(['audit'], { ...env, ROBOLEDGER_LEDGER_KEY: signerKey });
    expectExit(found, 0);
    const wrongKey = await roboledger(['audit', '--key', generateSignerKey(ORIGIN).verifierKey], env);
    expectExit(wrongKey, 1);
    expect(wrongKey.stdout).toContain('MISMATCH CHECKPOINT_SIGNATURE_INVALID');
  });

  it('names a record edited directly in the database with triggers off, and exits 1', async () => {
    const db = await open();
    await asAttacker(db, (tx) =>
      tx.query(`UPDATE robot_events SET data = data || '{"siteName": "Hall 9"}' WHERE id = $1`, [eventId]),
    );
    await release(db);
    const res = await roboledger(['audit', '--key', verifierKey, '--chunk', '3'], env);
    expectExit(res, 1);
    expect(res.stdout).toContain(
      `MISMATCH RECORD_MISMATCH index=${eventIndex} kind=robot_event id=${eventId}: the stored record differs from the logged record in data.siteName`,
    );
    expect(res.stdout).toMatch(/1 mismatch\(es\)/);
    const json = await roboledger(['audit', '--key', verifierKey, '--json'], env);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      problem: 'RECORD_MISMATCH',
      index: eventIndex,
      kind: 'robot_event',
      recordId: eventId,
    });
    expect(lines.at(-1).summary).toMatchObject({ mismatches: 1 });
  });

  it('exits 2 with a clear message when there is no database', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'rl-audit-empty-'));
    try {
      const res = await roboledger(['audit'], { ROBOLEDGER_DATA_DIR: empty });
      expectExit(res, 2);
      expect(res.stderr).toContain('no database in');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
