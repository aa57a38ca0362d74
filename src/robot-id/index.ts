// Robot IDs: the public API. Pure and synchronous, no imports outside this folder, so the same
// code validates IDs in the platform, the command line and a browser.

export {
  isRobotIdError,
  ROBOT_ID_ERROR_CODES,
  RobotIdError,
  type RobotIdErrorCode,
  type RobotIdErrorDetails,
  type RobotIdProblem,
} from './errors.js';
export { ISO_3166_ALPHA2_COUNTRIES } from './iso3166.js';
export { ALNUM36, mod37_36CheckCharacter } from './mod37-36.js';
export { normaliseRobotIdInput, ROBOT_ID_LENGTH } from './public-split.js';
export { RID1, type Rid1Scheme } from './rid1.js';
export {
  computeRid1CheckCharacter as computeCheckCharacter,
  productionYearOf,
  type Rid1Decoded,
  type Rid1Segments,
} from './rid1-codec.js';
export {
  MONTH_CODES,
  RID1_SEGMENTS,
  ROBOT_CATEGORIES,
  type RobotCategoryCode,
  S34,
  VIN_YEAR_CODES,
  VIN_YEAR_EPOCH,
} from './rid1-tables.js';
export type {
  DecodeOptions,
  PublicRobotIdFields,
  RobotIdAccepted,
  RobotIdRejected,
  RobotIdScheme,
  RobotIdValidation,
} from './scheme.js';
export {
  type AnyRobotIdScheme,
  createRobotIdRegistry,
  type DecodedRobotId,
  decodeRobotId,
  encodeRobotId,
  formatRobotId,
  issuingScheme,
  isValidRobotId,
  parseRobotId,
  type RegisteredRobotIdScheme,
  type RobotId,
  type RobotIdRegistry,
  type RobotIdSchemeName,
  type RobotIdSegments,
  robotIdScheme,
  robotIdSchemes,
  validateRobotId,
} from './schemes.js';
