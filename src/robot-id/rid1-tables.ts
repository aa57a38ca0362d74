// The tables of scheme RID-1 (robot-id.md "Layout"). Positions are 1-based, as in the spec.

import { ISO_3166_ALPHA2_COUNTRIES } from './iso3166.js';
import { ALNUM36 } from './mod37-36.js';

/** `0-9` and `A-Z` without `I` and `O`: those two are never issued, so they cannot be misread as 1 and 0. */
export const S34 = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export const RID1_SEGMENTS = {
  country: { position: 1, length: 2 },
  enterprise: { position: 3, length: 4 },
  category: { position: 7, length: 1 },
  model: { position: 8, length: 2 },
  level: { position: 10, length: 1 },
  productionYear: { position: 11, length: 1 },
  productionMonth: { position: 12, length: 1 },
  hardwareRevision: { position: 13, length: 1 },
  site: { position: 14, length: 1 },
  unitSequence: { position: 15, length: 14 },
  check: { position: 29, length: 1 },
} as const;

export type Rid1SegmentName = keyof typeof RID1_SEGMENTS;

/** The characters of segment `name` in a canonical ID. */
export function rid1Segment(id: string, name: Rid1SegmentName): string {
  const { position, length } = RID1_SEGMENTS[name];
  return id.slice(position - 1, position - 1 + length);
}

export const ROBOT_CATEGORIES = {
  B: 'biped',
  W: 'wheeled base',
  T: 'fixed torso',
  D: 'dual-arm mobile',
  X: 'other',
} as const;

export type RobotCategoryCode = keyof typeof ROBOT_CATEGORIES;

export function isRobotCategoryCode(code: string): code is RobotCategoryCode {
  return Object.hasOwn(ROBOT_CATEGORIES, code);
}

export function isAssignedCountryCode(code: string): boolean {
  return Object.hasOwn(ISO_3166_ALPHA2_COUNTRIES, code);
}

/** Intelligence level as filed: L1-L5 per T/CIE 298-2025, `0` = not graded. */
export const LEVEL_CODES = '012345';

/** The VIN model-year table: index i stands for VIN_YEAR_EPOCH + i, repeating every 30 years. */
export const VIN_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
export const VIN_YEAR_EPOCH = 2010;
export const VIN_YEAR_CYCLE = VIN_YEAR_CODES.length;

/** January = `1` ... December = `C`. */
export const MONTH_CODES = '123456789ABC';

/** A set of characters a position admits, named for error reports. */
export interface CharacterClass {
  /** The name reported as `alphabet`. */
  readonly alphabet: string;
  /** The class in compact range notation, reported as `expected`. */
  readonly expected: string;
  readonly symbols: string;
}

export const COUNTRY_LETTERS: CharacterClass = {
  alphabet: 'ISO 3166-1 alpha-2',
  expected: 'A-Z',
  symbols: ALNUM36.slice(10),
};
export const S34_CLASS: CharacterClass = { alphabet: 'S34', expected: '0-9A-HJ-NP-Z', symbols: S34 };
export const CHECK_CLASS: CharacterClass = {
  alphabet: 'MOD 37,36 check',
  expected: '0-9A-Z',
  symbols: ALNUM36,
};
export const CATEGORY_CLASS: CharacterClass = { alphabet: 'category', expected: 'BWTDX', symbols: 'BWTDX' };
export const LEVEL_CLASS: CharacterClass = { alphabet: 'level 0-5', expected: '0-5', symbols: LEVEL_CODES };
export const YEAR_CLASS: CharacterClass = {
  alphabet: 'VIN year',
  expected: 'A-HJ-NPR-TV-Y1-9',
  symbols: VIN_YEAR_CODES,
};
export const MONTH_CLASS: CharacterClass = { alphabet: 'month', expected: '1-9A-C', symbols: MONTH_CODES };

/** The alphabet of each position, index = position - 1: A-Z for the country, S34 inside, 36 for the check. */
export const RID1_POSITION_ALPHABETS: readonly CharacterClass[] = Array.from({ length: 29 }, (_, index) =>
  index < 2 ? COUNTRY_LETTERS : index < 28 ? S34_CLASS : CHECK_CLASS,
);

/**
 * The positions whose S34 character must also come from a table, in position order, with the
 * code reported when it does not. The country (positions 1-2) is checked as a pair, separately.
 */
export const RID1_TABLE_POSITIONS = [
  {
    position: 7,
    table: CATEGORY_CLASS,
    code: 'ID_CATEGORY_UNKNOWN',
    meaning: 'a category (B biped, W wheeled base, T fixed torso, D dual-arm mobile, X other)',
  },
  {
    position: 10,
    table: LEVEL_CLASS,
    code: 'ID_LEVEL_INVALID',
    meaning: 'an intelligence level (1-5 for L1-L5, 0 not graded)',
  },
  {
    position: 11,
    table: YEAR_CLASS,
    code: 'ID_YEAR_INVALID',
    meaning: `a VIN year code (${VIN_YEAR_CODES} for ${VIN_YEAR_EPOCH}-${VIN_YEAR_EPOCH + VIN_YEAR_CYCLE - 1})`,
  },
  {
    position: 12,
    table: MONTH_CLASS,
    code: 'ID_MONTH_INVALID',
    meaning: 'a month code (1-9 for January-September, A-C for October-December)',
  },
] as const;
