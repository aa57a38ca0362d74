// Every database test runs against a real database: an in-memory PGlite by default, or, when
// DATABASE_URL is set (as .ci/run does on its second pass), a fresh PostgreSQL database
// created for the test file and dropped after it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { it } from 'vitest';
import { migrate } from '../../src/server/db/migrate.js';
import { openDatabase } from '../../src/server/db/open-database.js';
import type { Database } from '../../src/server/db/sql-client.js';

export const backend: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

/**
 * `it` for a test of one backend's own behaviour: registered only in the run for that backend
 * (CI runs the suite on both), so no run reports it as skipped.
 */
export function itOnBackend(which: typeof backend): typeof it | ((...args: Parameters<typeof it>) => void) {
  return backend === which ? it : () => {};
}

export interface TestDatabase {
  db: Database;
  /** The URL of the PostgreSQL test database (undefined on PGlite). */
  url: string | undefined;
  close(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, empty, migrated database of the backend under test. */
export async function openTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const db = await openDatabase({});
    if (options.migrate !== false) await migrate(db);
    return { db, url: undefined, close: () => db.close() };
  }
  const name = `rl_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const db = await openDatabase({ databaseUrl: url, maxConnections: 30 });
  if (options.migrate !== false) await migrate(db);
  return {
    db,
    url,
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
