// The ledger's only door to a cryptography implementation: SHA-256 and Ed25519 (RFC 8032).
// Everything else in src/ledger is plain TypeScript, so a browser build swaps this one file
// (for WebCrypto or a pure implementation) and keeps the rest unchanged.

import {
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  hash,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { concatBytes } from './encoding.js';
import { LedgerError } from './errors.js';

// DER prefixes of the PKCS #8 and SubjectPublicKeyInfo encodings of Ed25519 keys
// (RFC 8410 §7 and §4): the raw 32-byte seed or public key follows them.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

export const ED25519_SEED_SIZE = 32;
export const ED25519_PUBLIC_KEY_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;

/**
 * SHA-256 of the concatenation of `parts`. The parts are copied into one buffer and hashed by
 * the one-shot crypto.hash (Node >= 20.12): for the ledger's inputs (a leaf's entry, a node's
 * 65 bytes) that costs about two thirds of a createHash object with an update per part, and
 * the ledger hashes twice per append.
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  // Not concatBytes (a zero-filled Uint8Array, the parts spread as arguments): on this path it
  // measured 20-30% fewer ledger appends/s than an unfilled Buffer, overwritten whole anyway.
  let data: Uint8Array;
  if (parts.length === 1) data = parts[0]!;
  else {
    let length = 0;
    for (const part of parts) length += part.length;
    data = Buffer.allocUnsafe(length);
    let offset = 0;
    for (const part of parts) {
      data.set(part, offset);
      offset += part.length;
    }
  }
  const digest = hash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_SIZE) {
    throw new LedgerError('KEY_MALFORMED', `an Ed25519 seed has ${ED25519_SEED_SIZE} bytes`);
  }
  return createPrivateKey({
    key: Buffer.from(concatBytes(PKCS8_ED25519_PREFIX, seed)),
    format: 'der',
    type: 'pkcs8',
  });
}

/** Undefined when the bytes are not a valid Ed25519 public key (wrong length, not a curve point). */
function publicKeyObject(publicKey: Uint8Array): KeyObject | undefined {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_SIZE) return undefined;
  try {
    return createPublicKey({
      key: Buffer.from(concatBytes(SPKI_ED25519_PREFIX, publicKey)),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return undefined;
  }
}

/** The Ed25519 public key of a 32-byte seed (RFC 8032 §5.1.5). */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - ED25519_PUBLIC_KEY_SIZE));
}

/** `size` bytes from the platform's CSPRNG. */
export function randomBytesFromCsprng(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

/** A fresh Ed25519 key pair from the platform's CSPRNG. */
export function generateEd25519(): { seed: Uint8Array; publicKey: Uint8Array } {
  const seed = new Uint8Array(randomBytes(ED25519_SEED_SIZE));
  return { seed, publicKey: ed25519PublicKey(seed) };
}

/** A signing function bound to one seed, so that the key is decoded once, not per message. */
export function ed25519Signer(seed: Uint8Array): (message: Uint8Array) => Uint8Array {
  const key = privateKeyFromSeed(seed);
  // Ed25519 takes no separate digest: the algorithm argument is null (RFC 8032 PureEdDSA).
  return (message) => new Uint8Array(cryptoSign(null, message, key));
}

/**
 * A verification function bound to one public key. It never throws: a malformed key,
 * signature or message simply does not verify.
 */
export function ed25519Verifier(
  publicKey: Uint8Array,
): (message: Uint8Array, signature: Uint8Array) => boolean {
  const key = publicKeyObject(publicKey);
  return (message, signature) => {
    if (key === undefined) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_SIZE) return false;
    try {
      return cryptoVerify(null, message, key, signature);
    } catch {
      return false;
    }
  };
}

/** Ed25519 signature of `message` under the key of `seed` (deterministic, RFC 8032 §5.1.6). */
export function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519Signer(seed)(message);
}

/** Whether `signature` is a valid Ed25519 signature of `message` under `publicKey`. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return ed25519Verifier(publicKey)(message, signature);
}
