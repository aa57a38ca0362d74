// Reading a ledger record back the way a verifier does: the entry must be the version 2
// commitment of its stored opening, and the opened record (chain links aside) must be what the
// record kind rebuilds from the stored row (what `roboledger audit` checks).
import { expect } from 'vitest';
import { canonicalJsonBytes, formatCommitmentEntry, openRecord } from '../../src/ledger/index.js';
import type { SqlClient } from '../../src/server/db/sql-client.js';
import { loadOpenings } from '../../src/server/ledger/ledger-openings.js';
import { type RecordKinds, withoutChainLinks } from '../../src/server/ledger/record-kinds.js';

export interface OpenedLedgerRecord {
  kind: string;
  recordId: string;
  record: Record<string, unknown>;
}

/** Opens entry `index` with its stored opening; fails the test unless the entry commits to it. */
export async function openStoredRecord(db: SqlClient, index: number): Promise<OpenedLedgerRecord> {
  const opening = (await loadOpenings(db, [index])).get(index);
  expect(opening, `entry ${index} has an opening`).toBeDefined();
  const { rows } = await db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries WHERE idx = $1', [
    index,
  ]);
  const opened = openRecord(opening!);
  expect(Buffer.from(rows[0]!.entry)).toEqual(
    Buffer.from(formatCommitmentEntry(opened.kind, opened.commitment)),
  );
  return { kind: opened.kind, recordId: opening!.recordId, record: opened.record as Record<string, unknown> };
}

/** Opens entry `index` and checks its record rebuilds from the stored row; returns the record. */
export async function expectRecordRebuilds(
  db: SqlClient,
  kinds: RecordKinds,
  index: number,
): Promise<Record<string, unknown>> {
  const opened = await openStoredRecord(db, index);
  const kind = kinds.get(opened.kind)!;
  const row = await kind.load(db, opened.recordId);
  expect(row, `${opened.kind} ${opened.recordId} is stored`).not.toBeNull();
  expect(Buffer.from(canonicalJsonBytes(withoutChainLinks(opened.record)))).toEqual(
    Buffer.from(canonicalJsonBytes(kind.record(row as never))),
  );
  return opened.record;
}
