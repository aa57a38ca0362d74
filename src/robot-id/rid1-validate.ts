// Validation of RID-1 IDs, in two paths that must agree:
// - `isValidRid1`: one pass over the characters with per-position lookup tables that check
//   the alphabet and advance the MOD 37,36 state together, then one read of a country bitmap.
//   It allocates nothing on canonical input and is what bulk callers and the benchmark use.
// - `diagnoseRid1`: runs only on rejected input and names the first problem, in this order:
//   length; per-position alphabets, left to right; tables (country, category, level, year,
//   month, in position order); check character (robot-id.md "Errors a validator reports").
// IDs come from users, scanners and other registries, so both paths treat them as hostile:
// any string, any length, any code unit.

import type { RobotIdProblem } from './errors.js';
import { ISO_3166_ALPHA2_COUNTRIES } from './iso3166.js';
import {
  ALNUM36,
  MOD37_36_INITIAL_STATE,
  mod37_36CheckCharacter,
  mod37_36CheckValue,
  mod37_36Step,
} from './mod37-36.js';
import { normaliseRobotIdInput, ROBOT_ID_LENGTH } from './public-split.js';
import {
  isAssignedCountryCode,
  RID1_POSITION_ALPHABETS,
  RID1_TABLE_POSITIONS,
  rid1Segment,
} from './rid1-tables.js';
import type { RobotIdValidation } from './scheme.js';

const ASCII = 128;
/** Table value for a character the position does not admit. */
const REJECT = 255;
/** Table value for a lower-case letter: the input is not canonical and is worth normalising. */
const LOWER_CASE = 254;

/**
 * `POSITION_VALUES[(position - 1) * 128 + charCode]` is the MOD 37,36 value (0-35) of an ASCII
 * character where the position admits it, after both its alphabet and its table (category,
 * level, year, month), and REJECT or LOWER_CASE otherwise.
 */
const POSITION_VALUES: Uint8Array = (() => {
  const table = new Uint8Array(ROBOT_ID_LENGTH * ASCII).fill(REJECT);
  for (let index = 0; index < ROBOT_ID_LENGTH; index++) {
    const base = index * ASCII;
    for (let code = 0x61; code <= 0x7a; code++) table[base + code] = LOWER_CASE;
    const restricted = RID1_TABLE_POSITIONS.find((entry) => entry.position === index + 1);
    const symbols = restricted ? restricted.table.symbols : RID1_POSITION_ALPHABETS[index]!.symbols;
    for (const symbol of symbols) table[base + symbol.charCodeAt(0)] = ALNUM36.indexOf(symbol);
  }
  return table;
})();

/** `ASSIGNED_COUNTRIES[(first - 'A') * 26 + (second - 'A')]` is 1 for an assigned code. */
const ASSIGNED_COUNTRIES: Uint8Array = (() => {
  const bitmap = new Uint8Array(26 * 26);
  for (const code of Object.keys(ISO_3166_ALPHA2_COUNTRIES)) {
    bitmap[(code.charCodeAt(0) - 65) * 26 + (code.charCodeAt(1) - 65)] = 1;
  }
  return bitmap;
})();

// The hot path reads only bindings of this module. V8 reads an imported binding through an
// indirection it does not hoist out of the loop: reading the transition table straight from
// mod37-36.ts made isValidRid1 six times slower (bench/id-validate.ts).
const LENGTH = ROBOT_ID_LENGTH;
const INITIAL_STATE = MOD37_36_INITIAL_STATE;

/** `NEXT_STATE[P * 36 + value]`: the MOD 37,36 state after a character, one read instead of two divisions. */
const NEXT_STATE: Uint8Array = Uint8Array.from({ length: 37 * 36 }, (_, index) =>
  mod37_36Step(Math.floor(index / 36), index % 36),
);

/** `CHECK_VALUE_FOR_STATE[P]`: the check value that ends the loop with S = 1 from state P. */
const CHECK_VALUE_FOR_STATE: Uint8Array = Uint8Array.from({ length: 37 }, (_, state) =>
  mod37_36CheckValue(state),
);

const VALID = 0;
const INVALID = 1;
const NOT_CANONICAL = 2;
type Scan = typeof VALID | typeof INVALID | typeof NOT_CANONICAL;

/** The single pass over a would-be canonical ID. */
function scanCanonical(id: string): Scan {
  if (id.length !== LENGTH) return id.length > LENGTH ? NOT_CANONICAL : INVALID;
  let state = INITIAL_STATE;
  for (let index = 0, base = 0; index < LENGTH - 1; index++, base += ASCII) {
    const code = id.charCodeAt(index);
    const value = code < ASCII ? POSITION_VALUES[base + code]! : REJECT;
    if (value >= 36) return value === LOWER_CASE ? NOT_CANONICAL : INVALID;
    state = NEXT_STATE[state * 36 + value]!;
  }
  const checkCode = id.charCodeAt(LENGTH - 1);
  const checkValue = checkCode < ASCII ? POSITION_VALUES[(LENGTH - 1) * ASCII + checkCode]! : REJECT;
  if (checkValue !== CHECK_VALUE_FOR_STATE[state]) return checkValue === LOWER_CASE ? NOT_CANONICAL : INVALID;
  // Both letters passed their tables above, so the index is in range.
  return ASSIGNED_COUNTRIES[(id.charCodeAt(0) - 65) * 26 + (id.charCodeAt(1) - 65)] === 1 ? VALID : INVALID;
}

/** Whether `input`, canonical or as typed (separators, lower case), is a valid RID-1 ID. */
export function isValidRid1(input: string): boolean {
  const scan = scanCanonical(input);
  if (scan !== NOT_CANONICAL) return scan === VALID;
  return scanCanonical(normaliseRobotIdInput(input)) === VALID;
}

/** RID-1's `validate`: the canonical ID, or the first problem in the documented order. */
export function validateRid1(input: string): RobotIdValidation {
  const id = normaliseRobotIdInput(input);
  const diagnosis = scanCanonical(id) === VALID ? undefined : diagnoseRid1(id);
  return diagnosis === undefined
    ? { valid: true, scheme: 'RID-1', id }
    : { valid: false, scheme: 'RID-1', ...diagnosis };
}

export interface Rid1Diagnosis {
  readonly error: RobotIdProblem;
  readonly suggestion?: string;
}

/** The first problem of a normalised ID, or undefined when it is valid. */
export function diagnoseRid1(id: string): Rid1Diagnosis | undefined {
  if (id.length !== ROBOT_ID_LENGTH) {
    return {
      error: {
        code: 'ID_LENGTH',
        message: `an RID-1 robot ID has ${ROBOT_ID_LENGTH} characters (group separators aside), this one has ${id.length}`,
        expected: String(ROBOT_ID_LENGTH),
      },
    };
  }
  for (let index = 0; index < ROBOT_ID_LENGTH; index++) {
    const character = id.charAt(index);
    const alphabet = RID1_POSITION_ALPHABETS[index]!;
    if (alphabet.symbols.includes(character)) continue;
    const position = index + 1;
    const readAs = isLookAlikeOfDigit(position, character)
      ? `; I and O are never issued in positions 3-28 (read them as 1 and 0)`
      : '';
    const suggestion = ioCorrection(id);
    return {
      error: {
        code: 'ID_ALPHABET',
        message: `position ${position}: ${JSON.stringify(character)} is not in ${alphabet.alphabet} (${alphabet.expected})${readAs}`,
        position,
        expected: alphabet.expected,
        alphabet: alphabet.alphabet,
      },
      ...(suggestion === undefined ? {} : { suggestion }),
    };
  }
  const country = rid1Segment(id, 'country');
  if (!isAssignedCountryCode(country)) {
    return {
      error: {
        code: 'ID_COUNTRY_UNASSIGNED',
        message: `positions 1-2: "${country}" is not an assigned ISO 3166-1 alpha-2 country code`,
        position: 1,
        alphabet: 'ISO 3166-1 alpha-2',
      },
    };
  }
  for (const { position, table, code, meaning } of RID1_TABLE_POSITIONS) {
    const character = id.charAt(position - 1);
    if (table.symbols.includes(character)) continue;
    return {
      error: {
        code,
        message: `position ${position}: "${character}" is not ${meaning}`,
        position,
        expected: table.expected,
        alphabet: table.alphabet,
      },
    };
  }
  const expected = mod37_36CheckCharacter(id.slice(0, ROBOT_ID_LENGTH - 1));
  const actual = id.charAt(ROBOT_ID_LENGTH - 1);
  if (actual === expected) return undefined;
  // docs/robot-id.md: the check itself may be I or O, so a 0/O or 1/I slip there is only suggested.
  const suggestion =
    LOOK_ALIKES[actual] === expected ? id.slice(0, ROBOT_ID_LENGTH - 1) + expected : undefined;
  return {
    error: {
      code: 'ID_CHECK_MISMATCH',
      message: `position 29: check character is "${actual}", MOD 37,36 over positions 1-28 gives "${expected}"`,
      position: ROBOT_ID_LENGTH,
      expected,
      alphabet: 'MOD 37,36 check',
    },
    ...(suggestion === undefined ? {} : { suggestion }),
  };
}

const LOOK_ALIKES: Readonly<Record<string, string>> = { '0': 'O', O: '0', '1': 'I', I: '1' };

function isLookAlikeOfDigit(position: number, character: string): boolean {
  return position >= 3 && position <= 28 && (character === 'I' || character === 'O');
}

/**
 * The ID with every I read as 1 and every O as 0 in positions 3-28, when that ID passes every
 * check; undefined otherwise. Positions 1-2 are letters (IN, IO, ... are countries) and 29 may
 * legitimately be I or O, so both are left alone.
 */
function ioCorrection(id: string): string | undefined {
  const body = id.slice(2, ROBOT_ID_LENGTH - 1);
  if (!/[IO]/.test(body)) return undefined;
  const corrected = id.slice(0, 2) + body.replaceAll('I', '1').replaceAll('O', '0') + id.slice(-1);
  return scanCanonical(corrected) === VALID ? corrected : undefined;
}
