// What every ledgered record has in common: its kind and id, and timestamps written one way.
// The record's bytes are its RFC 8785 canonical JSON (src/ledger/canonical-json.ts), which the
// leaf commits to (record-kinds.ts; docs/ledger-formats.md "Version 2").

export type LedgerRecordJson = { kind: string; id: string } & Record<string, unknown>;

/** Timestamps in records: RFC 3339 UTC with milliseconds, as the API shows them. */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
