// The composition root (platform.ts): it starts every long-lived service, and close() stops
// them all, in the documented order, leaving nothing running: no server or broker socket, no
// verifier thread, no timer that holds the process. The final checkpoint covers the last commits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { leafHash, MerkleFrontier } from '../../src/ledger/index.js';
import { loadConfig } from '../../src/server/config.js';
import { loadMigrations, migrate } from '../../src/server/db/migrate.js';
import { openDatabase } from '../../src/server/db/open-database.js';
import { StartupError, startPlatform } from '../../src/server/platform.js';
import { backend, openTestDatabase } from '../support/database.js';

/** Active handles by type (sockets, servers, message ports of worker threads, ref'd timers). */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

describe(`startPlatform and close (${backend})`, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A fresh store; `migrate: false` leaves a PostgreSQL database empty (PGlite's always is). */
  async function configFor(options: { migrate?: boolean } = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), 'rl-platform-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    if (backend === 'postgres') {
      const database = await openTestDatabase({ migrate: options.migrate ?? true });
      await database.db.close();
      databaseUrl = database.url;
      // Drops the database after the test (openTestDatabase's close closes the handle first: closed already).
      cleanups.push(() => database.close().catch(() => undefined));
    }
    return loadConfig({
      LOG_LEVEL: 'silent',
      ROBOLEDGER_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      MQTT_PORT: '0',
      ROBOLEDGER_VERIFIER_THREADS: '2',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
  }

  it('refuses a store whose log is version 1, in one line naming the way out, and writes nothing to it', async () => {
    const config = await configFor({ migrate: false });
    // A store as a release before ledger version 2 left it: migrated to 0007, one record logged
    // in the clear (its canonical JSON as the entry).
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const all = await loadMigrations();
    await migrate(
      db,
      all.filter((m) => m.version <= 7),
    );
    const entry = Buffer.from('{"id":"o-1","kind":"organisation","name":"Old Org"}');
    const frontier = new MerkleFrontier();
    frontier.append(leafHash(entry));
    await db.query(
      `INSERT INTO ledger_entries (idx, entry, leaf_hash, record_kind, record_id, appended_at)
       VALUES (0, $1, $2, 'organisation', 'o-1', now())`,
      [entry, leafHash(entry)],
    );
    await db.query('UPDATE ledger_head SET size = 1, root = $1', [frontier.root()]);
    await db.close();

    const refused = await startPlatform(config).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StartupError);
    const message = (refused as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('version 1 ledger');
    expect(message).toContain('docs/ledger.md "Version 1 stores"');
    // Nothing was appended: the old entry is still the whole log.
    const after = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const { rows } = await after.query<{ size: number; version: number }>(
        'SELECT (SELECT size FROM ledger_head) AS size, (SELECT version FROM ledger_format) AS version',
      );
      expect(rows[0]).toEqual({ size: 1, version: 1 });
    } finally {
      await after.close();
    }
  });

  it('closes in the documented order, and the final checkpoint covers the last commits', async () => {
    const config = await configFor();
    const platform = await startPlatform(config);
    const { ctx, app } = platform;
    const order: string[] = [];
    const record = <T extends { close(): Promise<void> }>(name: string, service: T) => {
      const close = service.close.bind(service);
      service.close = async () => {
        order.push(`${name} start`);
        await close();
        order.push(`${name} done`);
      };
    };
    record('ingest', ctx.telemetryIngest);
    record('ledger', ctx.ledger);
    record('checkpointer', ctx.checkpointer);
    record('database', ctx.db);
    const closeApp = app.close.bind(app);
    app.close = (() => {
      order.push('http');
      return closeApp();
    }) as typeof app.close;
    // A unit of work still queued when close() is called: it must commit, then be checkpointed.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const lastWrite = ctx.ledger.run(async (_tx, ledger) => {
      await gate;
      return ledger.append({ kind: 'organisation', id: 'close-order-probe' }, new TextEncoder().encode('{}'));
    });
    const closed = platform.close();
    setTimeout(release, 50);
    await closed;
    const index = await lastWrite;
    expect(order).toEqual([
      'http',
      'ingest start',
      'ingest done',
      'ledger start',
      'ledger done',
      'checkpointer start',
      'checkpointer done',
      'database start',
      'database done',
    ]);
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const { rows } = await db.query<{ head: number; checkpointed: number }>(
        'SELECT (SELECT size FROM ledger_head) AS head, (SELECT max(size) FROM ledger_checkpoints) AS checkpointed',
      );
      expect(rows[0]!.head).toBe(index + 1);
      expect(rows[0]!.checkpointed).toBe(rows[0]!.head);
    } finally {
      await db.close();
    }
    // A platform on disk, started and stopped: generous on a busy machine.
  }, 300_000);

  it('leaves nothing running: sockets, broker, verifier threads and timers are all stopped', async () => {
    const config = await configFor();
    const before = resources();
    const platform = await startPlatform(config);
    // Everything is up: the HTTP server, the embedded broker, the ingest's verifier threads.
    expect(platform.mqttPort).toBeGreaterThan(0);
    expect(platform.ctx.telemetryIngest.started).toBe(true);
    const more = (type: string, n: number) => (resources().get(type) ?? 0) >= (before.get(type) ?? 0) + n;
    // Worker threads come up in the background (a busy machine takes its time).
    for (let turn = 0; turn < 600 && !more('MessagePort', 2); turn++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(more('TCPServerWrap', 2)).toBe(true);
    expect(more('MessagePort', 2)).toBe(true);
    const health = await fetch(`${platform.url}/healthz`);
    expect(health.status).toBe(200);
    await platform.close();
    // Sockets finish closing on the next turns of the event loop.
    let after = resources();
    for (let turn = 0; turn < 50 && !sameCounts(after, before); turn++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = resources();
    }
    // Nothing of the platform's is left: no kind of handle more than before it started. (One of
    // the test's own from before, say a database connection closing, may be gone by now.)
    const left = [...withoutTestTimer(after)].filter(([type, n]) => n > (before.get(type) ?? 0));
    expect(Object.fromEntries(left)).toEqual({});
  }, 300_000);
});

/** Whether `a` holds no more handles of any kind than `b` (timers aside). */
function sameCounts(a: Map<string, number>, b: Map<string, number>): boolean {
  return [...a.keys()].every((k) => k === 'Timeout' || (a.get(k) ?? 0) <= (b.get(k) ?? 0));
}

/** The polling loop's own timer is the test's, not the platform's. */
function withoutTestTimer(counts: Map<string, number>): Map<string, number> {
  const copy = new Map(counts);
  copy.delete('Timeout');
  return copy;
}
