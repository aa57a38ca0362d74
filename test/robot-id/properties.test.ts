// Properties of the RID-1 codec over generated segments, IDs and arbitrary strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRobotId,
  encodeRobotId,
  formatRobotId,
  isValidRobotId,
  parseRobotId,
  validateRobotId,
} from '../../src/robot-id/index.js';
import { robotIdSegments, validRobotId } from './arbitraries.js';

describe('encode and decode', () => {
  it('decode(encode(segments)) gives the segments back', () => {
    fc.assert(
      fc.property(robotIdSegments, (segments) => {
        expect(decodeRobotId(encodeRobotId(segments))).toMatchObject(segments);
      }),
    );
  });

  it('encode(decode(id)) gives the ID back', () => {
    fc.assert(fc.property(validRobotId, (id) => encodeRobotId(decodeRobotId(id)) === id));
  });

  it('the public split: model code is positions 7-12, serial 13-29', () => {
    fc.assert(
      fc.property(validRobotId, (id) => {
        const decoded = decodeRobotId(id);
        return decoded.modelCode === id.slice(6, 12) && decoded.serial === id.slice(12) && decoded.id === id;
      }),
    );
  });
});

describe('I and O', () => {
  it('no valid ID has I or O in positions 3-28', () => {
    fc.assert(fc.property(validRobotId, (id) => !/[IO]/.test(id.slice(2, 28))));
  });

  it('an I or O in positions 3-28 is rejected at the first one, even with a matching check character', () => {
    const withLookAlikes = fc
      .tuple(
        validRobotId,
        fc.uniqueArray(fc.integer({ min: 3, max: 28 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('I', 'O'),
      )
      .map(([id, positions, letter]) => {
        let body = id.slice(0, 28);
        for (const position of positions) body = body.slice(0, position - 1) + letter + body.slice(position);
        return { typed: body + checkCharacterOf(body), first: Math.min(...positions) };
      });
    fc.assert(
      fc.property(withLookAlikes, ({ typed, first }) => {
        expect(isValidRobotId(typed)).toBe(false);
        expect(validateRobotId(typed)).toMatchObject({
          valid: false,
          error: { code: 'ID_ALPHABET', position: first },
        });
      }),
    );
  });
});

describe('display form and typed input', () => {
  it('the display form parses back to the canonical ID, in any case', () => {
    fc.assert(
      fc.property(validRobotId, (id) => {
        const display = formatRobotId(id);
        expect(display.split(' ').map((group) => group.length)).toEqual([2, 4, 6, 17]);
        expect(parseRobotId(display)).toBe(id);
        expect(parseRobotId(display.toLowerCase().replaceAll(' ', '-'))).toBe(id);
      }),
    );
  });
});

describe('the fast check and the diagnosis agree', () => {
  it('on arbitrary strings, and neither throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ minLength: 29, maxLength: 29 })),
        (input) => {
          expect(validateRobotId(input).valid).toBe(isValidRobotId(input));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('on valid IDs with random characters overwritten', () => {
    const mutated = fc
      .tuple(validRobotId, fc.integer({ min: 0, max: 28 }), fc.string({ minLength: 1, maxLength: 3 }))
      .map(([id, index, text]) => (id.slice(0, index) + text + id.slice(index + text.length)).slice(0, 29));
    fc.assert(
      fc.property(mutated, (input) => {
        const validation = validateRobotId(input);
        expect(validation.valid).toBe(isValidRobotId(input));
        if (!validation.valid && validation.suggestion !== undefined) {
          expect(isValidRobotId(validation.suggestion)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/** The MOD 37,36 check character straight from docs/robot-id.md, independent of the implementation. */
function checkCharacterOf(first28: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let p = 36;
  for (const character of first28) {
    const s = (p + alphabet.indexOf(character)) % 36 || 36;
    p = (2 * s) % 37;
  }
  return alphabet.charAt((37 - p) % 36);
}
