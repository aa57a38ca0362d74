// Coded errors are public API (api-v1.md "Conventions"): clients branch on `code`, never on
// `message`. Every code the platform can answer with is declared here once, with its HTTP
// status and a one-line meaning; test/core/errors.test.ts checks that docs/errors.md lists
// every one of them.

export const ERROR_CODES = {
  // Generic request handling
  VALIDATION_FAILED: { status: 400, doc: 'The body, query or path does not match the schema.' },
  MALFORMED_JSON: { status: 400, doc: 'The body is not valid JSON.' },
  UNAUTHENTICATED: { status: 401, doc: 'No API key, or an unknown or revoked one.' },
  FORBIDDEN: { status: 403, doc: 'Authenticated, but this organisation may not do this.' },
  NOT_FOUND: { status: 404, doc: 'No such route or resource, or it is not visible to the caller.' },
  CONFLICT: { status: 409, doc: 'The request conflicts with an existing record.' },
  PAYLOAD_TOO_LARGE: { status: 413, doc: 'The body exceeds the size limit of the route.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, doc: 'The Content-Type is not one the route accepts.' },
  RATE_LIMITED: { status: 429, doc: 'Too many requests; retry after the Retry-After header.' },
  INTERNAL_ERROR: { status: 500, doc: 'A fault of the platform, never of the input; it is logged.' },
  NOT_READY: { status: 503, doc: 'The platform is starting or its database is unreachable.' },

  // Robot IDs (RID-1, docs/robot-id.md); details carry `position`, `expected`, `suggestion`.
  ID_LENGTH: { status: 400, doc: 'The robot ID does not have 29 characters.' },
  ID_ALPHABET: { status: 400, doc: 'A character is outside the alphabet of its position.' },
  ID_COUNTRY_UNASSIGNED: { status: 400, doc: 'Positions 1-2 are not an assigned ISO 3166-1 alpha-2 code.' },
  ID_CATEGORY_UNKNOWN: { status: 400, doc: 'Position 7 is not a category in the RID-1 table.' },
  ID_LEVEL_INVALID: { status: 400, doc: 'Position 10 is not an intelligence level 0-5.' },
  ID_YEAR_INVALID: { status: 400, doc: 'Position 11 is not a VIN year code.' },
  ID_MONTH_INVALID: { status: 400, doc: 'Position 12 is not a month code 1-9, A-C.' },
  ID_CHECK_MISMATCH: {
    status: 400,
    doc: 'The check character (position 29) does not match; `expected` names it.',
  },
  ID_SEGMENT_INVALID: {
    status: 400,
    doc: 'A segment given to build an ID has the wrong length or characters.',
  },

  // Organisations and keys
  ENTERPRISE_CODE_TAKEN: {
    status: 409,
    doc: 'The enterprise code is already assigned to another manufacturer.',
  },
  KEY_ALREADY_REVOKED: { status: 409, doc: 'The API key was already revoked.' },

  // Robots
  ROBOT_NOT_FOUND: { status: 404, doc: 'No robot has this ID, or it is not visible to the caller.' },
} as const satisfies Record<string, { status: number; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error the platform reports to its caller with a stable code; `details` is public. */
export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isPlatformError(error: unknown): error is PlatformError {
  return error instanceof PlatformError;
}
