// Every kind of record that goes into the ledger says how to rebuild its entry from the rows
// stored for it. Writers use the same function to make the entry, and `roboledger audit`
// uses it to recompute every leaf, so a row edited behind the platform's back is named.
import type { SqlClient } from '../db/sql-client.js';
import { canonicalEntry, type LedgerRecordJson } from './ledger-entry.js';
import type { LedgerAppender } from './ledger-writer.js';

export interface LedgeredRecordKind<Row> {
  kind: string;
  /** Loads the stored row(s) of record `id`; null if there is none. */
  load(client: SqlClient, id: string): Promise<Row | null>;
  /** The ledger entry of a stored row. */
  entry(row: Row): LedgerRecordJson;
}

const kinds = new Map<string, LedgeredRecordKind<never>>();

export function defineRecordKind<Row>(definition: LedgeredRecordKind<Row>): LedgeredRecordKind<Row> {
  if (kinds.has(definition.kind)) throw new Error(`record kind ${definition.kind} defined twice`);
  kinds.set(definition.kind, definition as unknown as LedgeredRecordKind<never>);
  return definition;
}

export function recordKind(kind: string): LedgeredRecordKind<unknown> | undefined {
  return kinds.get(kind) as LedgeredRecordKind<unknown> | undefined;
}

export function allRecordKinds(): string[] {
  return [...kinds.keys()].sort();
}

/** Appends the entry of a freshly written row; returns its ledger index. */
export function appendRecord<Row>(
  ledger: LedgerAppender,
  kind: LedgeredRecordKind<Row>,
  id: string,
  row: Row,
): number {
  return ledger.append({ kind: kind.kind, id }, canonicalEntry(kind.entry(row)));
}
