// C2SP signed notes (https://c2sp.org/signed-note), as implemented by Go's
// golang.org/x/mod/sumdb/note: Ed25519 keys in the vkey/skey text formats, signing, and opening
// (parsing and verifying) notes. Opening accepts and rejects exactly the notes that Go's
// note.Open does (test/ledger/conformance.test.ts runs Go's vectors).

import { ed25519PublicKey, ed25519Signer, ed25519Verifier, generateEd25519, sha256 } from './crypto.js';
import {
  concatBytes,
  decodeBase64,
  decodeUtf8,
  encodeBase64,
  hex8,
  isWellFormed,
  readUint32BE,
  uint32BE,
  utf8,
} from './encoding.js';
import { LedgerError } from './errors.js';

/** Signature type bytes (signed-note "Signature types"). */
export const SIGNATURE_TYPE = {
  /** Ed25519 over the note text (signed-note "Ed25519 signatures"). */
  ed25519: 0x01,
  /** Timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature). */
  cosignatureV1: 0x04,
} as const;

export type SignatureType = (typeof SIGNATURE_TYPE)[keyof typeof SIGNATURE_TYPE];

const SUPPORTED_TYPES: readonly number[] = Object.values(SIGNATURE_TYPE);

/** A parsed verifier key, `name+hex8+base64(type ‖ public key)`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyHash: number;
  readonly type: SignatureType;
  readonly publicKey: Uint8Array;
}

/** A parsed signer key, `PRIVATE+KEY+name+hex8+base64(type ‖ seed)`. */
export interface SignerKey extends VerifierKey {
  readonly seed: Uint8Array;
}

/** Signs note texts: `sign` gets the UTF-8 text and returns the signature bytes (after the key hash). */
export interface NoteSigner {
  readonly name: string;
  readonly keyHash: number;
  sign(text: Uint8Array): Uint8Array;
}

/** Verifies note signatures of one key: `verify` gets the UTF-8 text and the signature bytes. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyHash: number;
  /** The base64 of the line: key hash ‖ signature. */
  readonly base64: string;
}

/** A syntactically valid note, its signatures not yet checked. */
export interface ParsedNote {
  readonly text: string;
  readonly signatures: readonly (NoteSignature & { readonly signature: Uint8Array })[];
}

/** A note with at least one verified signature. */
export interface OpenedNote {
  readonly text: string;
  /** Signatures by the verifiers given, each verified. */
  readonly sigs: readonly NoteSignature[];
  /** Signatures by keys not among the verifiers, left unchecked (signed-note "Signatures"). */
  readonly unverifiedSigs: readonly NoteSignature[];
}

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
/** Go's note.Open refuses notes with more signatures than this, to bound the work. */
export const MAX_NOTE_SIGNATURES = 100;

// Go's unicode.IsSpace: the Latin-1 spaces and the Unicode White_Space characters (not U+FEFF,
// which JavaScript's \s would include).
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;
// Any ASCII control character other than newline (signed-note "Format").
const CONTROL = /[\x00-\x09\x0B-\x1F]/;

/** signed-note "Format": key names are non-empty, with no Unicode spaces and no `+`. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name !== '' &&
    isWellFormed(name) &&
    !UNICODE_SPACE.test(name) &&
    !name.includes('+')
  );
}

/** Key ID: the first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ type ‖ public key). */
export function keyHash(name: string, type: number, publicKey: Uint8Array): number {
  return readUint32BE(sha256(utf8(name), Uint8Array.of(0x0a, type), publicKey), 0);
}

function keyError(message: string): LedgerError {
  return new LedgerError('KEY_MALFORMED', message);
}

/** Splits at the first `+` like Go's strings.Cut: no `+` gives the whole string and ''. */
function cut(text: string): [string, string] {
  const at = text.indexOf('+');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** The type byte and 32 key bytes of a key's base64 field, or a KEY_MALFORMED error. */
function decodeKeyMaterial(key64: string): { type: SignatureType; key: Uint8Array } {
  const material = decodeBase64(key64, false);
  if (material === undefined || material.length === 0) throw keyError('the key is not base64');
  const type = material[0]!;
  if (!SUPPORTED_TYPES.includes(type))
    throw keyError(`unsupported key type 0x${type.toString(16).padStart(2, '0')}`);
  if (material.length !== 33) throw keyError('an Ed25519 key has 32 bytes');
  return { type: type as SignatureType, key: material.subarray(1) };
}

function parseHex8(hash16: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(hash16)) throw keyError('the key hash is not 8 hexadecimal digits');
  return Number.parseInt(hash16, 16);
}

/**
 * Parses a verifier key `name+hex8+base64(type ‖ public key)` (signed-note "Verifier keys"),
 * type 0x01 (note signatures) or 0x04 (cosignatures), and checks its key hash.
 * Key strings come from configuration or the network: everything is checked.
 */
export function parseVerifierKey(vkey: string): VerifierKey {
  if (typeof vkey !== 'string') throw keyError('a verifier key is a string');
  const [name, rest] = cut(vkey);
  const [hash16, key64] = cut(rest);
  if (!isValidKeyName(name)) throw keyError('invalid key name');
  const hash = parseHex8(hash16);
  const { type, key } = decodeKeyMaterial(key64);
  if (keyHash(name, type, key) !== hash) throw keyError('the key hash does not match the key');
  return { name, keyHash: hash, type, publicKey: new Uint8Array(key) };
}

/** Parses a signer key `PRIVATE+KEY+name+hex8+base64(type ‖ seed)` and checks its key hash. */
export function parseSignerKey(skey: string): SignerKey {
  if (typeof skey !== 'string') throw keyError('a signer key is a string');
  const [private1, rest1] = cut(skey);
  const [private2, rest2] = cut(rest1);
  const [name, rest3] = cut(rest2);
  const [hash16, key64] = cut(rest3);
  if (private1 !== 'PRIVATE' || private2 !== 'KEY') throw keyError('a signer key starts with PRIVATE+KEY+');
  if (!isValidKeyName(name)) throw keyError('invalid key name');
  const hash = parseHex8(hash16);
  const { type, key } = decodeKeyMaterial(key64);
  const seed = new Uint8Array(key);
  const publicKey = ed25519PublicKey(seed);
  if (keyHash(name, type, publicKey) !== hash) throw keyError('the key hash does not match the key');
  return { name, keyHash: hash, type, publicKey, seed };
}

function checkKeyFields(name: string, type: number, key: Uint8Array): void {
  if (!isValidKeyName(name)) throw keyError('invalid key name');
  if (!SUPPORTED_TYPES.includes(type)) throw keyError(`unsupported key type ${type}`);
  if (!(key instanceof Uint8Array) || key.length !== 32) throw keyError('an Ed25519 key has 32 bytes');
}

/** Formats a verifier key; `type` defaults to 0x01 (Ed25519 note signatures). */
export function formatVerifierKey(key: {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly type?: SignatureType;
}): string {
  const type = key.type ?? SIGNATURE_TYPE.ed25519;
  checkKeyFields(key.name, type, key.publicKey);
  const hash = keyHash(key.name, type, key.publicKey);
  return `${key.name}+${hex8(hash)}+${encodeBase64(concatBytes(Uint8Array.of(type), key.publicKey))}`;
}

/** Formats a signer key; `type` defaults to 0x01 (Ed25519 note signatures). */
export function formatSignerKey(key: {
  readonly name: string;
  readonly seed: Uint8Array;
  readonly type?: SignatureType;
}): string {
  const type = key.type ?? SIGNATURE_TYPE.ed25519;
  checkKeyFields(key.name, type, key.seed);
  const hash = keyHash(key.name, type, ed25519PublicKey(key.seed));
  return `PRIVATE+KEY+${key.name}+${hex8(hash)}+${encodeBase64(concatBytes(Uint8Array.of(type), key.seed))}`;
}

/** The verifier key that goes with a signer key. */
export function verifierKeyOf(skey: string | SignerKey): string {
  const key = typeof skey === 'string' ? parseSignerKey(skey) : skey;
  return formatVerifierKey({ name: key.name, publicKey: key.publicKey, type: key.type });
}

/** A fresh key pair, as (secret) signer key and (public) verifier key strings. */
export function generateSignerKey(
  name: string,
  type: SignatureType = SIGNATURE_TYPE.ed25519,
): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw keyError('invalid key name');
  const { seed, publicKey } = generateEd25519();
  return {
    signerKey: formatSignerKey({ name, seed, type }),
    verifierKey: formatVerifierKey({ name, publicKey, type }),
  };
}

/** A signer of plain Ed25519 note signatures (type 0x01). */
export function noteSigner(skey: string | SignerKey): NoteSigner {
  const key = typeof skey === 'string' ? parseSignerKey(skey) : skey;
  if (key.type !== SIGNATURE_TYPE.ed25519) {
    throw keyError('not an Ed25519 note key (type 0x01); a cosigner key signs with cosignatureSigner');
  }
  return { name: key.name, keyHash: key.keyHash, sign: ed25519Signer(key.seed) };
}

/** A verifier of plain Ed25519 note signatures (type 0x01). */
export function noteVerifier(vkey: string | VerifierKey): NoteVerifier {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey;
  if (key.type !== SIGNATURE_TYPE.ed25519) {
    throw keyError('not an Ed25519 note key (type 0x01); a cosigner key verifies with cosignatureVerifier');
  }
  return { name: key.name, keyHash: key.keyHash, verify: ed25519Verifier(key.publicKey) };
}

/** One signature line, `— name base64(key hash ‖ signature)` and a newline. */
export function formatSignatureLine(name: string, hash: number, signature: Uint8Array): string {
  return `${SIGNATURE_PREFIX}${name} ${encodeBase64(concatBytes(uint32BE(hash), signature))}\n`;
}

function malformed(message: string): LedgerError {
  return new LedgerError('NOTE_MALFORMED', message);
}

function checkText(text: string, what: string): void {
  if (typeof text !== 'string' || !isWellFormed(text)) throw malformed(`${what} is not valid UTF-8`);
  if (CONTROL.test(text)) throw malformed(`${what} contains a control character other than newline`);
}

/**
 * Signs a note text (which must end in a newline) with each signer: the text, a blank line,
 * then one signature line per signer in the order given.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text, 'the note text');
  if (!text.endsWith('\n')) throw malformed('the note text must end with a newline');
  if (signers.length === 0) throw malformed('a note needs at least one signature');
  const textBytes = utf8(text);
  let lines = '';
  for (const signer of signers) {
    if (!isValidKeyName(signer.name)) throw keyError('invalid signer name');
    lines += formatSignatureLine(signer.name, signer.keyHash, signer.sign(textBytes));
  }
  return `${text}\n${lines}`;
}

/**
 * Parses a signed note without checking any signature. The note is attacker-controlled: it is
 * refused (NOTE_MALFORMED) unless it is valid UTF-8 without control characters other than
 * newline, ends with a blank line followed by newline-terminated signature lines
 * `— name base64`, every name valid, every base64 at least 5 bytes, and at most
 * MAX_NOTE_SIGNATURES lines.
 */
export function parseNote(message: string | Uint8Array): ParsedNote {
  const decoded = message instanceof Uint8Array ? decodeUtf8(message) : message;
  if (decoded === undefined) throw malformed('the note is not valid UTF-8');
  checkText(decoded, 'the note');
  // The text ends at the last blank line; what follows is the signature block.
  const split = decoded.lastIndexOf('\n\n');
  if (split < 0) throw malformed('the note has no blank line before its signatures');
  const text = decoded.slice(0, split + 1);
  const block = decoded.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('the signature block is empty or unterminated');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX))
      throw malformed('a signature line does not start with an em dash and a space');
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const base64 = space < 0 ? '' : rest.slice(space + 1);
    const raw = decodeBase64(base64, false);
    if (!isValidKeyName(name) || base64 === '' || raw === undefined || raw.length < 5) {
      throw malformed('a signature line has an invalid name or signature');
    }
    return { name, keyHash: readUint32BE(raw, 0), base64, signature: raw.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Opens a signed note (signed-note "Signatures"): signatures by keys among `verifiers` (same
 * name AND key hash) must verify, or the whole note is refused; others are returned unchecked
 * in `unverifiedSigs`; at least one must verify (NOTE_UNVERIFIED otherwise). Repeated lines by
 * one key are dropped, as Go does.
 */
export function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const parsed = parseNote(message);
  const textBytes = utf8(parsed.text);
  const sigs: NoteSignature[] = [];
  const unverifiedSigs: NoteSignature[] = [];
  const seenKeys = new Set<string>();
  const seenUnverified = new Set<string>();
  for (const { signature, ...line } of parsed.signatures) {
    const matches = verifiers.filter((v) => v.name === line.name && v.keyHash === line.keyHash);
    if (matches.length === 0) {
      const id = `${line.name} ${line.base64}`;
      if (!seenUnverified.has(id)) {
        seenUnverified.add(id);
        unverifiedSigs.push(line);
      }
      continue;
    }
    if (matches.length > 1) {
      throw new LedgerError('KEY_AMBIGUOUS', `more than one verifier for ${line.name}+${hex8(line.keyHash)}`);
    }
    const id = `${line.name}+${hex8(line.keyHash)}`;
    if (seenKeys.has(id)) continue;
    seenKeys.add(id);
    if (!matches[0]!.verify(textBytes, signature)) {
      throw new LedgerError('NOTE_UNVERIFIED', `the signature by ${id} is invalid`);
    }
    sigs.push(line);
  }
  if (sigs.length === 0) throw new LedgerError('NOTE_UNVERIFIED', 'no known key signed the note');
  return { text: parsed.text, sigs, unverifiedSigs };
}
