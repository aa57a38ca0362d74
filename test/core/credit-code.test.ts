import { describe, expect, it } from 'vitest';
import {
  CREDIT_CODE_ALPHABET,
  CREDIT_CODE_WEIGHTS,
  checkCreditCode,
  creditCodeCheckCharacter,
} from '../../src/core/credit-code.js';

// Codes of registered organisations as published (GB 32100-2015), and the standard's weights.
const VALID = [
  '91350100M000100Y43',
  '91350200776049653A',
  '91350500798359476R',
  '91440101MA5CJQ4N59',
  '913502000728319549',
  '123502001549897397',
  '9135021359498494XQ',
  '91350213678251743X',
  '91350200MA31E12PXF',
];

describe('unified social credit code (GB 32100-2015)', () => {
  it('weights are 3^(i-1) mod 31 and the alphabet has 31 characters without I, O, S, V, Z', () => {
    expect(CREDIT_CODE_WEIGHTS).toEqual([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
    expect(CREDIT_CODE_ALPHABET).toHaveLength(31);
    for (const c of 'IOSVZ') expect(CREDIT_CODE_ALPHABET).not.toContain(c);
  });

  for (const code of VALID) {
    it(`accepts ${code}`, () => {
      expect(checkCreditCode(code)).toEqual({ valid: true });
      expect(creditCodeCheckCharacter(code.slice(0, 17))).toBe(code[17]);
    });
  }

  it('a check character of value 0 is written 0 (31 − 0 wraps round)', () => {
    // Position 17 chosen so that the weighted sum is ≡ 0 (mod 31).
    const prefix = '9135020007283195';
    const zero = [...CREDIT_CODE_ALPHABET].find((c) => creditCodeCheckCharacter(prefix + c) === '0');
    expect(zero).toBeDefined();
    expect(checkCreditCode(`${prefix}${zero}0`)).toEqual({ valid: true });
  });

  it('refuses every other check character of a valid code', () => {
    const code = VALID[1]!;
    for (const c of CREDIT_CODE_ALPHABET) {
      if (c === code[17]) continue;
      expect(checkCreditCode(code.slice(0, 17) + c)).toMatchObject({ valid: false });
    }
  });

  it('refuses a single changed character and two swapped neighbours', () => {
    const code = VALID[3]!;
    for (let i = 0; i < 17; i++) {
      const other = code[i] === '1' ? '2' : '1';
      expect(
        checkCreditCode(code.slice(0, i) + other + code.slice(i + 1)),
        `position ${i + 1}`,
      ).toMatchObject({
        valid: false,
      });
    }
    // 91440101MA5CJQ4N59: swap positions 9 and 10 (M, A).
    expect(checkCreditCode('91440101AM5CJQ4N59')).toMatchObject({ valid: false });
  });

  it('refuses wrong lengths, lower case, letters outside the alphabet and letters in the division code', () => {
    expect(checkCreditCode('')).toMatchObject({ valid: false, reason: expect.stringContaining('18') });
    expect(checkCreditCode('91350200776049653')).toMatchObject({ valid: false });
    expect(checkCreditCode('91350200776049653AA')).toMatchObject({ valid: false });
    expect(checkCreditCode('91440101ma5cjq4n59')).toMatchObject({ valid: false });
    // I, O, S, V, Z are not in the alphabet, wherever they stand.
    for (const c of 'IOSVZ') expect(checkCreditCode(`91440101M${c}5CJQ4N59`)).toMatchObject({ valid: false });
    // Positions 3-8 are a GB/T 2260 division code: digits only.
    const prefix = '91A40101MA5CJQ4N5';
    const check = creditCodeCheckCharacter(prefix)!;
    expect(checkCreditCode(prefix + check)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('3-8'),
    });
  });
});
