import { PGlite, types } from '@electric-sql/pglite';
import { claimDataDir, restrictUmask, tightenDataDir } from './data-dir.js';
import {
  type CopyRows,
  copyStatement,
  type Database,
  type SqlClient,
  type SqlResult,
  type SqlRow,
  type SqlTransaction,
} from './sql-client.js';

/** The subset of PGlite (and of its transaction object) that the adapter uses. */
interface PgliteQueryable {
  query<T>(
    sql: string,
    params?: unknown[],
    options?: { blob?: Blob },
  ): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function adapt(target: PgliteQueryable): SqlClient {
  return {
    // One in-process connection, which prepares every statement anyway: a named statement is its text.
    async query<R extends SqlRow = SqlRow>(sql: string | { text: string }, params: readonly unknown[] = []) {
      const result = await target.query<R>(typeof sql === 'string' ? sql : sql.text, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 } satisfies SqlResult<R>;
    },
    // PGlite has no COPY FROM STDIN; it reads COPY data from the pseudo-file /dev/blob.
    async copyFrom(rows: CopyRows) {
      const blob = new Blob([rows.data]);
      const result = await target.query(copyStatement(rows, "'/dev/blob'"), [], { blob });
      return result.affectedRows ?? 0;
    },
  };
}

export interface PgliteDatabaseOptions {
  /** Directory of the database files; undefined keeps everything in memory (tests). */
  dataDir?: string | undefined;
}

export async function openPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  // A data directory is this process's alone, and its user's alone, while it is open.
  const claim = options.dataDir === undefined ? undefined : await claimDataDir(options.dataDir);
  const restoreUmask = claim ? restrictUmask() : () => {};
  const letGo = () => {
    claim?.release();
    restoreUmask();
  };
  let db: PGlite;
  try {
    db = await PGlite.create({
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      parsers: { [types.INT8]: (value: string) => Number(value) },
    });
    if (options.dataDir !== undefined) await tightenDataDir(options.dataDir);
  } catch (error) {
    letGo();
    throw error;
  }
  const direct = adapt(db);
  return {
    dialect: 'pglite',
    query: direct.query,
    copyFrom: direct.copyFrom,
    // PGlite is one connection; its transaction() holds a mutex so statements of other
    // callers wait instead of interleaving with ours.
    transaction: (work) =>
      db.transaction((tx) => {
        const transaction: SqlTransaction = {
          ...adapt(tx),
          execScript: async (sql) => {
            await tx.exec(sql);
          },
        };
        return work(transaction);
      }),
    async execScript(sql) {
      await db.exec(sql);
    },
    async close() {
      try {
        await db.close();
        if (options.dataDir !== undefined) await tightenDataDir(options.dataDir);
      } finally {
        letGo();
      }
    },
  };
}
