// Coded errors are public API (docs/api.md "Conventions"): clients branch on `code`, never on
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
  REQUEST_TIMEOUT: {
    status: 408,
    doc: 'The request headers or body did not arrive within the server’s timeouts; the connection is closed.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, doc: 'The body exceeds the size limit of the route.' },
  URI_TOO_LONG: { status: 414, doc: 'A path segment is longer than any the API accepts (100 characters).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, doc: 'The Content-Type is not one the route accepts.' },
  RATE_LIMITED: { status: 429, doc: 'Too many requests; retry after the Retry-After header.' },
  HEADERS_TOO_LARGE: {
    status: 431,
    doc: 'The request headers exceed what the server reads; the connection is closed.',
  },
  INTERNAL_ERROR: { status: 500, doc: 'A fault of the platform, never of the input; it is logged.' },
  INTERNAL_INVARIANT: {
    status: 500,
    doc: 'The platform found its own state impossible (a bug or a database changed behind its back); it is logged.',
  },
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

  // Catalogue and filing
  MODEL_NOT_FOUND: {
    status: 404,
    doc: "No such model, or not one of the caller's own where only those count.",
  },
  MODEL_CODE_TAKEN: {
    status: 409,
    doc: 'The enterprise already has a model with this code in this category.',
  },
  HARDWARE_REVISION_TAKEN: { status: 409, doc: 'The model already has a hardware revision with this code.' },
  HARDWARE_REVISION_UNKNOWN: {
    status: 422,
    doc: 'The hardware revision is not one registered for the model.',
  },
  FAULT_CODE_CONFLICT: {
    status: 409,
    doc: 'The model already declares this fault code with another definition; a code is never changed (`details.code`).',
  },
  SITE_NOT_FOUND: { status: 404, doc: "No site with this code among the caller's own sites." },
  SITE_CODE_TAKEN: { status: 409, doc: 'The manufacturer already has a site with this code.' },
  SERIAL_TAKEN: {
    status: 409,
    doc: 'This unit sequence was already issued for the model (IDs are never reused).',
  },
  DEVICE_KEY_INVALID: {
    status: 400,
    doc: 'devicePublicKey is not base64url of a usable 32-byte Ed25519 public key.',
  },
  DEVICE_KEY_TAKEN: { status: 409, doc: 'This device public key is already registered to a robot.' },
  PRODUCTION_DATE_INVALID: {
    status: 422,
    doc: 'productionDate is in the future or outside the RID-1 years 2010-2039.',
  },
  ILLEGAL_TRANSITION: { status: 409, doc: 'The robot’s status does not allow this; nothing was changed.' },

  // Lifecycle, transfers and grants (docs/lifecycle.md)
  EVENT_DATA_INVALID: {
    status: 400,
    doc: 'The event data does not fit its type; details name the type and the issues.',
  },
  OCCURRED_AT_IN_FUTURE: {
    status: 400,
    doc: 'occurredAt is more than 5 minutes ahead of the platform clock.',
  },
  OCCURRED_AT_BEFORE_PRODUCTION: {
    status: 400,
    doc: "occurredAt is before the start (00:00 UTC) of the robot's productionDate; details give both.",
  },
  ORG_NOT_FOUND: { status: 404, doc: 'The organisation named in the body does not exist.' },
  TRANSFER_NOT_FOUND: { status: 404, doc: 'No such transfer, or the caller is not a party to it.' },
  TRANSFER_TO_SELF: { status: 400, doc: 'The robot is offered to the organisation that already owns it.' },
  TRANSFER_RECIPIENT_INVALID: {
    status: 422,
    doc: 'The recipient is an authority (registry or regulator), which cannot own robots.',
  },
  TRANSFER_PENDING: { status: 409, doc: 'The robot already has an open transfer offer; details name it.' },
  TRANSFER_NOT_PENDING: { status: 409, doc: 'The transfer was already accepted, rejected or cancelled.' },

  // End of life (docs/end-of-life.md)
  STORAGE_MEDIUM_CONFLICT: {
    status: 409,
    doc: 'The model already declares this storage medium with another definition; a medium is never changed (`details.mediaId`).',
  },
  SANITIZATION_INCOMPLETE: {
    status: 409,
    doc: 'Recycling needs a passed sanitization of every storage medium the model declares, recorded since the last change of owner (`details.missing` lists the media without one).',
  },
  CREDIT_CODE_INVALID: {
    status: 400,
    doc: 'Not a unified social credit code (GB 32100-2015): 18 characters of its alphabet with the right check character (`details.field`, `details.reason`).',
  },

  // Notifications and webhooks (docs/notifications.md)
  WEBHOOK_NOT_FOUND: {
    status: 404,
    doc: 'The caller has no webhook with this id (another organisation’s is not shown).',
  },
  WEBHOOK_TARGET_REFUSED: {
    status: 400,
    doc: 'The webhook URL is not http(s), or its host resolves to a loopback, private, link-local, unique-local or other non-public address and is not in ROBOLEDGER_WEBHOOK_ALLOW_HOSTS; details.reason says which.',
  },
  WEBHOOK_LIMIT: {
    status: 409,
    doc: 'The organisation already has the most webhooks it may have (20); delete one first.',
  },

  // Health and coded maintenance (docs/health.md)
  ADVISORY_NOT_FOUND: {
    status: 404,
    doc: 'A maintenance event names an advisoryId that is not one of this robot’s health advisories.',
  },

  // Type approvals, certificates and brands (docs/certificates.md)
  APPROVAL_EXISTS: { status: 409, doc: 'The model already has a type approval with this approvalId.' },
  APPROVAL_NOT_FOUND: { status: 404, doc: 'The model has no type approval with this approvalId.' },
  APPROVAL_UNKNOWN: {
    status: 422,
    doc: "A certification event names an approvalId that is not an approval of the robot's model.",
  },
  BRAND_ALREADY_RECORDED: { status: 409, doc: 'The robot already carries this brand; brands are permanent.' },
  BRAND_INCIDENT_UNKNOWN: {
    status: 422,
    doc: 'The incidentId given with a brand is not an incident of this robot.',
  },
  ROBOT_PARTS_ONLY: {
    status: 409,
    doc: 'The robot is branded parts_only: it may never be deployed or put in service again.',
  },
  USAGE_DISCLOSURE_CONFLICT: {
    status: 409,
    doc: "Usage disclosed as actual contradicts the robot's last signed operating-hours reading; details give the reading and its time.",
  },

  // Recall campaigns (docs/recalls.md)
  RECALL_EXISTS: { status: 409, doc: 'A recall campaign with this campaignId was already opened.' },
  RECALL_NOT_FOUND: {
    status: 404,
    doc: 'No recall campaign has this id, or (in maintenance data, decline) it does not affect this robot.',
  },
  RECALL_UNIT_REMEDIED: { status: 409, doc: 'The robot’s unit of this campaign is already remedied.' },

  // Incidents (docs/incidents.md)
  INCIDENT_NOT_FOUND: {
    status: 404,
    doc: 'No incident has this id, or the caller is not an authority, one of its parties or its reporter.',
  },
  INCIDENT_ITEM_NOT_FOUND: { status: 404, doc: 'The incident has no evidence item with this id.' },
  INCIDENT_HOLD: {
    status: 409,
    doc: 'An incident holds the robot: software updates, key rotations, decommissioning, recycling and ownership offers and acceptances wait until an authority releases the hold; details.incidentId names it.',
  },
  INCIDENT_STATUS_INVALID: {
    status: 409,
    doc: 'The investigation moves forward only (investigating, preliminary_report, final_report, closed), and findings need it started; details name from and to.',
  },
  GRANT_SCOPE_NOT_ALLOWED: {
    status: 422,
    doc: 'The grantee’s kind cannot receive these scopes; details list the refused ones.',
  },
  GRANT_EXPIRY_INVALID: { status: 400, doc: 'expiresAt is not in the future, or more than 5 years ahead.' },
  GRANT_NOT_FOUND: { status: 404, doc: 'No such grant on this robot.' },
  GRANT_ALREADY_REVOKED: { status: 409, doc: 'The grant was already revoked.' },
  GRANT_DUPLICATE: {
    status: 409,
    doc: 'A live grant to this organisation already gives these scopes for as long; details name it.',
  },

  // History reports and their shares (docs/history-report.md)
  REPORT_TOKEN_INVALID: {
    status: 401,
    doc: 'The X-Report-Token is unknown, expired, revoked, or its robot changed owner since the share was made.',
  },
  REPORT_SHARE_NOT_FOUND: { status: 404, doc: 'No such report share of this robot.' },
  REPORT_SHARE_LIFETIME: {
    status: 400,
    doc: 'A share must expire in the future and within 30 days; details give the latest expiresAt allowed.',
  },

  // Ledger (docs/ledger.md)
  LEDGER_ENTRY_NOT_FOUND: { status: 404, doc: 'No ledger entry has this index (yet).' },
  LEDGER_TREE_SIZE_UNKNOWN: {
    status: 404,
    doc: 'The tree size asked for is larger than the log; details give the current size.',
  },
  LEDGER_PROOF_REQUEST_INVALID: {
    status: 400,
    doc: 'No such proof exists: index >= treeSize, from > to, or from = 0 (RFC 9162 §2.1.4).',
  },
  LEDGER_CHECKPOINT_NOT_FOUND: { status: 404, doc: 'The log has signed no checkpoint of this size.' },
  ROBOT_NOT_IN_TREE: {
    status: 404,
    doc: 'The robot has no record among the first treeSize leaves (it was filed later); details give treeSize.',
  },
  LEDGER_TILE_PATH_INVALID: {
    status: 400,
    doc: 'The path is not the canonical C2SP tlog-tiles path of a tile.',
  },
  LEDGER_TILE_NOT_FOUND: {
    status: 404,
    doc: 'The tree does not reach this tile, or this partial width, yet.',
  },
  LEDGER_BUNDLE_UNAVAILABLE: {
    status: 422,
    doc: 'An entry of this bundle exceeds the 65,535 bytes tlog-tiles allows; read it from /v1/ledger/entries.',
  },
  LEDGER_WITNESS_KEY_INVALID: {
    status: 400,
    doc: 'Not a C2SP cosigner verifier key, name+hex8+base64(0x04 ‖ Ed25519 public key).',
  },
  LEDGER_WITNESS_EXISTS: { status: 409, doc: 'A witness with this name or key is already registered.' },
  LEDGER_WITNESS_UNKNOWN: { status: 403, doc: 'The cosignature is by a witness the log has not registered.' },
  LEDGER_COSIGNATURE_INVALID: {
    status: 422,
    doc: 'The cosignature is malformed, does not verify over that checkpoint, or is dated in the future.',
  },
  LEDGER_CHECKPOINT_MISMATCH: {
    status: 409,
    doc: 'The cosigned checkpoint is not the one the log signed for that size: the witness saw a fork.',
  },

  // Telemetry (docs/telemetry.md): signed batches over HTTP and MQTT, queries and alerts.
  TELEMETRY_MALFORMED_JWS: {
    status: 400,
    doc: 'The batch is not a compact JWS in canonical base64url with a JSON header of alg, kid (and typ "JOSE") only, each once.',
  },
  TELEMETRY_UNSUPPORTED_ALG: { status: 400, doc: 'The JWS alg is not EdDSA (Ed25519, RFC 8037).' },
  TELEMETRY_MALFORMED_PAYLOAD: {
    status: 400,
    doc: 'The signed payload is not UTF-8 JSON, names a field twice, or does not match the schema (a time must be a real calendar date); `details.path` names the field.',
  },
  TELEMETRY_SIGNATURE_INVALID: {
    status: 422,
    doc: "The signature does not verify with the robot's registered keys.",
  },
  TELEMETRY_KEY_UNKNOWN: {
    status: 422,
    doc: 'The kid names no registered robot, or the signing key is not registered.',
  },
  TELEMETRY_KEY_RETIRED: {
    status: 422,
    doc: 'The batch is signed with a device key that was retired (key_rotation) before the batch arrived; sign with the live key.',
  },
  TELEMETRY_ROBOT_MISMATCH: {
    status: 422,
    doc: 'The JWS kid, the payload robotId and the MQTT topic do not name one robot.',
  },
  TELEMETRY_ROBOT_INACTIVE: {
    status: 409,
    doc: 'The robot is decommissioned or recycled and sends no more telemetry.',
  },
  TELEMETRY_JOINT_COUNT: { status: 422, doc: "A joint array does not have the model's jointCount entries." },
  TELEMETRY_OUT_OF_RANGE: {
    status: 422,
    doc: 'A value is outside its physical range; `details.path` names it.',
  },
  TELEMETRY_TIMESTAMP_FUTURE: {
    status: 422,
    doc: "A sample time is more than 5 minutes ahead of the platform's clock.",
  },
  TELEMETRY_TIMESTAMP_TOO_OLD: { status: 422, doc: 'A sample time is older than the raw retention period.' },
  TELEMETRY_TOO_MANY_SAMPLES: { status: 413, doc: 'The batch has more than 1,000 samples.' },
  TELEMETRY_BATCH_TOO_LARGE: { status: 413, doc: 'The batch (the JWS) is larger than 1 MiB.' },
  TELEMETRY_UNPROCESSABLE: {
    status: 422,
    doc: 'The batch passed the checks, but the database refused a value of it (or checking it failed); nothing was stored, and resending it cannot help.',
  },
  TELEMETRY_SEQ_CONFLICT: {
    status: 409,
    doc: 'A batch with this (robotId, seq) was already accepted with other contents; nothing of this one is stored, the attempt is recorded and raises a seq_conflict alert.',
  },
  TELEMETRY_QUEUE_FULL: { status: 429, doc: 'The ingest queue is full; retry after the Retry-After header.' },
  TELEMETRY_RANGE_INVALID: {
    status: 400,
    doc: 'The query time range is empty or reversed (`from` must be before `to`).',
  },
  ALERT_NOT_FOUND: { status: 404, doc: 'No such alert, or it is not visible to the caller.' },
  ALERT_ALREADY_ACKNOWLEDGED: {
    status: 409,
    doc: 'The alert was already acknowledged; nothing was changed.',
  },
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
