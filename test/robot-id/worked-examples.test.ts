// The three worked examples of docs/robot-id.md "Worked examples", read as the spec's table reads them.
import { describe, expect, it } from 'vitest';
import {
  computeCheckCharacter,
  decodeRobotId,
  encodeRobotId,
  formatRobotId,
  validateRobotId,
} from '../../src/robot-id/index.js';

const EXAMPLES = [
  {
    id: 'CNB7K2B0A3T511000000000123455',
    // CN, enterprise B7K2, biped, model 0A, L3, May 2026, hw rev 1, site 1, unit 12345
    reading: {
      country: 'CN',
      countryName: 'China',
      enterprise: 'B7K2',
      category: 'B',
      categoryName: 'biped',
      model: '0A',
      level: 3,
      levelLabel: 'L3',
      productionYear: 2026,
      productionMonth: 5,
      hardwareRevision: '1',
      site: '1',
      unitSequence: '12345',
      unitSequencePadded: '00000000012345',
      check: '5',
      modelCode: 'B0A3T5',
      serial: '11000000000123455',
      display: 'CN B7K2 B0A3T5 11000000000123455',
    },
  },
  {
    id: 'CNH4W9W1C2TCA30000000000A7Z96',
    // CN, H4W9, wheeled, model 1C, L2, Dec 2026, rev A, site 3, unit A7Z9
    reading: {
      country: 'CN',
      enterprise: 'H4W9',
      category: 'W',
      categoryName: 'wheeled base',
      model: '1C',
      level: 2,
      levelLabel: 'L2',
      productionYear: 2026,
      productionMonth: 12,
      hardwareRevision: 'A',
      site: '3',
      unitSequence: 'A7Z9',
      check: '6',
      modelCode: 'W1C2TC',
      serial: 'A30000000000A7Z96',
    },
  },
  {
    id: 'UST5N8B020V1210000F03K2A7Q81O',
    // US, T5N8, biped, model 02, not graded, Jan 2027, rev 2, site 1, unit F03K2A7Q81
    reading: {
      country: 'US',
      countryName: 'United States of America',
      enterprise: 'T5N8',
      category: 'B',
      model: '02',
      level: 0,
      levelLabel: 'not graded',
      productionYear: 2027,
      productionMonth: 1,
      hardwareRevision: '2',
      site: '1',
      unitSequence: 'F03K2A7Q81',
      // The check character may be O: it is drawn from all 36 symbols.
      check: 'O',
    },
  },
] as const;

describe('docs/robot-id.md worked examples', () => {
  it.each(EXAMPLES)('$id is valid and decodes to the reading in the spec', ({ id, reading }) => {
    expect(validateRobotId(id)).toEqual({ valid: true, scheme: 'RID-1', id });
    expect(decodeRobotId(id)).toMatchObject({ scheme: 'RID-1', id, ...reading });
  });

  it.each(EXAMPLES)('$id is what the encoder builds from its reading', ({ id }) => {
    const decoded = decodeRobotId(id);
    expect(encodeRobotId(decoded)).toBe(id);
    expect(computeCheckCharacter(id.slice(0, 28))).toBe(id.charAt(28));
  });

  it('the display form groups 2/4/6/17 and parses back to the canonical ID', () => {
    expect(formatRobotId('CNB7K2B0A3T511000000000123455')).toBe('CN B7K2 B0A3T5 11000000000123455');
    expect(validateRobotId('CN B7K2 B0A3T5 11000000000123455')).toMatchObject({
      valid: true,
      id: 'CNB7K2B0A3T511000000000123455',
    });
  });

  it('encodes the first example from its named segments', () => {
    expect(
      encodeRobotId({
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
      }),
    ).toBe('CNB7K2B0A3T511000000000123455');
  });
});
