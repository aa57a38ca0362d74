// The registry of robot-ID schemes and the scheme-independent API on top of it.
//
// docs/robot-id.md: "never reject an ID only because it fails a scheme it was not issued under".
// An ID carries no marker of its scheme, so a registry accepts an ID when ANY of its schemes
// accepts it, and decodes it with the first scheme (in registry order) that does. When every
// scheme rejects it, the diagnosis of the first scheme is reported. New IDs are issued under
// `issuingScheme` only.
//
// Adding a scheme (e.g. the official CESI algorithm once published): implement
// `RobotIdScheme<'NAME', Segments, Decoded>` in its own files, append it to `robotIdSchemes`
// and, if the platform is to issue under it, point `issuingScheme` at it. `DecodedRobotId`
// then widens to a union discriminated by `scheme`; callers of the functions below are
// otherwise unchanged.

import { RobotIdError } from './errors.js';
import { toDisplayForm } from './public-split.js';
import { RID1 } from './rid1.js';
import type {
  DecodeOptions,
  PublicRobotIdFields,
  RobotIdRejected,
  RobotIdScheme,
  RobotIdValidation,
} from './scheme.js';

/** Any scheme, whatever its segments: a registry never encodes. */
export type AnyRobotIdScheme = RobotIdScheme<string, never, PublicRobotIdFields>;

declare const canonicalRobotId: unique symbol;
/** A string known to be a valid robot ID in canonical form; only a registry's `parse` makes one. */
export type RobotId = string & { readonly [canonicalRobotId]: true };

export interface RobotIdRegistry<Scheme extends AnyRobotIdScheme> {
  readonly schemes: readonly Scheme[];
  /** Fast, non-throwing check of canonical or typed input; for bulk use. */
  isValid(input: string): boolean;
  /** Non-throwing validation: the canonical ID, or the first problem with position and suggestion. */
  validate(input: string): RobotIdValidation;
  /** The canonical form of a valid ID; throws RobotIdError otherwise. */
  parse(input: string): RobotId;
  /** Segments and their meaning; throws RobotIdError when no scheme accepts the ID. */
  decode(input: string, options?: DecodeOptions): ReturnType<Scheme['decode']>;
  /** The display form, `CN B7K2 B0A3T5 11000000000123455`; throws RobotIdError for an invalid ID. */
  format(input: string): string;
}

export function createRobotIdRegistry<
  const Schemes extends readonly [AnyRobotIdScheme, ...AnyRobotIdScheme[]],
>(schemes: Schemes): RobotIdRegistry<Schemes[number]> {
  type Scheme = Schemes[number];
  const validate = (input: string): RobotIdValidation => {
    let firstRejection: RobotIdRejected | undefined;
    for (const scheme of schemes) {
      const validation = scheme.validate(input);
      if (validation.valid) return validation;
      firstRejection ??= validation;
    }
    return firstRejection!;
  };
  const parse = (input: string): RobotId => {
    const validation = validate(input);
    if (!validation.valid) throw RobotIdError.fromRejection(validation);
    return validation.id as RobotId;
  };
  return Object.freeze({
    schemes,
    isValid(input: string): boolean {
      for (const scheme of schemes) {
        if (scheme.isValid(input)) return true;
      }
      return false;
    },
    validate,
    parse,
    decode(input: string, options?: DecodeOptions): ReturnType<Scheme['decode']> {
      for (const scheme of schemes) {
        if (scheme.isValid(input)) return scheme.decode(input, options) as ReturnType<Scheme['decode']>;
      }
      throw RobotIdError.fromRejection(validate(input) as RobotIdRejected);
    },
    format: (input: string): string => toDisplayForm(parse(input)),
  });
}

/** The schemes the platform accepts, in the order it tries them. */
export const robotIdSchemes = [RID1] as const;

export type RegisteredRobotIdScheme = (typeof robotIdSchemes)[number];
export type RobotIdSchemeName = RegisteredRobotIdScheme['name'];
export type DecodedRobotId = ReturnType<RegisteredRobotIdScheme['decode']>;

/** The scheme the platform issues new IDs under. */
export const issuingScheme = RID1;
export type RobotIdSegments = Parameters<(typeof issuingScheme)['encode']>[0];

const platformRegistry = createRobotIdRegistry(robotIdSchemes);

export const isValidRobotId = platformRegistry.isValid;
export const validateRobotId = platformRegistry.validate;
export const parseRobotId = platformRegistry.parse;
export const decodeRobotId = platformRegistry.decode;
export const formatRobotId = platformRegistry.format;

/** Builds a new ID under the issuing scheme; throws RobotIdError on a bad segment. */
export function encodeRobotId(segments: RobotIdSegments): string {
  return issuingScheme.encode(segments);
}

export function robotIdScheme(name: RobotIdSchemeName): RegisteredRobotIdScheme {
  const scheme = robotIdSchemes.find((candidate) => candidate.name === name);
  if (scheme === undefined) throw new RangeError(`no robot-ID scheme named ${JSON.stringify(name)}`);
  return scheme;
}
