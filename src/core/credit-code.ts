// The unified social credit code of a legal entity or other organisation (GB 32100-2015):
// 18 characters of a 31-character alphabet (the digits and the capital letters but I, O, S,
// V and Z). Position 1 is the registration authority, 2 the kind of organisation, 3-8 the
// administrative division code of the registering office (digits, GB/T 2260), 9-17 the
// organisation's own identifier (GB 11714), and 18 a check character over the first 17:
//
//   sum = Σ value(c[i]) × 3^(i-1) mod 31, i = 1..17;  check = (31 − sum mod 31) mod 31
//
// where value() is a character's place in the alphabet (0-9 → 0-9, A → 10 … Y → 30) and the
// check is written as the character of that value. Pure: no I/O (docs/end-of-life.md).

/** The code's alphabet, in value order. */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weight of positions 1-17: 3^(i-1) mod 31. */
export const CREDIT_CODE_WEIGHTS = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < i; k++) w = (w * 3) % 31;
  return w;
});

const SHAPE = /^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;

/** The check character of the first 17 characters of a code; undefined if one is outside the alphabet. */
export function creditCodeCheckCharacter(first17: string): string | undefined {
  if (first17.length !== 17) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17[i]!);
    if (value < 0) return undefined;
    sum += value * CREDIT_CODE_WEIGHTS[i]!;
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

export type CreditCodeCheck = { valid: true } | { valid: false; reason: string };

/** Whether `code` is a well-formed unified social credit code with the right check character. */
export function checkCreditCode(code: string): CreditCodeCheck {
  if (code.length !== 18) return { valid: false, reason: 'a unified social credit code has 18 characters' };
  if (!SHAPE.test(code)) {
    return {
      valid: false,
      reason:
        'characters are digits and capital letters except I, O, S, V and Z, and positions 3-8 are digits',
    };
  }
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (expected !== code[17]) {
    return { valid: false, reason: `the check character (position 18) should be ${expected}` };
  }
  return { valid: true };
}
