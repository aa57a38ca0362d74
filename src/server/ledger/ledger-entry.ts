// A ledger entry is the RFC 8785 (JCS) canonical JSON of a record: the same record always
// gives the same bytes, so anyone can recompute the leaf from the record (docs/api.md "Ledger").

import canonicalizeModule from 'canonicalize';
import { PlatformError } from '../../core/errors.js';

// A CommonJS module whose default export is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export type LedgerRecordJson = { kind: string; id: string } & Record<string, unknown>;

export function canonicalEntry(record: LedgerRecordJson): Uint8Array {
  const text = canonicalize(record);
  if (text === undefined) throw new PlatformError('INTERNAL_INVARIANT', 'a ledger record must be JSON');
  return new TextEncoder().encode(text);
}

/** Timestamps in entries: RFC 3339 UTC with milliseconds, as the API shows them. */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
