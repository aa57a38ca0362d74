// docs/robot-id.md "Check character": every single-character substitution is detected (enumerated
// here, exhaustively over positions and alphabet, around a fixed sample of valid IDs), and
// about 99.84% of adjacent transpositions (measured here over random valid IDs).
import { describe, expect, it } from 'vitest';
import { ALNUM36, isValidRobotId, validateRobotId } from '../../src/robot-id/index.js';
import { sampleValidIds } from './arbitraries.js';

/** Beyond 0-9A-Z: lower case, separators, a control character, non-ASCII and a lone surrogate. */
const OTHER_CHARACTERS = [...'abcdefghijklmnopqrstuvwxyz', ' ', '-', '*', '\u0000', 'é', 'Ω', '\uD83E'];

describe('single-character substitutions', () => {
  const ids = sampleValidIds(200, 20260526);

  it('rejects every one, at every position, for every character of 0-9A-Z and others', () => {
    let tried = 0;
    for (const id of ids) {
      for (let index = 0; index < id.length; index++) {
        const original = id.charAt(index);
        for (const replacement of [...ALNUM36, ...OTHER_CHARACTERS]) {
          // A lower-case copy of the same letter is the same ID once normalised, not a substitution.
          if (replacement.toUpperCase() === original) continue;
          const mutated = id.slice(0, index) + replacement + id.slice(index + 1);
          tried++;
          if (isValidRobotId(mutated) || validateRobotId(mutated).valid) {
            expect.fail(
              `${mutated} (position ${index + 1} of ${id} as ${JSON.stringify(replacement)}) was accepted`,
            );
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(200 * 29 * 60);
  });
});

describe('adjacent transpositions', () => {
  it('are detected at the rate the spec measured (99.84%), within tolerance', () => {
    let transpositions = 0;
    let detected = 0;
    for (const id of sampleValidIds(4000, 7)) {
      for (let index = 0; index < id.length - 1; index++) {
        const [left, right] = [id.charAt(index), id.charAt(index + 1)];
        if (left === right) continue;
        transpositions++;
        const swapped = id.slice(0, index) + right + left + id.slice(index + 2);
        const valid = isValidRobotId(swapped);
        expect(validateRobotId(swapped).valid).toBe(valid);
        if (!valid) detected++;
      }
    }
    const rate = (100 * detected) / transpositions;
    console.info(`adjacent transpositions detected: ${rate.toFixed(3)}% (${detected} of ${transpositions})`);
    expect(transpositions).toBeGreaterThan(50_000);
    // The validator also catches a few by alphabet (a check I or O moved into position 28), so
    // it may do slightly better than the check alone; never much worse, never perfect.
    expect(Math.abs(rate - 99.84)).toBeLessThanOrEqual(0.3);
  });
});
