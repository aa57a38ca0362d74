// Scheme RID-1 (robot-id.md): our own assignment of the 29 characters inside the public
// 2/4/6/17 split, with an ISO/IEC 7064 MOD 37,36 check character.

import { decodeRid1, encodeRid1, type Rid1Decoded, type Rid1Segments } from './rid1-codec.js';
import { isValidRid1, validateRid1 } from './rid1-validate.js';
import type { RobotIdScheme } from './scheme.js';

export type Rid1Scheme = RobotIdScheme<'RID-1', Rid1Segments, Rid1Decoded>;

export const RID1: Rid1Scheme = Object.freeze({
  name: 'RID-1',
  isValid: isValidRid1,
  validate: validateRid1,
  decode: decodeRid1,
  encode: encodeRid1,
});
