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

/**
 * A statement worth preparing once per connection and then running by name: long statements
 * run many times a second, whose parse and plan would cost the database more than their rows.
 * The pg adapter prepares it per connection (a name must always go with the same text); PGlite,
 * one in-process connection, runs the text.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** Rows for `COPY table (columns) FROM ...` in PostgreSQL's text or binary COPY format. */
export interface CopyRows {
  table: string;
  columns: readonly string[];
  format: 'text' | 'binary';
  /** The whole COPY data: text lines, or the binary header, tuples and trailer. */
  data: Uint8Array;
}

/** What a statement needs: a connection, or a transaction on one. */
export interface SqlClient {
  query<R extends SqlRow = SqlRow>(
    sql: string | NamedStatement,
    params?: readonly unknown[],
  ): Promise<SqlResult<R>>;
  /** Bulk-loads rows by COPY (FROM STDIN on PostgreSQL, from a blob on PGlite); returns the row count. */
  copyFrom(rows: CopyRows): Promise<number>;
}

/** The COPY statement of `rows`, reading from `source` (`STDIN`, or PGlite's `'/dev/blob'`). */
export function copyStatement(rows: CopyRows, source: string): string {
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const columns = rows.columns.map(ident).join(', ');
  return `COPY ${ident(rows.table)} (${columns}) FROM ${source}${rows.format === 'binary' ? ' (FORMAT binary)' : ''}`;
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
