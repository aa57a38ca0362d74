// What a rejected ID is told (robot-id.md "Errors a validator reports"): a stable code, the
// 1-based position, the alphabet and what was expected, in a documented order, and a
// suggestion only for I/O confusions that then pass every check. Assertions are on the error
// class, code and position, never on messages.
import { describe, expect, it } from 'vitest';
import {
  decodeRobotId,
  encodeRobotId,
  formatRobotId,
  parseRobotId,
  ROBOT_ID_ERROR_CODES,
  RobotIdError,
  type RobotIdErrorCode,
  type RobotIdSegments,
  validateRobotId,
} from '../../src/robot-id/index.js';

const VALID = 'CNB7K2B0A3T511000000000123455';

/** VALID with `replacement` at 1-based `position`. */
function at(position: number, replacement: string, id = VALID): string {
  return id.slice(0, position - 1) + replacement + id.slice(position - 1 + replacement.length);
}

const SEGMENTS: RobotIdSegments = {
  country: 'CN',
  enterprise: 'B7K2',
  category: 'B',
  model: '0A',
  level: 3,
  productionYear: 2026,
  productionMonth: 5,
  hardwareRevision: '1',
  site: '1',
  unitSequence: '12345',
};

/** One input per code that triggers it, with the position it must report. */
const TRIGGERS: Record<RobotIdErrorCode, () => RobotIdError> = {
  ID_LENGTH: () => thrownBy(() => parseRobotId(VALID.slice(1))),
  ID_ALPHABET: () => thrownBy(() => parseRobotId(at(5, '*'))),
  ID_COUNTRY_UNASSIGNED: () => thrownBy(() => parseRobotId(at(1, 'XK'))),
  ID_CATEGORY_UNKNOWN: () => thrownBy(() => parseRobotId(at(7, 'Q'))),
  ID_LEVEL_INVALID: () => thrownBy(() => parseRobotId(at(10, '6'))),
  ID_YEAR_INVALID: () => thrownBy(() => parseRobotId(at(11, 'U'))),
  ID_MONTH_INVALID: () => thrownBy(() => parseRobotId(at(12, 'D'))),
  ID_CHECK_MISMATCH: () => thrownBy(() => parseRobotId(at(29, '4'))),
  ID_SEGMENT_INVALID: () => thrownBy(() => encodeRobotId({ ...SEGMENTS, unitSequence: '123456789012345' })),
};

const EXPECTED_POSITIONS: Record<RobotIdErrorCode, number | undefined> = {
  ID_LENGTH: undefined,
  ID_ALPHABET: 5,
  ID_COUNTRY_UNASSIGNED: 1,
  ID_CATEGORY_UNKNOWN: 7,
  ID_LEVEL_INVALID: 10,
  ID_YEAR_INVALID: 11,
  ID_MONTH_INVALID: 12,
  ID_CHECK_MISMATCH: 29,
  ID_SEGMENT_INVALID: 15,
};

/** A valid ID whose check character is `check`, found by varying the unit sequence. */
function sampleWithCheck(check: string): string {
  for (let unit = 1; ; unit++) {
    const id = encodeRobotId({ ...SEGMENTS, unitSequence: String(unit) });
    if (id.endsWith(check)) return id;
  }
}

function thrownBy(action: () => unknown): RobotIdError {
  try {
    action();
  } catch (error) {
    if (error instanceof RobotIdError) return error;
    throw error;
  }
  throw new Error('expected a RobotIdError, nothing was thrown');
}

describe('error codes', () => {
  it.each(ROBOT_ID_ERROR_CODES)('%s is produced by some input, with its position', (code) => {
    const error = TRIGGERS[code]();
    expect(error).toBeInstanceOf(RobotIdError);
    expect(error.code).toBe(code);
    expect(error.position).toBe(EXPECTED_POSITIONS[code]);
  });

  it('the non-throwing validator reports the same code, position, alphabet and expected value', () => {
    expect(validateRobotId(at(29, '4'))).toMatchObject({
      valid: false,
      scheme: 'RID-1',
      error: { code: 'ID_CHECK_MISMATCH', position: 29, expected: '5', alphabet: 'MOD 37,36 check' },
    });
    expect(validateRobotId(at(12, 'D'))).toMatchObject({
      error: { code: 'ID_MONTH_INVALID', position: 12, expected: '1-9A-C', alphabet: 'month' },
    });
    expect(validateRobotId(at(11, 'Z'))).toMatchObject({
      error: { code: 'ID_YEAR_INVALID', position: 11, alphabet: 'VIN year' },
    });
    expect(validateRobotId(at(10, 'A'))).toMatchObject({
      error: { code: 'ID_LEVEL_INVALID', position: 10, expected: '0-5', alphabet: 'level 0-5' },
    });
    expect(validateRobotId('')).toMatchObject({ error: { code: 'ID_LENGTH', expected: '29' } });
  });

  it('names the alphabet of the position: letters for the country, S34 inside, 36 for the check', () => {
    expect(validateRobotId(at(2, '1'))).toMatchObject({
      error: { code: 'ID_ALPHABET', position: 2, alphabet: 'ISO 3166-1 alpha-2', expected: 'A-Z' },
    });
    expect(validateRobotId(at(20, '#'))).toMatchObject({
      error: { code: 'ID_ALPHABET', position: 20, alphabet: 'S34', expected: '0-9A-HJ-NP-Z' },
    });
    expect(validateRobotId(at(29, '#'))).toMatchObject({
      error: { code: 'ID_ALPHABET', position: 29, alphabet: 'MOD 37,36 check', expected: '0-9A-Z' },
    });
  });
});

describe('validation order: length, alphabets left to right, tables, check', () => {
  it('length comes first', () => {
    expect(validateRobotId(`${at(5, '*')}X`)).toMatchObject({ error: { code: 'ID_LENGTH' } });
  });

  it('the leftmost alphabet error wins, even over an earlier table error', () => {
    const twoAlphabetErrors = at(20, '#', at(9, '*'));
    expect(validateRobotId(twoAlphabetErrors)).toMatchObject({ error: { code: 'ID_ALPHABET', position: 9 } });
    expect(validateRobotId(at(20, '#', at(1, 'XK')))).toMatchObject({
      error: { code: 'ID_ALPHABET', position: 20 },
    });
  });

  it('tables are checked in position order: country, category, level, year, month', () => {
    let id = at(12, 'D', at(11, 'U', at(10, '9', at(7, 'Q', at(1, 'XK')))));
    for (const [code, position, original] of [
      ['ID_COUNTRY_UNASSIGNED', 1, 'CN'],
      ['ID_CATEGORY_UNKNOWN', 7, 'B'],
      ['ID_LEVEL_INVALID', 10, '3'],
      ['ID_YEAR_INVALID', 11, 'T'],
      ['ID_MONTH_INVALID', 12, '5'],
    ] as const) {
      expect(validateRobotId(id)).toMatchObject({ error: { code, position } });
      id = at(position, original, id);
    }
    expect(id).toBe(VALID);
  });

  it('the check is last', () => {
    expect(validateRobotId(at(29, '4', at(7, 'Q')))).toMatchObject({
      error: { code: 'ID_CATEGORY_UNKNOWN' },
    });
  });
});

describe('I/O suggestions (never accepted silently)', () => {
  it('an O typed for 0 in positions 3-28 is an alphabet error with the corrected ID suggested', () => {
    const typed = at(8, 'O');
    expect(validateRobotId(typed)).toEqual({
      valid: false,
      scheme: 'RID-1',
      error: expect.objectContaining({ code: 'ID_ALPHABET', position: 8, alphabet: 'S34' }),
      suggestion: VALID,
    });
    expect(thrownBy(() => decodeRobotId(typed))).toMatchObject({ code: 'ID_ALPHABET', suggestion: VALID });
  });

  it('every I and O in positions 3-28 is read back, and the first one is reported', () => {
    const typed = at(24, 'I', at(13, 'I', at(8, 'O')));
    expect(validateRobotId(typed)).toMatchObject({ error: { position: 8 }, suggestion: VALID });
  });

  it('no suggestion when the corrected ID would still fail', () => {
    const typed = at(29, '4', at(8, 'O'));
    const validation = validateRobotId(typed);
    expect(validation).toMatchObject({ valid: false, error: { code: 'ID_ALPHABET', position: 8 } });
    expect(validation).not.toHaveProperty('suggestion');
  });

  it('a 0 typed for the check character O is a check mismatch with the corrected ID suggested', () => {
    const id = 'UST5N8B020V1210000F03K2A7Q81O';
    expect(validateRobotId(at(29, '0', id))).toMatchObject({
      error: { code: 'ID_CHECK_MISMATCH', position: 29, expected: 'O' },
      suggestion: id,
    });
  });

  it('a check mismatch that no 0/O or 1/I swap explains has no suggestion', () => {
    expect(validateRobotId(at(29, '4'))).not.toHaveProperty('suggestion');
  });

  it('positions 1-2 are letters (IN, IO are countries), so a 1 typed there gets no suggestion', () => {
    const india = encodeRobotId({ ...SEGMENTS, country: 'IN' });
    const validation = validateRobotId(at(1, '1', india));
    expect(validation).toMatchObject({ error: { code: 'ID_ALPHABET', position: 1 } });
    expect(validation).not.toHaveProperty('suggestion');
  });

  it('a 1 typed for the check character I is suggested back', () => {
    const id = sampleWithCheck('I');
    expect(validateRobotId(at(29, '1', id))).toMatchObject({
      error: { code: 'ID_CHECK_MISMATCH', expected: 'I' },
      suggestion: id,
    });
  });
});

describe('input normalisation', () => {
  it('accepts lower case and spaces or hyphens between the four groups', () => {
    for (const typed of [
      'cnb7k2b0a3t511000000000123455',
      'CN-B7K2-B0A3T5-11000000000123455',
      '  CN B7K2 B0A3T5 11000000000123455\n',
      'CN - B7K2  B0A3T5-11000000000123455',
    ]) {
      expect(parseRobotId(typed)).toBe(VALID);
    }
  });

  it('refuses a separator inside a group instead of re-grouping it', () => {
    expect(validateRobotId('CNB7 K2B0A3T511000000000123455')).toMatchObject({ error: { code: 'ID_LENGTH' } });
    expect(validateRobotId('CNB7 K2B0A3T51100000000012345')).toMatchObject({
      error: { code: 'ID_ALPHABET', position: 5 },
    });
  });

  it('reports positions in the canonical form', () => {
    expect(validateRobotId('CN B7K2 B0A3T5 1100000000012345*')).toMatchObject({
      error: { code: 'ID_ALPHABET', position: 29 },
    });
  });

  it('formats only valid IDs', () => {
    expect(thrownBy(() => formatRobotId(at(29, '4'))).code).toBe('ID_CHECK_MISMATCH');
  });
});
