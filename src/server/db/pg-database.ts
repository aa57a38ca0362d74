import pg from 'pg';
import type { Database, SqlClient, SqlResult, SqlRow, SqlTransaction } from './sql-client.js';

// Per-pool type parsers (not the global pg.types) so the adapter never changes other code's pg.
const INT8_OID = 20;
const BYTEA_OID = 17;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    if (oid === BYTEA_OID) {
      const parseBytea = pg.types.getTypeParser(BYTEA_OID, 'text') as (v: string) => Buffer;
      return (value: string) => new Uint8Array(parseBytea(value));
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/** Postgres arrays of bytea need Buffers; Uint8Array parameters are converted at the edge. */
function toPgParam(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (Array.isArray(value)) return value.map(toPgParam);
  return value;
}

function adapt(client: pg.Pool | pg.PoolClient): SqlClient {
  return {
    async query<R extends SqlRow = SqlRow>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query(sql, params.map(toPgParam));
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 } satisfies SqlResult<R>;
    },
  };
}

export interface PgDatabaseOptions {
  connectionString: string;
  maxConnections?: number;
}

export function openPgDatabase(options: PgDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 20,
    types,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const direct = adapt(pool);
  return {
    dialect: 'postgres',
    query: direct.query,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: SqlTransaction = {
          ...adapt(client),
          execScript: async (sql) => {
            await client.query(sql);
          },
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async execScript(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}
