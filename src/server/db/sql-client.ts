// The one SQL interface the platform talks to. Two adapters implement it: `pg` (a pool on a
// PostgreSQL server, the system of record) and PGlite (PostgreSQL compiled to WASM, in
// process: the embedded default). Both run the same SQL and the same migrations, and both
// return values in the same JS types: int8 as number, bytea as Uint8Array, timestamptz as
// Date, jsonb parsed.

// `object`, not Record<string, unknown>, so that row interfaces can be named directly.
export type SqlRow = object;

export interface SqlResult<R extends SqlRow = SqlRow> {
  rows: R[];
  /** Rows inserted, updated or deleted by the statement. */
  rowCount: number;
}

/** What a statement needs: a connection, or a transaction on one. */
export interface SqlClient {
  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/** A client inside a transaction; `execScript` runs several statements (migrations). */
export interface SqlTransaction extends SqlClient {
  execScript(sql: string): Promise<void>;
}

export type Dialect = 'postgres' | 'pglite';

export interface Database extends SqlClient {
  readonly dialect: Dialect;
  /**
   * Runs `work` in one transaction (READ COMMITTED) on one connection and commits when it
   * resolves; any rejection rolls the whole transaction back and is rethrown.
   */
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  /** Several statements separated by semicolons, no parameters: migrations only. */
  execScript(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Postgres' SQLSTATE of a failed statement, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;
