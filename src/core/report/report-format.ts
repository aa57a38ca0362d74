// The robot history report's format (docs/history-report.md): one signed document that a
// buyer, a new operator or a court reads instead of re-testing a used robot. Pure: the shape,
// the tiers and the bytes the log key signs, shared by the server that builds it, the command
// line that checks it and any browser console.

import { canonicalJsonBytes } from '../../ledger/index.js';

export * from './report-types.js';

/** The bytes the log key signs: RFC 8785 canonical JSON of the report without `signature`. */
export function reportSigningBytes(report: Record<string, unknown>): Uint8Array {
  const { signature: _signature, ...signed } = report;
  return canonicalJsonBytes(signed);
}
