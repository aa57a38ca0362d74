// Coded ledger errors. Callers branch on `code`, never on `message`; the original error, if
// any, is kept as `cause`. Every code is documented in docs/ledger-formats.md ("Error codes"),
// and test/ledger/errors.test.ts checks that it is. src/ledger imports nothing outside itself
// (but node:crypto, in crypto.ts), so the server maps these codes to HTTP statuses, not here.

export const LEDGER_ERROR_CODES = {
  PROOF_INVALID_SIZE:
    'A tree size or index is out of range: not a safe non-negative integer, index >= size, size1 > size2, or size1 = 0 for a consistency proof.',
  PROOF_WRONG_LENGTH:
    'A proof (or a list of node hashes to rehash) has the wrong number of hashes for its sizes.',
  PROOF_ROOT_MISMATCH: 'The root computed from a proof differs from the expected root.',
  HASH_WRONG_LENGTH: 'A hash is not a Uint8Array of 32 bytes.',
  NODE_MISSING: 'A stored Merkle node needed to restore a frontier or compute a root was not found.',
  NOTE_MALFORMED: 'A signed note (or the text to sign) breaks the C2SP signed-note syntax.',
  NOTE_UNVERIFIED: 'No known key verified the note, or a signature by a known key is invalid.',
  KEY_MALFORMED:
    'A signer or verifier key string is malformed, of an unsupported type, or its key hash does not match.',
  KEY_AMBIGUOUS: 'Two verifiers with the same key name and key hash were supplied.',
  CHECKPOINT_MALFORMED:
    'A checkpoint body breaks the C2SP tlog-checkpoint syntax, or its fields are out of range.',
  CHECKPOINT_ORIGIN_MISMATCH:
    'A checkpoint is of another log than the one expected (its origin line differs).',
  COSIGNATURE_INVALID:
    'A tlog-cosignature/v1 signature line is malformed, by another key, or does not verify.',
  TILE_PATH_MALFORMED:
    'A tile or entry-bundle path (or the coordinates to format one) breaks the C2SP tlog-tiles rules.',
  TILE_MALFORMED: 'Tile bytes are not a whole number of 32-byte hashes, or have the wrong width.',
  ENTRY_BUNDLE_MALFORMED:
    'An entry bundle is truncated, holds more than 256 entries, or the wrong number of them.',
  ENTRY_TOO_LARGE: 'An entry is longer than 65535 bytes and cannot be put in an entry bundle.',
  RECORD_NOT_CANONICAL:
    'A record is not JSON in RFC 8785 canonical form, or a value has no canonical JSON form (a non-finite number, a lone surrogate, a cycle, nesting deeper than 64).',
  COMMITMENT_ENTRY_MALFORMED:
    'A version 2 entry is not exactly the canonical JSON {commitment, kind, v: 2}, or the kind or salt to make one is invalid.',
  OPENING_MALFORMED:
    'An opening is not {index, kind, salt, record} with a safe index, a valid kind, a 32-byte salt and record bytes in canonical base64.',
  OPENING_KIND_MISMATCH: "An opened record names a kind other than its entry's.",
  OPENING_NOT_INCLUDED:
    "An opening's leaf is not the log's leaf at its index at the checkpoint (a wrong salt, record, kind, index or proof); the proof error is the cause.",
  ROBOT_HEAD_MALFORMED: 'A robot head breaks the robot-head note syntax, or its fields are out of range.',
  ROBOT_HEAD_ORIGIN_MISMATCH: 'A robot head is of another log than the one expected.',
  CHAIN_CHECKPOINT_MISMATCH:
    'A robot head and the checkpoint given to check a chain against are of different logs or tree sizes.',
  CHAIN_LINK_MALFORMED:
    'A chained record lacks a well-formed robotChain or batchChain link, or does not name its robot.',
  CHAIN_RECORD_OMITTED: "A seq of a robot's chain is missing from the records given.",
  CHAIN_OUT_OF_ORDER: "A robot's chained records are not given in seq order.",
  CHAIN_DUPLICATE: "A seq of a robot's chain is given twice.",
  CHAIN_FOREIGN_ROBOT: "A record of another robot is among a robot's chained records.",
  CHAIN_PREV_MISMATCH: 'A chained record does not name the record before it as its prev.',
  CHAIN_HEAD_MISMATCH: "A robot's chain does not end at the record its signed robot head names.",
} as const satisfies Record<string, string>;

export type LedgerErrorCode = keyof typeof LEDGER_ERROR_CODES;

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code: LedgerErrorCode;

  constructor(code: LedgerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export function isLedgerError(error: unknown): error is LedgerError {
  return error instanceof LedgerError;
}
