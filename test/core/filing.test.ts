import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/core/errors.js';
import {
  decodeDevicePublicKey,
  decodeUnitSequence,
  encodeUnitSequence,
  isRegionCode,
  isUsableEd25519PublicKey,
  parseProductionDate,
  unitSequenceOfSerial,
} from '../../src/core/filing.js';
import { ISO_3166_ALPHA2_COUNTRIES, S34 } from '../../src/robot-id/index.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof PlatformError ? error.code : String(error);
  }
}

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

describe('production dates', () => {
  const today = new Date('2026-11-26T09:00:00Z');

  it('accepts real calendar days from 2010 up to today (UTC)', () => {
    expect(parseProductionDate('2026-05-14', today)).toEqual({
      text: '2026-05-14',
      year: 2026,
      month: 5,
      day: 14,
    });
    expect(parseProductionDate('2010-01-01', today).year).toBe(2010);
    expect(parseProductionDate('2026-11-26', today).day).toBe(26);
    expect(parseProductionDate('2024-02-29', today).month).toBe(2);
  });

  it('400 VALIDATION_FAILED for what is not a date, 422 PRODUCTION_DATE_INVALID for the wrong years or the future', () => {
    for (const text of [
      '2026-02-30',
      '2025-02-29',
      '2026-13-01',
      '2026-00-10',
      '26-05-14',
      '2026-5-14',
      '',
    ]) {
      expect(
        codeOf(() => parseProductionDate(text, today)),
        text,
      ).toBe('VALIDATION_FAILED');
    }
    for (const text of ['2009-12-31', '2040-01-01', '2026-11-27', '2027-01-01']) {
      expect(
        codeOf(() => parseProductionDate(text, today)),
        text,
      ).toBe('PRODUCTION_DATE_INVALID');
    }
  });
});

describe('unit sequences', () => {
  it('writes the platform counter in S34, 14 characters, zero-padded', () => {
    expect(encodeUnitSequence(0)).toBe('00000000000000');
    expect(encodeUnitSequence(1)).toBe('00000000000001');
    expect(encodeUnitSequence(33)).toBe('0000000000000Z');
    expect(encodeUnitSequence(34)).toBe('00000000000010');
    expect(encodeUnitSequence(34n ** 14n - 1n)).toBe('ZZZZZZZZZZZZZZ');
    expect(() => encodeUnitSequence(34n ** 14n)).toThrow(RangeError);
    expect(() => encodeUnitSequence(-1)).toThrow(RangeError);
  });

  it('decodes what it encodes, never using I or O (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 34n ** 14n - 1n }), (value) => {
        const text = encodeUnitSequence(value);
        expect(text).toMatch(/^[0-9A-HJ-NP-Z]{14}$/);
        expect(decodeUnitSequence(text)).toBe(value);
      }),
    );
  });

  it('orders like the numbers it stands for, so consecutive allocations sort (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const [x, y] = [encodeUnitSequence(a), encodeUnitSequence(b)];
        expect(Math.sign(a - b)).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
    );
  });

  it('takes a manufacturer serial of 1-14 S34 characters, left-padded', () => {
    expect(unitSequenceOfSerial('12345')).toBe('00000000012345');
    expect(unitSequenceOfSerial('F03K2A7Q81')).toBe('0000F03K2A7Q81');
    for (const bad of ['', 'I1', 'O', 'ab', '123456789012345', '12-3']) {
      expect(
        codeOf(() => unitSequenceOfSerial(bad)),
        bad,
      ).toBe('VALIDATION_FAILED');
    }
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...S34), minLength: 1, maxLength: 14 }), (serial) => {
        expect(unitSequenceOfSerial(serial).endsWith(serial)).toBe(true);
      }),
    );
  });
});

describe('site regions', () => {
  const assigned = (code: string) => Object.hasOwn(ISO_3166_ALPHA2_COUNTRIES, code);

  it('accepts GB/T 2260 codes and ISO 3166-2 codes of assigned countries', () => {
    for (const region of [
      '420100',
      '110000',
      '440300',
      '820000',
      'CN-HB',
      'CN-BJ',
      'DE-BY',
      'US-CA',
      'GB-ENG',
    ]) {
      expect(isRegionCode(region, assigned), region).toBe(true);
    }
  });

  it('refuses anything else', () => {
    for (const region of [
      '990000',
      '100000',
      '12345',
      '1234567',
      'ZZ-AB',
      'CN-',
      'cn-hb',
      'CN-ABCD',
      'Hubei',
    ]) {
      expect(isRegionCode(region, assigned), region).toBe(false);
    }
  });
});

describe('device public keys (Ed25519, RFC 8032 §5.1.3)', () => {
  it('accepts the RFC 8032 §7.1 test public keys and freshly generated ones', () => {
    for (const key of [
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    ]) {
      expect(isUsableEd25519PublicKey(hex(key)), key).toBe(true);
    }
    for (let i = 0; i < 20; i++) {
      const x = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
      expect(decodeDevicePublicKey(x)).toEqual(new Uint8Array(Buffer.from(x, 'base64url')));
    }
  });

  // The eight points of small order, as listed by Chalkias et al., "Taming the many EdDSAs"
  // (2020), and libsodium's blocklist: every signature check against them is meaningless.
  it('refuses points of small order', () => {
    for (const point of [
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0000000000000000000000000000000000000000000000000000000000000080',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    ]) {
      expect(isUsableEd25519PublicKey(hex(point)), point).toBe(false);
    }
  });

  it('refuses encodings that are not curve points, and y ≥ p', () => {
    const y2 = new Uint8Array(32);
    y2[0] = 2;
    expect(isUsableEd25519PublicKey(y2)).toBe(false);
    expect(isUsableEd25519PublicKey(new Uint8Array(32).fill(0xff))).toBe(false);
    // p itself (2^255 - 19), little-endian: a non-canonical y.
    expect(
      isUsableEd25519PublicKey(hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')),
    ).toBe(false);
    expect(isUsableEd25519PublicKey(new Uint8Array(31))).toBe(false);
  });

  it('400 DEVICE_KEY_INVALID for text that is not canonical unpadded base64url of 32 bytes', () => {
    const good = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 43 characters carry 258 bits: the 2 spare bits of the last one must be zero.
    const nonCanonical = good.slice(0, 42) + alphabet.charAt(alphabet.indexOf(good.at(-1)!) ^ 1);
    for (const text of [
      '',
      `${good}=`,
      good.slice(0, 42),
      `${good}A`,
      Buffer.alloc(32, 0xfb).toString('base64'),
      nonCanonical,
    ]) {
      expect(
        codeOf(() => decodeDevicePublicKey(text)),
        text,
      ).toBe('DEVICE_KEY_INVALID');
    }
  });
});
