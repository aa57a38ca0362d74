// Plain-SQL migrations, versioned by file name (`0001_registry.sql`) and checksummed, so a
// migration edited after it was applied is refused instead of silently diverging between
// databases. The same files run on PostgreSQL and PGlite.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Database } from './sql-client.js';

export const MIGRATIONS_DIR = new URL('../../../migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: 'MIGRATION_CHECKSUM_MISMATCH' | 'MIGRATION_UNKNOWN_VERSION' | 'MIGRATION_FILE_NAME',
    message: string,
  ) {
    super(message);
  }
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match)
      throw new MigrationError('MIGRATION_FILE_NAME', `migration file ${file} is not NNNN_name.sql`);
    const sql = await readFile(new URL(file, dir), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

/** Applies pending migrations in order, each in its own transaction; returns the versions applied. */
export async function migrate(db: Database, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: number[] = [];
  // Several processes may start at once against one PostgreSQL: one migrates, the others wait.
  await db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(7240001)');
    const { rows } = await tx.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    const known = new Map(all.map((m) => [m.version, m]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (!migration) {
        throw new MigrationError(
          'MIGRATION_UNKNOWN_VERSION',
          `the database has migration ${row.version}, which this build does not know: is it older than the database?`,
        );
      }
      if (migration.checksum !== row.checksum) {
        throw new MigrationError(
          'MIGRATION_CHECKSUM_MISMATCH',
          `migration ${row.version}_${migration.name} was changed after it was applied`,
        );
      }
    }
    const done = new Set(rows.map((r) => r.version));
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      await tx.execScript(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      applied.push(migration.version);
    }
  });
  return applied;
}
