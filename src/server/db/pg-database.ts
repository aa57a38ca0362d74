import pg from 'pg';
import { CopyFromStdin } from './pg-copy.js';
import {
  type CopyRows,
  copyStatement,
  type Database,
  type NamedStatement,
  type SqlResult,
  type SqlRow,
  type SqlTransaction,
} from './sql-client.js';

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

async function run<R extends SqlRow>(
  client: pg.Pool | pg.PoolClient,
  sql: string | NamedStatement,
  params: readonly unknown[],
): Promise<SqlResult<R>> {
  const values = params.map(toPgParam);
  // A named statement is parsed and planned once per connection, then run by name.
  const result =
    typeof sql === 'string'
      ? await client.query(sql, values)
      : await client.query({ name: sql.name, text: sql.text, values });
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}

async function copyOn(client: pg.PoolClient, rows: CopyRows): Promise<number> {
  return client.query(new CopyFromStdin(copyStatement(rows, 'STDIN'), rows.data)).done;
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
  return {
    dialect: 'postgres',
    query: (sql, params = []) => run(pool, sql, params),
    // pg's Pool.query takes no Submittable: a COPY outside a transaction borrows a connection.
    async copyFrom(rows) {
      const client = await pool.connect();
      try {
        return await copyOn(client, rows);
      } finally {
        client.release();
      }
    },
    async transaction(work) {
      const client = await pool.connect();
      // BEGIN is not a round trip of its own: it goes with the transaction's first statement
      // when that one takes no parameters (the simple query protocol runs several statements
      // in one message), as the ledger's head lock does; otherwise just before it. A
      // transaction that runs nothing sends nothing.
      let begun = false;
      const begin = async () => {
        if (begun) return;
        begun = true;
        await client.query('BEGIN');
      };
      try {
        const tx: SqlTransaction = {
          query: async <R extends SqlRow>(sql: string | NamedStatement, params: readonly unknown[] = []) => {
            if (!begun && typeof sql === 'string' && params.length === 0) {
              begun = true;
              const results = (await client.query(`BEGIN;\n${sql}`)) as unknown as pg.QueryResult[];
              const last = results[results.length - 1]!;
              return { rows: last.rows as R[], rowCount: last.rowCount ?? 0 };
            }
            await begin();
            return run<R>(client, sql, params);
          },
          copyFrom: async (rows) => {
            await begin();
            return copyOn(client, rows);
          },
          execScript: async (sql) => {
            await begin();
            await client.query(sql);
          },
        };
        const result = await work(tx);
        if (begun) await client.query('COMMIT');
        return result;
      } catch (error) {
        if (begun) await client.query('ROLLBACK').catch(() => {});
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
