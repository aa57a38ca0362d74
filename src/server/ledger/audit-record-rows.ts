// Audit step 4 (ledger-audit.ts): every record row of every table with a `ledger_index` or
// `*_ledger_index` column points at an entry that exists and is of that record.
import type { SqlClient } from '../db/sql-client.js';
import type { AuditFinding } from './ledger-audit.js';

/** Step 4: every record row's ledger index points at an entry of that record. */
export async function auditRecordRows(
  client: SqlClient,
  size: number,
  chunk: number,
  find: (finding: AuditFinding) => void,
  onRow: () => void,
): Promise<void> {
  for (const { table, column, keys } of await ledgerIndexColumns(client)) {
    const keyList = keys.map((k) => `t.${quoteIdent(k)}::text`).join(', ');
    const col = `t.${quoteIdent(column)}`;
    let after = -1;
    for (;;) {
      const { rows } = await client.query<{
        at: number;
        keys: string[];
        kind: string | null;
        id: string | null;
      }>(
        `SELECT ${col} AS at, ARRAY[${keyList}] AS keys, e.record_kind AS kind, e.record_id AS id
           FROM ${quoteIdent(table)} t LEFT JOIN ledger_entries e ON e.idx = ${col} AND e.idx < $3
          WHERE ${col} IS NOT NULL AND ${col} > $1 ORDER BY ${col} LIMIT $2`,
        [after, chunk, size],
      );
      for (const row of rows) {
        onRow();
        const recordId = row.keys.join('/');
        const base = { table: `${table}.${column}`, index: row.at, recordId };
        if (row.id === null) {
          find({
            ...base,
            problem: 'RECORD_WITHOUT_LEAF',
            detail: `${table} row ${recordId} says its ${column} is ${row.at}, but the log has no entry ${row.at}`,
          });
        } else if (!recordIdMatches(row.id, row.keys)) {
          find({
            ...base,
            kind: row.kind ?? undefined,
            problem: 'RECORD_WITHOUT_LEAF',
            detail: `${table} row ${recordId} says its ${column} is ${row.at}, but entry ${row.at} is of ${row.kind} ${row.id}`,
          });
        }
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < chunk) break;
      after = last.at;
    }
  }
}

/** Tables (not partitions) with a `ledger_index` or `*_ledger_index` column, and their primary keys. */
export async function ledgerIndexColumns(
  client: SqlClient,
): Promise<{ table: string; column: string; keys: string[] }[]> {
  const { rows } = await client.query<{ table: string; column: string; keys: string[] | null }>(
    `SELECT c.relname AS table, a.attname AS column,
            (SELECT array_agg(k.attname::text ORDER BY x.ord)
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS x(attnum, ord)
               JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = x.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS keys
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND a.attnum > 0 AND NOT a.attisdropped
        AND (a.attname = 'ledger_index' OR a.attname LIKE '%\\_ledger\\_index')
      ORDER BY c.relname, a.attname`,
  );
  return rows.filter((r) => r.keys && r.keys.length > 0).map((r) => ({ ...r, keys: r.keys! }));
}

/**
 * Whether a ledger record id names the row with these primary-key values. Single keys are the
 * id itself; composite keys are joined with a separator the record kind chose ('/' for
 * hardware revisions, ':' for telemetry batches).
 */
function recordIdMatches(recordId: string, keys: readonly string[]): boolean {
  if (keys.length === 1) return recordId === keys[0];
  return ['/', ':', '|', ','].some((sep) => keys.join(sep) === recordId);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
