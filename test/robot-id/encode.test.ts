// encodeRobotId: segments in, canonical ID out, and coded errors for bad segments, reported at
// the position the segment (or the offending character) would take in the ID.
import { describe, expect, it } from 'vitest';
import { encodeRobotId, type RobotIdErrorCode, type RobotIdSegments } from '../../src/robot-id/index.js';

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

describe('encodeRobotId', () => {
  it('upper-cases letters and left-pads the unit sequence to 14', () => {
    expect(
      encodeRobotId({ ...SEGMENTS, country: 'cn', enterprise: 'b7k2', category: 'b', model: '0a' }),
    ).toBe('CNB7K2B0A3T511000000000123455');
    expect(encodeRobotId({ ...SEGMENTS, unitSequence: '00012345' })).toBe('CNB7K2B0A3T511000000000123455');
    expect(encodeRobotId({ ...SEGMENTS, unitSequence: 'ZZZZZZZZZZZZZZ' }).slice(14, 28)).toBe(
      'ZZZZZZZZZZZZZZ',
    );
  });

  it('repeats the year code every 30 years', () => {
    expect(encodeRobotId({ ...SEGMENTS, productionYear: 2056 })).toBe(encodeRobotId(SEGMENTS));
  });

  const cases: [string, Partial<Record<keyof RobotIdSegments, unknown>>, RobotIdErrorCode, number][] = [
    ['a 3-letter country', { country: 'CHN' }, 'ID_SEGMENT_INVALID', 1],
    ['a digit in the country', { country: 'C1' }, 'ID_ALPHABET', 2],
    ['a user-assigned country', { country: 'XK' }, 'ID_COUNTRY_UNASSIGNED', 1],
    ['a short enterprise code', { enterprise: 'B7K' }, 'ID_SEGMENT_INVALID', 3],
    ['an O in the enterprise code', { enterprise: 'BOK2' }, 'ID_ALPHABET', 4],
    ['an unknown category', { category: 'Q' }, 'ID_CATEGORY_UNKNOWN', 7],
    ['a category name', { category: 'biped' }, 'ID_CATEGORY_UNKNOWN', 7],
    ['an I in the model', { model: '0I' }, 'ID_ALPHABET', 9],
    ['level 6', { level: 6 }, 'ID_LEVEL_INVALID', 10],
    ['level 2.5', { level: 2.5 }, 'ID_LEVEL_INVALID', 10],
    ['year 2009', { productionYear: 2009 }, 'ID_YEAR_INVALID', 11],
    ['a NaN year', { productionYear: Number.NaN }, 'ID_YEAR_INVALID', 11],
    ['month 13', { productionMonth: 13 }, 'ID_MONTH_INVALID', 12],
    ['month 0', { productionMonth: 0 }, 'ID_MONTH_INVALID', 12],
    ['an empty hardware revision', { hardwareRevision: '' }, 'ID_SEGMENT_INVALID', 13],
    ['a two-character site', { site: '12' }, 'ID_SEGMENT_INVALID', 14],
    ['an empty unit sequence', { unitSequence: '' }, 'ID_SEGMENT_INVALID', 15],
    ['a 15-character unit sequence', { unitSequence: '123456789012345' }, 'ID_SEGMENT_INVALID', 15],
    ['an O in the unit sequence', { unitSequence: '12O45' }, 'ID_ALPHABET', 26],
    ['a number as unit sequence', { unitSequence: 12345 }, 'ID_SEGMENT_INVALID', 15],
  ];

  it.each(cases)('rejects %s', (_, change, code, position) => {
    expect(() => encodeRobotId({ ...SEGMENTS, ...change } as RobotIdSegments)).toThrow(
      expect.objectContaining({ name: 'RobotIdError', code, position }),
    );
  });

  it('checks segments left to right, like the validator', () => {
    expect(() => encodeRobotId({ ...SEGMENTS, country: 'XK', unitSequence: '' })).toThrow(
      expect.objectContaining({ code: 'ID_COUNTRY_UNASSIGNED' }),
    );
  });
});
