// C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 cosignature/v1: a
// witness's statement that, as of a time, the checkpoint is the largest consistent tree head it
// has seen for the log. It is a note signature line whose key hash uses type byte 0x04 and whose
// signature is timestamp (uint64, big-endian) ‖ Ed25519 signature over
//
//   cosignature/v1\n
//   time <timestamp>\n
//   <the whole checkpoint body, extension lines included>

import { parseCheckpoint } from './checkpoint.js';
import { ED25519_SIGNATURE_SIZE, ed25519Signer, ed25519Verifier } from './crypto.js';
import {
  concatBytes,
  decodeBase64,
  decodeUtf8,
  isSafeCount,
  readUint32BE,
  readUint64BE,
  uint64BE,
  utf8,
} from './encoding.js';
import { LedgerError } from './errors.js';
import {
  formatSignatureLine,
  generateSignerKey,
  keyHash,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  parseSignerKey,
  parseVerifierKey,
  SIGNATURE_TYPE,
  type SignerKey,
  type VerifierKey,
} from './note.js';

export const COSIGNATURE_V1_HEADER = 'cosignature/v1';
const TIMESTAMP_SIZE = 8;
const KEY_HASH_SIZE = 4;
const SIGNATURE_LINE_PREFIX = '\u2014 ';
/** tlog-cosignature: the timestamp MUST NOT exceed 2^63-1. */
const MAX_SPEC_TIMESTAMP = (1n << 63n) - 1n;

function invalid(message: string): LedgerError {
  return new LedgerError('COSIGNATURE_INVALID', message);
}

function checkTimestamp(timestamp: number): void {
  // Numbers keep 2^53-1 exactly, some 285 million years of seconds: plenty, and anything beyond
  // is refused rather than rounded.
  if (!isSafeCount(timestamp)) throw invalid('the timestamp must be a safe non-negative integer of seconds');
}

/** The message an Ed25519 cosignature/v1 signs (tlog-cosignature "Ed25519 signed message"). */
export function cosignatureMessage(checkpointText: string, timestamp: number): Uint8Array {
  checkTimestamp(timestamp);
  parseCheckpoint(checkpointText);
  return utf8(`${COSIGNATURE_V1_HEADER}\ntime ${timestamp}\n${checkpointText}`);
}

/**
 * A key used for cosignatures: type 0x04. A type 0x01 key is accepted and treated as the
 * same Ed25519 key of type 0x04 (so its key hash changes), as transparency-dev/formats does.
 */
function asCosignerKey<K extends VerifierKey>(key: K): K {
  if (key.type === SIGNATURE_TYPE.cosignatureV1) return key;
  const type = SIGNATURE_TYPE.cosignatureV1;
  return { ...key, type, keyHash: keyHash(key.name, type, key.publicKey) };
}

/** A fresh witness key pair with type 0x04: `PRIVATE+KEY+name+hex8+base64(0x04 ‖ seed)` and its vkey. */
export function generateCosignerKey(name: string): { signerKey: string; verifierKey: string } {
  return generateSignerKey(name, SIGNATURE_TYPE.cosignatureV1);
}

/** The parsed cosigner (witness) signer key. */
export function parseCosignerKey(skey: string | SignerKey): SignerKey {
  return asCosignerKey(typeof skey === 'string' ? parseSignerKey(skey) : skey);
}

/** The parsed cosigner (witness) verifier key. */
export function parseCosignerVerifierKey(vkey: string | VerifierKey): VerifierKey {
  return asCosignerKey(typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey);
}

/**
 * A NoteSigner that cosigns checkpoint notes with signNote, reading the time from `clock`
 * (POSIX seconds; the system clock by default).
 */
export function cosignatureSigner(
  skey: string | SignerKey,
  clock: () => number = () => Math.floor(Date.now() / 1000),
): NoteSigner {
  const key = parseCosignerKey(skey);
  const sign = ed25519Signer(key.seed);
  return {
    name: key.name,
    keyHash: key.keyHash,
    sign(text) {
      const checkpointText = decodeUtf8(text);
      if (checkpointText === undefined) throw invalid('the checkpoint is not valid UTF-8');
      const timestamp = clock();
      const message = cosignatureMessage(checkpointText, timestamp); // checks the timestamp first
      return concatBytes(uint64BE(BigInt(timestamp)), sign(message));
    },
  };
}

/** Cosigns a checkpoint body at `timestamp`; returns the signature line, newline included. */
export function cosignCheckpoint(
  checkpointText: string,
  witness: string | SignerKey,
  timestamp: number,
): string {
  checkTimestamp(timestamp);
  const signer = cosignatureSigner(witness, () => timestamp);
  return formatSignatureLine(signer.name, signer.keyHash, signer.sign(utf8(checkpointText)));
}

/** The timestamp of a timestamped signature (after the key hash), or undefined if it is not one. */
function splitTimestamped(signature: Uint8Array): { timestamp: number; ed25519: Uint8Array } | undefined {
  if (signature.length !== TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE) return undefined;
  const timestamp = readUint64BE(signature, 0);
  if (timestamp > MAX_SPEC_TIMESTAMP || timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { timestamp: Number(timestamp), ed25519: signature.subarray(TIMESTAMP_SIZE) };
}

/** A NoteVerifier for a witness's cosignatures, to pass to openNote or openCheckpoint. */
export function cosignatureVerifier(vkey: string | VerifierKey): NoteVerifier {
  const key = parseCosignerVerifierKey(vkey);
  const verify = ed25519Verifier(key.publicKey);
  return {
    name: key.name,
    keyHash: key.keyHash,
    verify(text, signature) {
      const parts = splitTimestamped(signature);
      const checkpointText = decodeUtf8(text);
      if (parts === undefined || checkpointText === undefined) return false;
      try {
        return verify(cosignatureMessage(checkpointText, parts.timestamp), parts.ed25519);
      } catch {
        return false;
      }
    },
  };
}

/**
 * Verifies one witness's cosignature line (`— name base64`, with or without its newline) over
 * a checkpoint body; returns its timestamp. The line is attacker-controlled: it must be by
 * exactly the given key (name and key hash) and carry 8 + 64 signature bytes that verify.
 * Whether the timestamp is acceptable (not in the future, recent) is the caller's policy.
 */
export function verifyCosignature(
  checkpointText: string,
  signatureLine: string,
  witness: string | VerifierKey,
): { name: string; keyHash: number; timestamp: number } {
  const key = parseCosignerVerifierKey(witness);
  parseCheckpoint(checkpointText);
  if (typeof signatureLine !== 'string') throw invalid('the signature line is not a string');
  const line = signatureLine.endsWith('\n') ? signatureLine.slice(0, -1) : signatureLine;
  if (!line.startsWith(SIGNATURE_LINE_PREFIX))
    throw invalid('a signature line starts with an em dash and a space');
  const rest = line.slice(SIGNATURE_LINE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const raw = space < 0 ? undefined : decodeBase64(rest.slice(space + 1), false);
  if (raw === undefined || raw.length < KEY_HASH_SIZE) throw invalid('the signature is not base64');
  if (name !== key.name || readUint32BE(raw, 0) !== key.keyHash)
    throw invalid('the cosignature is by another key');
  const parts = splitTimestamped(raw.subarray(KEY_HASH_SIZE));
  if (parts === undefined) throw invalid('not an Ed25519 cosignature/v1 (timestamp and 64-byte signature)');
  const message = cosignatureMessage(checkpointText, parts.timestamp);
  if (!ed25519Verifier(key.publicKey)(message, parts.ed25519))
    throw invalid('the cosignature does not verify');
  return { name: key.name, keyHash: key.keyHash, timestamp: parts.timestamp };
}

/** The timestamp in a cosignature/v1 note signature (unverified: check it with cosignatureVerifier). */
export function cosignatureTimestamp(signature: NoteSignature): number {
  const raw = decodeBase64(signature.base64, false);
  const parts =
    raw !== undefined && raw.length >= KEY_HASH_SIZE
      ? splitTimestamped(raw.subarray(KEY_HASH_SIZE))
      : undefined;
  if (parts === undefined) throw invalid('not an Ed25519 cosignature/v1 signature');
  return parts.timestamp;
}
