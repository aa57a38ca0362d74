// Version 2 ledger entries: each leaf commits to a record without disclosing it. The entry is
// the canonical JSON {"commitment": base64(SHA-256(salt ‖ record)), "kind", "v": 2}; the
// record and its salt travel only inside an opening, to whoever may see the record. The leaf
// hash, proofs and checkpoints are those of RFC 9162 and C2SP, unchanged.
// See docs/ledger-formats.md "Version 2".

import { parseCanonicalJson } from './canonical-json.js';
import { randomBytesFromCsprng, sha256 } from './crypto.js';
import { bytesEqual, decodeBase64, decodeUtf8, encodeBase64, isSafeCount, utf8 } from './encoding.js';
import { LedgerError, type LedgerErrorCode } from './errors.js';
import { HASH_SIZE, leafHash, verifyInclusion } from './merkle.js';

/** The entry format version this module writes and reads. */
export const COMMITMENT_ENTRY_VERSION = 2;

/** Bytes of fresh CSPRNG salt per record: SHA-256(salt ‖ record) then hides guessable records. */
export const SALT_SIZE = 32;

/**
 * Record kinds are short snake_case names (`robot_event`, `telemetry_batch`). The pinned format
 * allows any string; this log keeps to names that need no escaping in JSON or in a log line.
 */
const KIND = /^[a-z][a-z0-9_]{0,63}$/;

export function isValidRecordKind(kind: unknown): kind is string {
  return typeof kind === 'string' && KIND.test(kind);
}

/** What a version 2 leaf holds and commits to. */
export interface CommittedRecord {
  readonly kind: string;
  /** SHA-256(salt ‖ record bytes). */
  readonly commitment: Uint8Array;
  /** The entry bytes: canonical JSON of {commitment, kind, v: 2}. */
  readonly entry: Uint8Array;
  /** RFC 9162 leaf hash, SHA-256(0x00 ‖ entry). */
  readonly leafHash: Uint8Array;
}

/** An opening as it travels (JSON): it lets its holder check one record against the log. */
export interface OpeningJson {
  readonly index: number;
  readonly kind: string;
  /** Canonical padded base64 of the 32-byte salt. */
  readonly salt: string;
  /** Canonical padded base64 of the record's canonical JSON bytes. */
  readonly record: string;
}

/** An opening with its fields decoded. */
export interface Opening {
  readonly index: number;
  readonly kind: string;
  readonly salt: Uint8Array;
  readonly record: Uint8Array;
}

/** An opening whose commitment, entry and leaf hash have been recomputed. */
export interface OpenedRecord extends CommittedRecord {
  readonly index: number;
  readonly salt: Uint8Array;
  /** The record's canonical JSON bytes. */
  readonly recordBytes: Uint8Array;
  /** The record, parsed. */
  readonly record: unknown;
}

function entryError(message: string): LedgerError {
  return new LedgerError('COMMITMENT_ENTRY_MALFORMED', message);
}

function openingError(message: string, code: LedgerErrorCode = 'OPENING_MALFORMED'): LedgerError {
  return new LedgerError(code, message);
}

/** Salts drawn from the CSPRNG at once: one call per SALT_POOL salts instead of one per record. */
const SALT_POOL = 128;
let saltPool: Uint8Array = new Uint8Array(0);
let saltPoolUsed = 0;

/**
 * A fresh salt of SALT_SIZE bytes from the CSPRNG; one per record, never reused. Drawn in
 * blocks (each byte still comes from the CSPRNG and goes to one salt only): at tens of
 * thousands of appends a second, a CSPRNG call per record costs more than the hashing.
 */
export function makeSalt(): Uint8Array {
  if (saltPoolUsed === saltPool.length) {
    saltPool = randomBytesFromCsprng(SALT_SIZE * SALT_POOL);
    saltPoolUsed = 0;
  }
  const salt = saltPool.subarray(saltPoolUsed, saltPoolUsed + SALT_SIZE);
  saltPoolUsed += SALT_SIZE;
  return salt;
}

/** SHA-256(salt ‖ record bytes). */
export function recordCommitment(salt: Uint8Array, recordBytes: Uint8Array): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_SIZE) {
    throw entryError(`a salt has ${SALT_SIZE} bytes`);
  }
  if (!(recordBytes instanceof Uint8Array)) throw entryError('a record is bytes');
  return sha256(salt, recordBytes);
}

/** The entry bytes: the canonical JSON of exactly {commitment, kind, v: 2}. */
export function formatCommitmentEntry(kind: string, commitment: Uint8Array): Uint8Array {
  if (!isValidRecordKind(kind)) throw entryError(`invalid record kind ${JSON.stringify(kind)}`);
  if (!(commitment instanceof Uint8Array) || commitment.length !== HASH_SIZE) {
    throw entryError(`a commitment has ${HASH_SIZE} bytes`);
  }
  // The canonical JSON written out: members in RFC 8785 order, and neither a kind (KIND) nor
  // base64 has a character JSON escapes (the vectors check it against canonicalJson).
  return utf8(
    `{"commitment":"${encodeBase64(commitment)}","kind":"${kind}","v":${COMMITMENT_ENTRY_VERSION}}`,
  );
}

/**
 * Commits to a record: `recordBytes` must be the record's canonical JSON (canonicalJsonBytes);
 * the writer makes them, so they are not parsed again here. A verifier refuses an opening
 * whose record bytes are not canonical, so a writer that skipped canonicalJsonBytes is caught
 * by the first check of its output.
 */
export function commitRecord(kind: string, recordBytes: Uint8Array, salt: Uint8Array): CommittedRecord {
  const commitment = recordCommitment(salt, recordBytes);
  const entry = formatCommitmentEntry(kind, commitment);
  return { kind, commitment, entry, leafHash: leafHash(entry) };
}

/**
 * Reads a version 2 entry (from the log, a tile or a mirror: attacker-controlled). Refused
 * (COMMITMENT_ENTRY_MALFORMED) unless the bytes are exactly what formatCommitmentEntry writes
 * for the kind and commitment they hold: so a version 1 entry, extra members, whitespace or
 * another version are never taken for a version 2 entry.
 */
export function parseCommitmentEntry(entry: Uint8Array): { kind: string; commitment: Uint8Array } {
  if (!(entry instanceof Uint8Array)) throw entryError('an entry is bytes');
  const text = decodeUtf8(entry);
  let value: unknown;
  try {
    value = text === undefined ? undefined : JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw entryError('the entry is not a JSON object');
  }
  const { commitment, kind, v } = value as Record<string, unknown>;
  if (v !== COMMITMENT_ENTRY_VERSION) throw entryError('the entry is not of version 2');
  const digest = typeof commitment === 'string' ? decodeBase64(commitment, true) : undefined;
  if (digest === undefined || digest.length !== HASH_SIZE || !isValidRecordKind(kind)) {
    throw entryError('the entry has no valid commitment and kind');
  }
  if (!bytesEqual(formatCommitmentEntry(kind, digest), entry)) {
    throw entryError('the entry is not exactly the canonical {commitment, kind, v}');
  }
  return { kind, commitment: digest };
}

function checkOpening(opening: Opening): Opening {
  if (!isSafeCount(opening.index)) throw openingError('the index is not a safe non-negative integer');
  if (!isValidRecordKind(opening.kind)) throw openingError('invalid record kind');
  if (!(opening.salt instanceof Uint8Array) || opening.salt.length !== SALT_SIZE) {
    throw openingError(`a salt has ${SALT_SIZE} bytes`);
  }
  if (!(opening.record instanceof Uint8Array) || opening.record.length === 0) {
    throw openingError('a record is at least one byte');
  }
  return opening;
}

/** The JSON form of an opening. */
export function formatOpening(opening: Opening): OpeningJson {
  checkOpening(opening);
  return {
    index: opening.index,
    kind: opening.kind,
    salt: encodeBase64(opening.salt),
    record: encodeBase64(opening.record),
  };
}

const OPENING_FIELDS = ['index', 'kind', 'record', 'salt'];

/**
 * Decodes the JSON form of an opening. Openings come from a server, a report or a file:
 * exactly the four members, a safe index, a valid kind, canonical padded base64 (one spelling
 * per byte string), a salt of 32 bytes and a non-empty record. OPENING_MALFORMED otherwise.
 */
export function parseOpening(json: unknown): Opening {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw openingError('an opening is a JSON object');
  }
  const fields = Object.keys(json).sort();
  if (fields.length !== OPENING_FIELDS.length || fields.some((f, i) => f !== OPENING_FIELDS[i])) {
    throw openingError('an opening has exactly the members index, kind, salt and record');
  }
  const { index, kind, salt, record } = json as Record<string, unknown>;
  if (typeof salt !== 'string' || typeof record !== 'string')
    throw openingError('salt and record are base64');
  const saltBytes = decodeBase64(salt, true);
  const recordBytes = decodeBase64(record, true);
  if (saltBytes === undefined || recordBytes === undefined) {
    throw openingError('salt and record are canonical padded base64');
  }
  return checkOpening({ index: index as number, kind: kind as string, salt: saltBytes, record: recordBytes });
}

/**
 * Recomputes what an opening commits to, without a proof: the record must be canonical JSON
 * (RECORD_NOT_CANONICAL), and a record that names its kind (a top-level `kind` member) must
 * name the entry's (OPENING_KIND_MISMATCH). The leaf hash returned is only as good as the
 * check that it is in the log: verifyOpening does both.
 */
export function openRecord(opening: Opening | OpeningJson): OpenedRecord {
  // Typed callers pass either form; anything else (parsed from a file) goes through parseOpening.
  const decoded =
    typeof opening === 'object' && opening !== null && opening.salt instanceof Uint8Array
      ? checkOpening(opening as Opening)
      : parseOpening(opening);
  const { index, kind, salt, record: recordBytes } = decoded;
  const record = parseCanonicalJson(recordBytes);
  if (typeof record === 'object' && record !== null && !Array.isArray(record) && 'kind' in record) {
    const named = (record as { kind: unknown }).kind;
    if (named !== kind) {
      throw openingError(`the record is a ${String(named)}, its entry a ${kind}`, 'OPENING_KIND_MISMATCH');
    }
  }
  const committed = commitRecord(kind, recordBytes, salt);
  return { ...committed, index, salt, recordBytes, record };
}

/**
 * Checks an opening against the log: the record is canonical, the commitment, entry and leaf
 * hash are recomputed, and the leaf must be the one at `index` in the tree of `checkpoint`
 * (RFC 9162 §2.1.3.2). A wrong salt, record, kind, index or proof gives OPENING_NOT_INCLUDED
 * with the proof's LedgerError as the cause. `checkpoint` must come from a verified signed
 * checkpoint (openCheckpoint): the size and root are trusted together.
 */
export function verifyOpening(
  opening: Opening | OpeningJson,
  checkpoint: { readonly size: number; readonly rootHash: Uint8Array },
  proof: readonly Uint8Array[],
): OpenedRecord {
  const opened = openRecord(opening);
  try {
    verifyInclusion(opened.leafHash, opened.index, checkpoint.size, proof, checkpoint.rootHash);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new LedgerError(
      'OPENING_NOT_INCLUDED',
      `the opened ${opened.kind} is not leaf ${opened.index} of the tree of size ${checkpoint.size}: ${error.message}`,
      { cause: error },
    );
  }
  return opened;
}
