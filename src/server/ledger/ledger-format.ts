// Which format a store's log is in (migration 0008, ledger_format). Version 1 logged each
// record in the clear; version 2 logs commitments and chains each robot's records. A log never
// mixes the two: a store that holds version 1 entries is refused, with the way out named, and
// nothing is appended to it (docs/ledger.md "Version 1 stores").
import type { SqlClient } from '../db/sql-client.js';

export class LedgerFormatError extends Error {
  override readonly name = 'LedgerFormatError';
}

/** Resolves if the store's log is version 2; otherwise a LedgerFormatError whose message is one line. */
export async function requireLedgerV2(client: SqlClient, where: string): Promise<void> {
  // A store no release of version 2 has migrated yet has no ledger_format table: it is version 1
  // if it holds entries at all.
  const { rows } = await client.query<{ version: number | null }>(
    `SELECT CASE WHEN to_regclass('ledger_format') IS NULL
                 THEN (SELECT CASE WHEN EXISTS (SELECT 1 FROM ledger_entries) THEN 1 ELSE 2 END)
            END AS version`,
  );
  let version = rows[0]?.version ?? null;
  if (version === null) {
    const stored = await client.query<{ version: number }>('SELECT version FROM ledger_format');
    version = stored.rows[0]?.version ?? null;
  }
  if (version === 2) return;
  throw new LedgerFormatError(
    `${where} holds a version ${version ?? 'unknown'} ledger (records logged in the clear), which this release neither extends nor serves; start on a new data directory or database and file the fleet again (docs/ledger.md "Version 1 stores")`,
  );
}
