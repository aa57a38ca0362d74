// The scheme registry (robot-id.md: "never reject an ID only because it fails a scheme it was
// not issued under"), exercised with a second, made-up scheme next to RID-1.
import { describe, expect, it } from 'vitest';
import {
  createRobotIdRegistry,
  decodeRobotId,
  issuingScheme,
  type PublicRobotIdFields,
  RID1,
  RobotIdError,
  type RobotIdScheme,
  type RobotIdValidation,
  robotIdScheme,
  robotIdSchemes,
} from '../../src/robot-id/index.js';

/** A stand-in for a future official scheme: any 29 capital letters or digits ending in `Z`. */
const LAST_Z: RobotIdScheme<'TEST-Z', never, PublicRobotIdFields> = {
  name: 'TEST-Z',
  isValid: (input) => /^[A-Z0-9]{28}Z$/.test(input),
  validate(input): RobotIdValidation {
    return this.isValid(input)
      ? { valid: true, scheme: 'TEST-Z', id: input }
      : {
          valid: false,
          scheme: 'TEST-Z',
          error: { code: 'ID_CHECK_MISMATCH', message: 'no Z', position: 29 },
        };
  },
  decode: (id) => ({
    scheme: 'TEST-Z',
    id,
    display: id,
    country: id.slice(0, 2),
    enterprise: id.slice(2, 6),
    modelCode: id.slice(6, 12),
    serial: id.slice(12),
  }),
  encode: () => {
    throw new Error('not an issuing scheme');
  },
};

const RID1_ONLY = 'CNB7K2B0A3T511000000000123455';
const TEST_Z_ONLY = 'CNB7K2B0A3T51100000000012345Z';

describe('the platform registry', () => {
  it('holds RID-1 and issues under it', () => {
    expect(robotIdSchemes).toEqual([RID1]);
    expect(robotIdScheme('RID-1')).toBe(RID1);
    expect(issuingScheme).toBe(RID1);
    expect(decodeRobotId(RID1_ONLY).scheme).toBe('RID-1');
  });
});

describe('a registry of two schemes', () => {
  const registry = createRobotIdRegistry([RID1, LAST_Z]);

  it('accepts an ID that only the second scheme accepts', () => {
    expect(RID1.isValid(TEST_Z_ONLY)).toBe(false);
    expect(registry.isValid(TEST_Z_ONLY)).toBe(true);
    expect(registry.validate(TEST_Z_ONLY)).toEqual({ valid: true, scheme: 'TEST-Z', id: TEST_Z_ONLY });
    expect(registry.parse(TEST_Z_ONLY)).toBe(TEST_Z_ONLY);
  });

  it('decodes with the first scheme that accepts the ID', () => {
    expect(registry.decode(RID1_ONLY).scheme).toBe('RID-1');
    expect(registry.decode(TEST_Z_ONLY)).toMatchObject({ scheme: 'TEST-Z', modelCode: 'B0A3T5' });
  });

  it('reports the first scheme’s diagnosis when none accepts the ID', () => {
    const neither = 'CNB7K2B0A3T51100000000012345Y';
    expect(registry.validate(neither)).toMatchObject({
      valid: false,
      scheme: 'RID-1',
      error: { code: 'ID_CHECK_MISMATCH', position: 29, expected: '5' },
    });
    expect(() => registry.decode(neither)).toThrow(RobotIdError);
  });
});
