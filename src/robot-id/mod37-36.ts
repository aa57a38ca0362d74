// ISO/IEC 7064 MOD 37,36, the hybrid system for alphanumeric data (GB/T 17710-2008), as
// docs/robot-id.md "Check character" states it. With v(c) the index of c in ALNUM36 and P = 36:
// for each character, S = (P + v(c)) mod 36 with 0 read as 36, then P = 2S mod 37. The
// check value is (37 - P) mod 36; a string with its check character appended ends with S = 1.
// Each step is a bijection of the state for a fixed P, which is why every single-character
// substitution is detected.

import { RobotIdError } from './errors.js';

/** The 36 symbols, in value order; index = v(c). */
export const ALNUM36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The state before the first character. */
export const MOD37_36_INITIAL_STATE = 36;

/** The P that follows P = `state` on a character of value `value` (0-35). */
export function mod37_36Step(state: number, value: number): number {
  const sum = (state + value) % 36 || 36;
  return (2 * sum) % 37;
}

/** The value (0-35) of the check character that completes a string whose running state is `state`. */
export function mod37_36CheckValue(state: number): number {
  return (37 - state) % 36;
}

/**
 * The MOD 37,36 check character of `data` (upper-case `0-9A-Z`, any length).
 * Throws ID_ALPHABET, with the 1-based position, for any other character.
 */
export function mod37_36CheckCharacter(data: string): string {
  let state = MOD37_36_INITIAL_STATE;
  for (let i = 0; i < data.length; i++) {
    const value = ALNUM36.indexOf(data.charAt(i));
    if (value < 0) {
      throw new RobotIdError(
        'ID_ALPHABET',
        `character ${JSON.stringify(data.charAt(i))} at position ${i + 1} is not in 0-9A-Z`,
        { position: i + 1, expected: '0-9A-Z', alphabet: 'MOD 37,36 check' },
      );
    }
    state = mod37_36Step(state, value);
  }
  return ALNUM36.charAt(mod37_36CheckValue(state));
}
