import { describe, expect, it } from 'vitest';
import { ed25519PublicKey, generateEd25519, sha256, sign, verify } from '../../src/ledger/crypto.js';
import { expectLedgerError, flipBit, fromHex, hex } from './support.js';

describe('crypto', () => {
  it('computes SHA-256 over concatenated parts (FIPS 180-2 "abc")', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe(abc);
    expect(hex(sha256(Uint8Array.of(0x61), Uint8Array.of(0x62, 0x63)))).toBe(abc);
  });

  it('signs and verifies RFC 8032 §7.1 TEST 1', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const publicKey = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signature =
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
    expect(ed25519PublicKey(seed)).toEqual(publicKey);
    expect(hex(sign(seed, new Uint8Array(0)))).toBe(signature);
    expect(verify(publicKey, new Uint8Array(0), fromHex(signature))).toBe(true);
    expect(verify(publicKey, Uint8Array.of(0), fromHex(signature))).toBe(false);
    expect(verify(publicKey, new Uint8Array(0), flipBit(fromHex(signature), 100))).toBe(false);
  });

  it('never throws on malformed verification input', () => {
    const { seed, publicKey } = generateEd25519();
    const message = Uint8Array.of(1, 2, 3);
    const signature = sign(seed, message);
    expect(verify(publicKey, message, signature)).toBe(true);
    expect(verify(publicKey.subarray(1), message, signature)).toBe(false);
    expect(verify(publicKey, message, signature.subarray(1))).toBe(false);
    expect(verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(false);
  });

  it('generates distinct keys and refuses a seed of the wrong length', () => {
    expect(generateEd25519().seed).not.toEqual(generateEd25519().seed);
    expectLedgerError(() => sign(new Uint8Array(31), new Uint8Array(0)), 'KEY_MALFORMED');
  });
});
