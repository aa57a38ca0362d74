// The RID-1 tables (robot-id.md "Layout") and the MOD 37,36 check ("Check character").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALNUM36,
  computeCheckCharacter,
  decodeRobotId,
  encodeRobotId,
  ISO_3166_ALPHA2_COUNTRIES,
  MONTH_CODES,
  mod37_36CheckCharacter,
  productionYearOf,
  ROBOT_CATEGORIES,
  RobotIdError,
  S34,
  VIN_YEAR_CODES,
} from '../../src/robot-id/index.js';

describe('ISO 3166-1 alpha-2', () => {
  const codes = Object.keys(ISO_3166_ALPHA2_COUNTRIES);

  it('holds the 249 officially assigned codes, each two capital letters with a name', () => {
    expect(codes).toHaveLength(249);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z]{2}$/);
      expect(ISO_3166_ALPHA2_COUNTRIES[code]!.length).toBeGreaterThan(2);
    }
  });

  it('includes recent assignments and excludes user-assigned and reserved codes', () => {
    for (const code of ['CN', 'US', 'DE', 'JP', 'KR', 'TW', 'HK', 'MO', 'AX', 'BQ', 'CW', 'SS', 'SX', 'IO']) {
      expect(codes).toContain(code);
    }
    for (const code of ['XK', 'AA', 'QZ', 'ZZ', 'EU', 'UK', 'UN', 'AC', 'AN', 'CS', 'SU', 'YU']) {
      expect(codes).not.toContain(code);
    }
  });
});

describe('categories, levels, months', () => {
  it('has the five categories of the spec', () => {
    expect(ROBOT_CATEGORIES).toEqual({
      B: 'biped',
      W: 'wheeled base',
      T: 'fixed torso',
      D: 'dual-arm mobile',
      X: 'other',
    });
  });

  it('codes months 1-9 then A-C', () => {
    expect(MONTH_CODES).toBe('123456789ABC');
  });

  it('labels level 0 as not graded and 1-5 as L1-L5', () => {
    const base = decodeRobotId('CNB7K2B0A3T511000000000123455');
    for (let level = 0; level <= 5; level++) {
      expect(decodeRobotId(encodeRobotId({ ...base, level })).levelLabel).toBe(
        level === 0 ? 'not graded' : `L${level}`,
      );
    }
  });

  it('S34 is 0-9A-Z without I and O', () => {
    expect(S34).toBe(ALNUM36.replace(/[IO]/g, ''));
    expect(S34).toHaveLength(34);
  });
});

describe('VIN year table', () => {
  it('covers 2010-2039, with 2026 = T and 2027 = V', () => {
    expect(VIN_YEAR_CODES).toBe('ABCDEFGHJKLMNPRSTVWXY123456789');
    expect(productionYearOf('A')).toBe(2010);
    expect(productionYearOf('T')).toBe(2026);
    expect(productionYearOf('V')).toBe(2027);
    expect(productionYearOf('9')).toBe(2039);
  });

  it('places a code in the window ending at max(2039, reference year + 1)', () => {
    expect(productionYearOf('T', 2026)).toBe(2026);
    expect(productionYearOf('A', 2038)).toBe(2010);
    expect(productionYearOf('A', 2039)).toBe(2040);
    expect(productionYearOf('T', 2060)).toBe(2056);
    expect(productionYearOf('V', 2056)).toBe(2057);
    fc.assert(
      fc.property(
        fc.integer({ min: 2010, max: 2300 }),
        fc.constantFrom(...VIN_YEAR_CODES),
        (reference, code) => {
          const year = productionYearOf(code, reference);
          const latest = Math.max(2039, reference + 1);
          return year <= latest && year > latest - 30 && VIN_YEAR_CODES.charAt((year - 2010) % 30) === code;
        },
      ),
    );
  });

  it('is pure: decoding never reads the clock, the reference year is passed in', () => {
    const id = encodeRobotId({ ...decodeRobotId('CNB7K2B0A3T511000000000123455'), productionYear: 2041 });
    expect(decodeRobotId(id).productionYear).toBe(2011);
    expect(decodeRobotId(id, { referenceYear: 2041 }).productionYear).toBe(2041);
  });
});

describe('ISO/IEC 7064 MOD 37,36', () => {
  /** docs/robot-id.md, literally: the loop over all 29 characters ends with S = 1. */
  function endsWithOne(text: string): boolean {
    let p = 36;
    let s = 0;
    for (const character of text) {
      s = (p + ALNUM36.indexOf(character)) % 36 || 36;
      p = (2 * s) % 37;
    }
    return s === 1;
  }

  it('appends the one character that makes the loop end with S = 1', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALNUM36), minLength: 28, maxLength: 28 }), (data) => {
        const check = computeCheckCharacter(data);
        for (const candidate of ALNUM36) expect(endsWithOne(data + candidate)).toBe(candidate === check);
      }),
    );
  });

  it('computes over any length and names the position of a character outside 0-9A-Z', () => {
    expect(mod37_36CheckCharacter('CNB7K2B0A3T51100000000012345')).toBe('5');
    expect(() => mod37_36CheckCharacter('AB*')).toThrow(RobotIdError);
    expect(() => mod37_36CheckCharacter('AB*')).toThrow(
      expect.objectContaining({ code: 'ID_ALPHABET', position: 3 }),
    );
  });

  it('computeCheckCharacter wants exactly the first 28 characters', () => {
    expect(() => computeCheckCharacter('CNB7K2B0A3T5110000000001234')).toThrow(
      expect.objectContaining({ code: 'ID_LENGTH' }),
    );
  });
});
