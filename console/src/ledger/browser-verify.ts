// The ledger checks the console makes in the browser, with WebCrypto (SHA-256 and Ed25519, both
// asynchronous there): a checkpoint's signature under the log's verifier key, and an inclusion
// proof of one entry against that checkpoint's root (RFC 9162 §2.1.3.2). The formats are the
// ones src/ledger writes (docs/ledger-formats.md); the byte and base64 helpers are src/ledger's
// own, and only the parts that hash are written again here, because src/ledger hashes
// synchronously through node:crypto. test/console/browser-verify.test.ts checks this module
// against proofs the server makes.
import { bytesEqual, DECIMAL, decodeBase64, readUint32BE, utf8 } from '../../../src/ledger/encoding.js';

export class VerificationError extends Error {
  override readonly name = 'VerificationError';
}

const ED25519_KEY_TYPE = 0x01;
const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
const HASH_SIZE = 32;

function subtle() {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle)
    throw new VerificationError('this browser has no WebCrypto (a secure context is needed)');
  return crypto.subtle;
}

/** The bytes in a fresh ArrayBuffer, the type WebCrypto takes. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const data = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ entry). */
export const leafHash = (entry: Uint8Array) => sha256(Uint8Array.of(0x00), entry);
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Uint8Array.of(0x01), left, right);

export interface LogKey {
  name: string;
  keyHash: number;
  publicKey: Uint8Array;
}

/** Parses the log's verifier key `name+hex8+base64(0x01 ‖ public key)` and checks its key hash. */
export async function parseLogKey(vkey: string): Promise<LogKey> {
  // Split at the first two '+' only: the base64 key itself may contain '+'.
  const [, name, hash16, key64] = /^([^+]+)\+([^+]+)\+(.+)$/.exec(vkey.trim()) ?? [];
  if (!name || !hash16 || !key64 || !/^[0-9a-f]{8}$/i.test(hash16)) {
    throw new VerificationError('the log key is not name+hex8+base64');
  }
  const material = decodeBase64(key64, false);
  if (material?.length !== 33 || material[0] !== ED25519_KEY_TYPE) {
    throw new VerificationError('the log key is not an Ed25519 note key');
  }
  const publicKey = material.subarray(1);
  const digest = await sha256(utf8(name), Uint8Array.of(0x0a, ED25519_KEY_TYPE), publicKey);
  const keyHash = readUint32BE(digest, 0);
  if (keyHash !== Number.parseInt(hash16, 16))
    throw new VerificationError('the log key hash does not match the key');
  return { name, keyHash, publicKey };
}

export interface VerifiedCheckpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
}

/**
 * Checks a signed note (a checkpoint, a robot head): the log key's signature line must be there
 * and verify over the note's text (everything up to and including the blank line's first
 * newline), which is returned.
 */
export async function verifyNoteSignature(note: string, key: LogKey, what = 'checkpoint'): Promise<string> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new VerificationError(`the ${what} is not a signed note`);
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  let verified = false;
  for (const line of lines) {
    if (!line.startsWith(`${SIGNATURE_PREFIX}${key.name} `)) continue;
    const raw = decodeBase64(line.slice(SIGNATURE_PREFIX.length + key.name.length + 1), false);
    if (raw?.length !== 68 || readUint32BE(raw, 0) !== key.keyHash) continue;
    if (!(await verifyEd25519(key, raw.subarray(4), utf8(text)))) {
      throw new VerificationError(`the log's signature on the ${what} is invalid`);
    }
    verified = true;
  }
  if (!verified) throw new VerificationError(`the ${what} is not signed by the log key`);
  return text;
}

/** An Ed25519 signature by the log key over `message`. */
export async function verifyEd25519(
  key: LogKey,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  const publicKey = await subtle().importKey('raw', copy(key.publicKey), { name: 'Ed25519' }, false, [
    'verify',
  ]);
  return subtle().verify({ name: 'Ed25519' }, publicKey, copy(signature), copy(message));
}

/**
 * Opens a signed checkpoint note: signed by the log key (verifyNoteSignature); the text must be
 * `origin`, a canonical decimal size and a base64 root of 32 bytes.
 */
export async function verifyCheckpoint(note: string, key: LogKey): Promise<VerifiedCheckpoint> {
  const text = await verifyNoteSignature(note, key);
  const [origin, sizeLine, rootLine] = text.slice(0, -1).split('\n');
  if (!origin || !sizeLine || !DECIMAL.test(sizeLine) || !rootLine) {
    throw new VerificationError('the checkpoint text is not origin, size and root');
  }
  const rootHash = decodeBase64(rootLine, true);
  if (!rootHash || rootHash.length !== HASH_SIZE)
    throw new VerificationError('the checkpoint root is not 32 bytes');
  return { origin, size: Number(sizeLine), rootHash };
}

/** RFC 9162 §2.1.3.2: the root that `proof` implies for leaf `index` of a tree of `treeSize`. */
export async function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    throw new VerificationError(`index ${index} is not in a tree of ${treeSize}`);
  }
  if (leaf.length !== HASH_SIZE || proof.some((hash) => hash.length !== HASH_SIZE)) {
    throw new VerificationError('a hash of the proof is not 32 bytes');
  }
  // Plain numbers, not bit operators: sizes go past 2^32.
  const half = (n: number) => Math.floor(n / 2);
  let fn = index;
  let sn = treeSize - 1;
  let root = leaf;
  for (const sibling of proof) {
    if (sn === 0) throw new VerificationError('the inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      root = await nodeHash(sibling, root);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      root = await nodeHash(root, sibling);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new VerificationError('the inclusion proof is too short');
  return root;
}

export interface InclusionInput {
  /** GET /v1/ledger/key */
  logKey: string;
  /** GET /v1/ledger/checkpoint (or /v1/ledger/checkpoints/{size}) */
  checkpointNote: string;
  index: number;
  /** GET /v1/ledger/entries/{index}: the entry's bytes, base64 */
  entry: string;
  /** GET /v1/ledger/proofs/inclusion?index=&treeSize=: base64 hashes */
  proof: readonly string[];
}

export interface InclusionResult {
  checkpoint: VerifiedCheckpoint;
  leafHash: Uint8Array;
}

/**
 * The whole check: the checkpoint is the log's, the leaf hash is recomputed from the entry's own
 * bytes (not taken from the server), and the proof leads from it to the checkpoint's root.
 */
export async function verifyInclusionInBrowser(input: InclusionInput): Promise<InclusionResult> {
  const key = await parseLogKey(input.logKey);
  const checkpoint = await verifyCheckpoint(input.checkpointNote, key);
  const entry = decodeBase64(input.entry, false);
  if (!entry) throw new VerificationError('the entry is not base64');
  const leaf = await leafHash(entry);
  const proof = input.proof.map((hash) => {
    const bytes = decodeBase64(hash, false);
    if (!bytes) throw new VerificationError('a hash of the proof is not base64');
    return bytes;
  });
  const root = await rootFromInclusionProof(leaf, input.index, checkpoint.size, proof);
  if (!bytesEqual(root, checkpoint.rootHash)) {
    throw new VerificationError("the inclusion proof does not lead to the checkpoint's root");
  }
  return { checkpoint, leafHash: leaf };
}
