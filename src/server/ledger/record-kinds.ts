// Every kind of record that goes into the ledger says how to rebuild its entry from the rows
// stored for it. Writers use the same function to make the entry, and `roboledger audit`
// uses it to recompute every leaf, so a row edited behind the platform's back is named.
//
// The kinds the platform writes are one explicit list (features/ledgered-records.ts), handed
// to the ledger writer (which refuses to append a kind not in it) and to audit: nothing is
// registered by importing a module, so audit cannot miss a kind the platform writes.
import { PlatformError } from '../../core/errors.js';
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

/** Types a record kind's definition (kept as a function so the Row type is inferred once). */
export function defineRecordKind<Row>(definition: LedgeredRecordKind<Row>): LedgeredRecordKind<Row> {
  return definition;
}

/** A closed set of record kinds, looked up by name. */
export class RecordKinds {
  readonly #byName = new Map<string, LedgeredRecordKind<unknown>>();

  constructor(kinds: readonly LedgeredRecordKind<unknown>[]) {
    for (const kind of kinds) {
      if (this.#byName.has(kind.kind)) {
        throw new PlatformError('INTERNAL_INVARIANT', `record kind ${kind.kind} is listed twice`);
      }
      this.#byName.set(kind.kind, kind);
    }
  }

  get(kind: string): LedgeredRecordKind<unknown> | undefined {
    return this.#byName.get(kind);
  }

  has(kind: string): boolean {
    return this.#byName.has(kind);
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }
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
