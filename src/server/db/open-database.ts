import { openPgDatabase } from './pg-database.js';
import { openPgliteDatabase } from './pglite-database.js';
import type { Database } from './sql-client.js';

export interface DatabaseSettings {
  /** A PostgreSQL URL; when absent the embedded PGlite database in `dataDir` is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined means in memory. */
  dataDir?: string | undefined;
  maxConnections?: number | undefined;
}

export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.databaseUrl) {
    return openPgDatabase({
      connectionString: settings.databaseUrl,
      maxConnections: settings.maxConnections ?? 20,
    });
  }
  return openPgliteDatabase({ dataDir: settings.dataDir });
}
