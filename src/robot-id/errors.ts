// Coded robot-ID errors (robot-id.md "Errors a validator reports"). Callers branch on `code`,
// never on `message`; every code here is also registered, with its HTTP status, in
// src/core/errors.ts. This module cannot import that registry: src/robot-id stays free of
// imports so that it runs unchanged in a browser.

import type { RobotIdRejected } from './scheme.js';

export const ROBOT_ID_ERROR_CODES = [
  'ID_LENGTH',
  'ID_ALPHABET',
  'ID_COUNTRY_UNASSIGNED',
  'ID_CATEGORY_UNKNOWN',
  'ID_LEVEL_INVALID',
  'ID_YEAR_INVALID',
  'ID_MONTH_INVALID',
  'ID_CHECK_MISMATCH',
  // Only from encoding: a segment handed to the encoder has the wrong length or type.
  'ID_SEGMENT_INVALID',
] as const;

export type RobotIdErrorCode = (typeof ROBOT_ID_ERROR_CODES)[number];

/** What went wrong, as plain data: the `error` of a failed validation and the fields of a RobotIdError. */
export interface RobotIdProblem {
  readonly code: RobotIdErrorCode;
  readonly message: string;
  /** 1-based position in the canonical (separator-free) ID. */
  readonly position?: number;
  /** What would have been accepted: the check character, a character class such as `0-5`, or `29`. */
  readonly expected?: string;
  /** Name of the alphabet or table the position is checked against, e.g. `S34`, `VIN year`. */
  readonly alphabet?: string;
}

export interface RobotIdErrorDetails {
  readonly position?: number;
  readonly expected?: string;
  readonly alphabet?: string;
  /** A corrected canonical ID that passes every check (I/O confusions only). */
  readonly suggestion?: string;
}

export class RobotIdError extends Error {
  override readonly name = 'RobotIdError';
  readonly code: RobotIdErrorCode;
  readonly position: number | undefined;
  readonly expected: string | undefined;
  readonly alphabet: string | undefined;
  readonly suggestion: string | undefined;

  constructor(code: RobotIdErrorCode, message: string, details: RobotIdErrorDetails = {}) {
    super(message);
    this.code = code;
    this.position = details.position;
    this.expected = details.expected;
    this.alphabet = details.alphabet;
    this.suggestion = details.suggestion;
  }

  /** The error a throwing API raises for what the validator reported. */
  static fromRejection(rejection: RobotIdRejected): RobotIdError {
    const { code, message, ...details } = rejection.error;
    return new RobotIdError(code, message, { ...details, suggestion: rejection.suggestion });
  }
}

export function isRobotIdError(error: unknown): error is RobotIdError {
  return error instanceof RobotIdError;
}
