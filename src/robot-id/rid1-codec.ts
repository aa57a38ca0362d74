// Encoding RID-1 IDs from named segments and decoding them back to segments and their meaning
// (robot-id.md "Layout" and "Issuing").

import { RobotIdError } from './errors.js';
import { ISO_3166_ALPHA2_COUNTRIES } from './iso3166.js';
import { mod37_36CheckCharacter } from './mod37-36.js';
import { toDisplayForm, toUpperAscii } from './public-split.js';
import {
  CATEGORY_CLASS,
  COUNTRY_LETTERS,
  isAssignedCountryCode,
  isRobotCategoryCode,
  LEVEL_CLASS,
  LEVEL_CODES,
  MONTH_CLASS,
  MONTH_CODES,
  RID1_SEGMENTS,
  type Rid1SegmentName,
  ROBOT_CATEGORIES,
  type RobotCategoryCode,
  rid1Segment,
  S34,
  S34_CLASS,
  VIN_YEAR_CODES,
  VIN_YEAR_CYCLE,
  VIN_YEAR_EPOCH,
  YEAR_CLASS,
} from './rid1-tables.js';
import { validateRid1 } from './rid1-validate.js';
import type { DecodeOptions, PublicRobotIdFields } from './scheme.js';

/** What an issuer supplies; letters may be lower case, the encoder upper-cases them. */
export interface Rid1Segments {
  /** ISO 3166-1 alpha-2 code of the manufacturer of record. */
  readonly country: string;
  /** 4 characters of S34, assigned by the registry. */
  readonly enterprise: string;
  /** B, W, T, D or X. */
  readonly category: string;
  /** 2 characters of S34. */
  readonly model: string;
  /** Intelligence level as filed: 1-5, 0 = not graded. */
  readonly level: number;
  /** Calendar year, 2010 or later. */
  readonly productionYear: number;
  /** 1-12. */
  readonly productionMonth: number;
  /** 1 character of S34. */
  readonly hardwareRevision: string;
  /** 1 character of S34. */
  readonly site: string;
  /** 1-14 characters of S34, left-padded with 0 to 14. */
  readonly unitSequence: string;
}

/** A decoded RID-1 ID: the segments, so that it re-encodes to the same ID, plus their meaning. */
export interface Rid1Decoded extends PublicRobotIdFields, Rid1Segments {
  readonly scheme: 'RID-1';
  readonly countryName: string;
  readonly category: RobotCategoryCode;
  readonly categoryName: string;
  /** `L1`-`L5`, or `not graded` for level 0. */
  readonly levelLabel: string;
  /** Without its left padding; `0` when the sequence is all zeros. */
  readonly unitSequence: string;
  /** The 14 characters as they stand in positions 15-28. */
  readonly unitSequencePadded: string;
  readonly check: string;
}

/** Encodes segments to a canonical RID-1 ID; checks segments left to right, like the validator. */
export function encodeRid1(segments: Rid1Segments): string {
  const body =
    countryCode(segments.country) +
    s34Segment(segments.enterprise, 'enterprise') +
    categoryCode(segments.category) +
    s34Segment(segments.model, 'model') +
    tableCode(segments.level, 0, LEVEL_CODES, 'level', 'ID_LEVEL_INVALID', LEVEL_CLASS.alphabet) +
    yearCode(segments.productionYear) +
    tableCode(
      segments.productionMonth,
      1,
      MONTH_CODES,
      'productionMonth',
      'ID_MONTH_INVALID',
      MONTH_CLASS.alphabet,
    ) +
    s34Segment(segments.hardwareRevision, 'hardwareRevision') +
    s34Segment(segments.site, 'site') +
    s34Segment(segments.unitSequence, 'unitSequence');
  return body + mod37_36CheckCharacter(body);
}

/** The check character (position 29) of the first 28 characters of an ID. */
export function computeRid1CheckCharacter(first28: string): string {
  if (first28.length !== RID1_SEGMENTS.check.position - 1) {
    throw new RobotIdError('ID_LENGTH', `the check is computed over 28 characters, not ${first28.length}`, {
      expected: '28',
    });
  }
  return mod37_36CheckCharacter(first28);
}

/** Decodes an RID-1 ID (canonical or as typed); throws RobotIdError when it is not valid. */
export function decodeRid1(input: string, options: DecodeOptions = {}): Rid1Decoded {
  const validation = validateRid1(input);
  if (!validation.valid) throw RobotIdError.fromRejection(validation);
  const { id } = validation;
  const country = rid1Segment(id, 'country');
  const category = rid1Segment(id, 'category') as RobotCategoryCode;
  const level = LEVEL_CODES.indexOf(rid1Segment(id, 'level'));
  const unitSequencePadded = rid1Segment(id, 'unitSequence');
  return {
    scheme: 'RID-1',
    id,
    display: toDisplayForm(id),
    country,
    countryName: ISO_3166_ALPHA2_COUNTRIES[country] ?? country,
    enterprise: rid1Segment(id, 'enterprise'),
    category,
    categoryName: ROBOT_CATEGORIES[category],
    model: rid1Segment(id, 'model'),
    level,
    levelLabel: level === 0 ? 'not graded' : `L${level}`,
    productionYear: productionYearOf(rid1Segment(id, 'productionYear'), options.referenceYear),
    productionMonth: MONTH_CODES.indexOf(rid1Segment(id, 'productionMonth')) + 1,
    hardwareRevision: rid1Segment(id, 'hardwareRevision'),
    site: rid1Segment(id, 'site'),
    unitSequence: unitSequencePadded.replace(/^0+(?=.)/, ''),
    unitSequencePadded,
    check: rid1Segment(id, 'check'),
    modelCode: id.slice(6, 12),
    serial: id.slice(12),
  };
}

/** The last year of the first cycle, 2039: the upper bound of the year window while no later reference is given. */
const FIRST_CYCLE_END = VIN_YEAR_EPOCH + VIN_YEAR_CYCLE - 1;

/**
 * The year a VIN year code stands for. The table repeats every 30 years, so a code needs a
 * window: the code means the latest year of its cycle that is not after
 * max(2039, referenceYear + 1). Until 2038 (and with no reference year) that is 2010-2039, so
 * `T` is 2026 and `V` 2027 as docs/robot-id.md reads them; later the window slides with the
 * reference year, leaving one year of room for units filed before their production year.
 */
export function productionYearOf(code: string, referenceYear?: number): number {
  const index = VIN_YEAR_CODES.indexOf(code);
  if (index < 0 || code.length !== 1) {
    throw new RobotIdError('ID_YEAR_INVALID', `"${code}" is not a VIN year code`, {
      expected: YEAR_CLASS.expected,
      alphabet: YEAR_CLASS.alphabet,
    });
  }
  if (referenceYear !== undefined && !Number.isSafeInteger(referenceYear)) {
    throw new RangeError(`referenceYear must be an integer year, got ${referenceYear}`);
  }
  const latest = referenceYear === undefined ? FIRST_CYCLE_END : Math.max(FIRST_CYCLE_END, referenceYear + 1);
  const first = VIN_YEAR_EPOCH + index;
  return first + Math.floor((latest - first) / VIN_YEAR_CYCLE) * VIN_YEAR_CYCLE;
}

function countryCode(value: unknown): string {
  const { position } = RID1_SEGMENTS.country;
  if (typeof value !== 'string' || value.length !== 2) {
    throw segmentError('country', 'an ISO 3166-1 alpha-2 code (2 letters)', COUNTRY_LETTERS.alphabet);
  }
  const code = toUpperAscii(value);
  for (let offset = 0; offset < 2; offset++) {
    const character = code.charAt(offset);
    if (!COUNTRY_LETTERS.symbols.includes(character)) {
      throw new RobotIdError('ID_ALPHABET', `country: ${JSON.stringify(character)} is not a letter A-Z`, {
        position: position + offset,
        expected: COUNTRY_LETTERS.expected,
        alphabet: COUNTRY_LETTERS.alphabet,
      });
    }
  }
  if (!isAssignedCountryCode(code)) {
    throw new RobotIdError(
      'ID_COUNTRY_UNASSIGNED',
      `country: "${code}" is not an assigned ISO 3166-1 alpha-2 code`,
      { position, alphabet: COUNTRY_LETTERS.alphabet },
    );
  }
  return code;
}

type S34SegmentName = 'enterprise' | 'model' | 'hardwareRevision' | 'site' | 'unitSequence';

function s34Segment(value: unknown, name: S34SegmentName): string {
  const { position, length } = RID1_SEGMENTS[name];
  // Only the unit sequence may be shorter: docs/robot-id.md "zero-padded on the left".
  const minimum = name === 'unitSequence' ? 1 : length;
  if (typeof value !== 'string' || value.length < minimum || value.length > length) {
    const size = minimum === length ? `${length}` : `${minimum}-${length}`;
    throw segmentError(name, `${size} character${length === 1 ? '' : 's'} of S34`, S34_CLASS.alphabet);
  }
  const segment = toUpperAscii(value).padStart(length, '0');
  for (let offset = 0; offset < length; offset++) {
    const character = segment.charAt(offset);
    if (S34.includes(character)) continue;
    const readAs = character === 'I' || character === 'O' ? ' (I and O are never issued: 1 or 0?)' : '';
    throw new RobotIdError('ID_ALPHABET', `${name}: ${JSON.stringify(character)} is not in S34${readAs}`, {
      position: position + offset,
      expected: S34_CLASS.expected,
      alphabet: S34_CLASS.alphabet,
    });
  }
  return segment;
}

function categoryCode(value: unknown): string {
  if (typeof value !== 'string')
    throw segmentError('category', 'one of B, W, T, D, X', CATEGORY_CLASS.alphabet);
  const code = toUpperAscii(value);
  if (!isRobotCategoryCode(code)) {
    throw new RobotIdError('ID_CATEGORY_UNKNOWN', `category: "${value}" is not one of B, W, T, D, X`, {
      position: RID1_SEGMENTS.category.position,
      expected: CATEGORY_CLASS.expected,
      alphabet: CATEGORY_CLASS.alphabet,
    });
  }
  return code;
}

function yearCode(year: unknown): string {
  if (typeof year !== 'number' || !Number.isInteger(year) || year < VIN_YEAR_EPOCH || year > 9999) {
    throw new RobotIdError(
      'ID_YEAR_INVALID',
      `productionYear: ${String(year)} is not a calendar year from ${VIN_YEAR_EPOCH} to 9999`,
      { position: RID1_SEGMENTS.productionYear.position, alphabet: YEAR_CLASS.alphabet },
    );
  }
  return VIN_YEAR_CODES.charAt((year - VIN_YEAR_EPOCH) % VIN_YEAR_CYCLE);
}

/** A number that indexes a code table: level 0-5 -> `0`-`5`, month 1-12 -> `1`-`C`. */
function tableCode(
  value: unknown,
  first: number,
  codes: string,
  name: 'level' | 'productionMonth',
  code: 'ID_LEVEL_INVALID' | 'ID_MONTH_INVALID',
  alphabet: string,
): string {
  const last = first + codes.length - 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < first || value > last) {
    throw new RobotIdError(code, `${name}: ${String(value)} is not an integer from ${first} to ${last}`, {
      position: RID1_SEGMENTS[name].position,
      alphabet,
    });
  }
  return codes.charAt(value - first);
}

function segmentError(name: Rid1SegmentName, expected: string, alphabet: string): RobotIdError {
  return new RobotIdError('ID_SEGMENT_INVALID', `${name} must be ${expected}`, {
    position: RID1_SEGMENTS[name].position,
    alphabet,
  });
}
