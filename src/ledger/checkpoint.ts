// C2SP checkpoints (https://c2sp.org/tlog-checkpoint): the body of the signed note a log
// publishes for its tree head. Three lines (origin, decimal size, base64 root hash), then
// optional non-empty extension lines, each ending in a newline.

import { DECIMAL, decodeBase64, encodeBase64, isWellFormed } from './encoding.js';
import { LedgerError } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import { type NoteVerifier, type OpenedNote, openNote } from './note.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Opaque extension lines (tlog-checkpoint "Note text" 4), without their newlines. */
  readonly extensions: readonly string[];
}

const CONTROL = /[\x00-\x1F]/;

function malformed(message: string): LedgerError {
  return new LedgerError('CHECKPOINT_MALFORMED', message);
}

function checkLine(line: string, what: string): void {
  if (typeof line !== 'string' || line === '') throw malformed(`the ${what} must be a non-empty string`);
  if (!isWellFormed(line) || CONTROL.test(line))
    throw malformed(`the ${what} has a newline, control character or lone surrogate`);
}

/** The checkpoint body: `origin\nsize\nbase64(root)\n` and one line per extension. */
export function formatCheckpoint(checkpoint: {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}): string {
  checkLine(checkpoint.origin, 'origin');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) {
    throw malformed('the size must be a safe non-negative integer');
  }
  if (!(checkpoint.rootHash instanceof Uint8Array) || checkpoint.rootHash.length !== HASH_SIZE) {
    throw malformed(`the root hash must be ${HASH_SIZE} bytes`);
  }
  const extensions = checkpoint.extensions ?? [];
  for (const line of extensions) checkLine(line, 'extension line');
  const lines = [
    checkpoint.origin,
    String(checkpoint.size),
    encodeBase64(checkpoint.rootHash),
    ...extensions,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Parses a checkpoint body (the text of an opened note). The text is attacker-controlled and
 * parsed strictly: a non-empty origin; a size in canonical decimal (no leading zeros) that is
 * at most 2^53-1, the largest size this implementation represents; a root hash in canonical
 * padded base64 of exactly 32 bytes; non-empty extension lines; a final newline.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformed('a checkpoint ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('a checkpoint has at least three lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'origin');
  if (!DECIMAL.test(sizeLine)) throw malformed('the size is not a canonical decimal number');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed('the size is larger than 2^53-1');
  const rootHash = decodeBase64(rootLine, true);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) {
    throw malformed(`the root hash is not canonical base64 of ${HASH_SIZE} bytes`);
  }
  for (const line of extensions) checkLine(line, 'extension line');
  return { origin, size, rootHash, extensions };
}

/**
 * Opens a signed checkpoint note with the log's verifier (and any witnesses' verifiers) and
 * parses its body. With `origin`, the checkpoint must be of that log (CHECKPOINT_ORIGIN_MISMATCH).
 */
export function openCheckpoint(
  message: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  options: { readonly origin?: string } = {},
): { checkpoint: Checkpoint; note: OpenedNote } {
  const note = openNote(message, verifiers);
  const checkpoint = parseCheckpoint(note.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new LedgerError(
      'CHECKPOINT_ORIGIN_MISMATCH',
      `the checkpoint is of ${checkpoint.origin}, not ${options.origin}`,
    );
  }
  return { checkpoint, note };
}
