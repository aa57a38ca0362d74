// Pure rules of filing a robot (docs/api.md "Models and filing", docs/robot-id.md "Issuing"): what a
// production date, a device key, a serial and a site region must look like, and how the
// platform writes an allocated unit sequence. Nothing here touches a database or the clock:
// "today" is passed in.
import { PlatformError } from './errors.js';

/** `0-9` and `A-Z` without `I` and `O` (robot-id.md "Layout"); the digits of a unit sequence. */
const S34_DIGITS = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const UNIT_SEQUENCE_LENGTH = 14;

/** Years the VIN year table of RID-1 position 11 reads without a reference year. */
export const PRODUCTION_YEAR_RANGE = { first: 2010, last: 2039 } as const;

export interface ProductionDate {
  /** `YYYY-MM-DD`, as filed. */
  text: string;
  year: number;
  month: number;
  day: number;
}

/**
 * A production date as filed: a real calendar day `YYYY-MM-DD` (400 VALIDATION_FAILED
 * otherwise), in the years RID-1 encodes and not after `today` in UTC (422
 * PRODUCTION_DATE_INVALID: well-formed, but not a date a unit can have been built on).
 */
export function parseProductionDate(text: string, today: Date): ProductionDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    !match ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    throw new PlatformError(
      'VALIDATION_FAILED',
      `productionDate "${text}" is not a calendar date YYYY-MM-DD`,
      {
        field: 'productionDate',
      },
    );
  }
  if (year < PRODUCTION_YEAR_RANGE.first || year > PRODUCTION_YEAR_RANGE.last) {
    throw new PlatformError(
      'PRODUCTION_DATE_INVALID',
      `productionDate ${text}: RID-1 encodes production years ${PRODUCTION_YEAR_RANGE.first}-${PRODUCTION_YEAR_RANGE.last}`,
      { field: 'productionDate' },
    );
  }
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (date.getTime() > todayUtc) {
    throw new PlatformError('PRODUCTION_DATE_INVALID', `productionDate ${text} is in the future`, {
      field: 'productionDate',
    });
  }
  return { text, year, month, day };
}

/** The 14 characters of positions 15-28 for the platform's `value`-th allocated unit. */
export function encodeUnitSequence(value: number | bigint): string {
  let rest = BigInt(value);
  if (rest < 0n) throw new RangeError(`a unit sequence is not negative, got ${value}`);
  let digits = '';
  do {
    digits = S34_DIGITS.charAt(Number(rest % 34n)) + digits;
    rest /= 34n;
  } while (rest > 0n);
  if (digits.length > UNIT_SEQUENCE_LENGTH) throw new RangeError(`unit sequence ${value} exceeds 34^14`);
  return digits.padStart(UNIT_SEQUENCE_LENGTH, '0');
}

/** The value of a unit sequence (padded or not); the inverse of `encodeUnitSequence`. */
export function decodeUnitSequence(sequence: string): bigint {
  let value = 0n;
  for (const character of sequence) {
    const digit = S34_DIGITS.indexOf(character);
    if (digit < 0) throw new RangeError(`${JSON.stringify(character)} is not an S34 digit`);
    value = value * 34n + BigInt(digit);
  }
  return value;
}

/** A manufacturer's own serial as positions 15-28: S34, 1-14 characters, left-padded with 0. */
export function unitSequenceOfSerial(serial: string): string {
  if (!/^[0-9A-HJ-NP-Z]{1,14}$/.test(serial)) {
    throw new PlatformError(
      'VALIDATION_FAILED',
      'serial must be 1-14 characters of S34 (0-9, A-Z without I and O)',
      {
        field: 'serial',
      },
    );
  }
  return serial.padStart(UNIT_SEQUENCE_LENGTH, '0');
}

/**
 * A site region: a GB/T 2260 administrative division code (6 digits, province 11-82) or an
 * ISO 3166-2 subdivision code such as `CN-HB` whose country part is assigned.
 */
export function isRegionCode(region: string, isAssignedCountry: (alpha2: string) => boolean): boolean {
  const gbt2260 = /^([1-8]\d)\d{4}$/.exec(region);
  if (gbt2260) {
    const province = Number(gbt2260[1]);
    return province >= 11 && province <= 82;
  }
  const iso = /^([A-Z]{2})-[A-Z0-9]{1,3}$/.exec(region);
  return iso !== null && isAssignedCountry(iso[1]!);
}

// Ed25519 public keys (RFC 8032 §5.1.3). A device key arrives from a manufacturer's tooling;
// OpenSSL imports any 32 bytes without looking at them, so the point is decoded here: a key
// that is not on the curve, or is of small order (any "signature" verifies under it, RFC 8032
// §5.1.7 does not forbid them), would let anyone sign telemetry as the robot.
const P = 2n ** 255n - 19n;
const D = mod(-121665n * inverse(121666n));
const SQRT_MINUS_ONE = power(2n, (P - 1n) / 4n);

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function inverse(a: bigint): bigint {
  return power(a, P - 2n);
}

/** Decodes a point; null when the 32 bytes are not the encoding of a curve point. */
function decodePoint(bytes: Uint8Array): { x: bigint; y: bigint } | null {
  if (bytes.length !== 32) return null;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i]!);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return null;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * power(v, 3n) * power(u * power(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) return null;
    x = mod(x * SQRT_MINUS_ONE);
  }
  if (x === 0n && sign === 1n) return null;
  if ((x & 1n) !== sign) x = P - x;
  return { x, y };
}

/** Whether 8·(x, y) is the neutral element, i.e. the point lies in the small torsion subgroup. */
function hasSmallOrder(point: { x: bigint; y: bigint }): boolean {
  let X = point.x;
  let Y = point.y;
  let Z = 1n;
  for (let i = 0; i < 3; i++) {
    // Doubling on -x^2 + y^2 = 1 + d x^2 y^2 in projective coordinates (dbl-2008-bbjlp).
    const B = mod((X + Y) * (X + Y));
    const C = mod(X * X);
    const Dd = mod(Y * Y);
    const E = mod(-C);
    const F = mod(E + Dd);
    const H = mod(Z * Z);
    const J = mod(F - 2n * H);
    X = mod((B - C - Dd) * J);
    Y = mod(F * (E - Dd));
    Z = mod(F * J);
  }
  return X === 0n && Y === Z;
}

/** Whether `bytes` is a usable Ed25519 public key: a curve point not of small order. */
export function isUsableEd25519PublicKey(bytes: Uint8Array): boolean {
  const point = decodePoint(bytes);
  return point !== null && !hasSmallOrder(point);
}

/** The 32 raw bytes of a base64url (unpadded) Ed25519 public key, or 400 DEVICE_KEY_INVALID. */
export function decodeDevicePublicKey(text: string): Uint8Array {
  const bytes = /^[A-Za-z0-9_-]{43}$/.test(text) ? Buffer.from(text, 'base64url') : undefined;
  // 43 characters carry 258 bits: the last one has 2 spare bits, and a spelling with them set
  // would be a second name for the same key.
  if (bytes?.length !== 32 || bytes.toString('base64url') !== text) {
    throw new PlatformError(
      'DEVICE_KEY_INVALID',
      'devicePublicKey must be base64url (no padding) of 32 bytes',
      {
        field: 'devicePublicKey',
      },
    );
  }
  if (!isUsableEd25519PublicKey(bytes)) {
    throw new PlatformError(
      'DEVICE_KEY_INVALID',
      'devicePublicKey is not an Ed25519 public key (not a curve point, or of small order)',
      { field: 'devicePublicKey' },
    );
  }
  return new Uint8Array(bytes);
}
