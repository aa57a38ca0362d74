// A robot-ID scheme: how the 29 characters inside the public 2/4/6/17 split are assigned and
// checked. RID-1 is ours; docs/robot-id.md asks for the official algorithm to become one more
// scheme the day it is published, without touching callers. Callers therefore go through
// the registry in schemes.ts, never through one scheme directly, except to issue new IDs.

import type { RobotIdProblem } from './errors.js';

/** What every scheme can say about an ID: the public split of the national code. */
export interface PublicRobotIdFields {
  readonly scheme: string;
  /** Canonical form: 29 characters, upper case, no separators. */
  readonly id: string;
  /** Grouped 2/4/6/17 for people: `CN B7K2 B0A3T5 11000000000123455`. */
  readonly display: string;
  /** Positions 1-2, ISO 3166-1 alpha-2. */
  readonly country: string;
  /** Positions 3-6, assigned by the registry. */
  readonly enterprise: string;
  /** Positions 7-12, the public product model code. */
  readonly modelCode: string;
  /** Positions 13-29, the public serial. */
  readonly serial: string;
}

/** The non-throwing answer of a validator. */
export type RobotIdValidation = RobotIdAccepted | RobotIdRejected;

export interface RobotIdAccepted {
  readonly valid: true;
  readonly scheme: string;
  readonly id: string;
}

export interface RobotIdRejected {
  readonly valid: false;
  readonly scheme: string;
  readonly error: RobotIdProblem;
  /** A corrected canonical ID that passes every check; only for I/O confusions, never applied silently. */
  readonly suggestion?: string;
}

export interface DecodeOptions {
  /**
   * The calendar year "now" for the caller, used to place a cyclic year code. Decoding stays
   * pure: it never reads the clock itself, so the same ID always decodes the same way.
   */
  readonly referenceYear?: number;
}

/**
 * One scheme. `Segments` is what an issuer supplies to `encode`, `Decoded` what `decode`
 * returns; both are specific to the scheme, the public split is common to all.
 */
export interface RobotIdScheme<Name extends string, Segments, Decoded extends PublicRobotIdFields> {
  readonly name: Name;
  /** Fast, non-throwing, allocation-free for canonical input; agrees with `validate`. */
  isValid(input: string): boolean;
  /** Non-throwing diagnosis: the first problem in a documented order, with a suggestion where one applies. */
  validate(input: string): RobotIdValidation;
  /** Throws RobotIdError when `validate` would reject the input. */
  decode(input: string, options?: DecodeOptions): Decoded;
  /** Builds the canonical ID, check character included; throws RobotIdError on a bad segment. */
  encode(segments: Segments): string;
}
