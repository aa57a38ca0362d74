// fast-check generators for RID-1 segments and IDs, shared by the robot-ID tests.
import fc from 'fast-check';
import {
  encodeRobotId,
  ISO_3166_ALPHA2_COUNTRIES,
  ROBOT_CATEGORIES,
  type RobotCategoryCode,
  type RobotIdSegments,
  S34,
} from '../../src/robot-id/index.js';

export const s34String = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...S34), minLength, maxLength });

/** Segments as an issuer would file them; the unit sequence without left padding, as decode returns it. */
export const robotIdSegments: fc.Arbitrary<RobotIdSegments & { category: RobotCategoryCode }> = fc.record({
  country: fc.constantFrom(...Object.keys(ISO_3166_ALPHA2_COUNTRIES)),
  enterprise: s34String(4, 4),
  category: fc.constantFrom(...(Object.keys(ROBOT_CATEGORIES) as RobotCategoryCode[])),
  model: s34String(2, 2),
  level: fc.integer({ min: 0, max: 5 }),
  productionYear: fc.integer({ min: 2010, max: 2039 }),
  productionMonth: fc.integer({ min: 1, max: 12 }),
  hardwareRevision: s34String(1, 1),
  site: s34String(1, 1),
  unitSequence: s34String(1, 14).map((unit) => unit.replace(/^0+(?=.)/, '')),
});

export const validRobotId: fc.Arbitrary<string> = robotIdSegments.map(encodeRobotId);

/** A fixed sample of valid IDs: the exhaustive tests enumerate around them, reproducibly. */
export function sampleValidIds(count: number, seed: number): string[] {
  return fc.sample(validRobotId, { numRuns: count, seed });
}
