// The `data` of each lifecycle event type (docs/api.md "Lifecycle", docs/lifecycle.md). The body
// schema of the route only says `data` is an object; its shape depends on `type`, so it is
// checked here, against one compiled schema per type, and refused with the type and the
// offending paths rather than with the noise of a 10-way union.

import { type Static, type TSchema, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { PlatformError } from '../../../core/errors.js';
import {
  FAILURE_CAUSES,
  FAILURE_MECHANISMS,
  FAILURE_MODES,
  ITEM_PATH_PATTERN,
  itemPathProblem,
  MAINTENANCE_ACTIVITIES,
  MAINTENANCE_TRIGGERS,
  missingCorrectiveFields,
} from '../../../core/health/index.js';
import { type EventType, MAINTENANCE_PHASES, SUSPENSION_REASONS } from '../../../core/lifecycle.js';
import { REPLACEABLE_PARTS } from '../../../core/telemetry/index.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import { withArticle } from '../../../core/wording.js';

const strict = { additionalProperties: false } as const;
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Note = Type.Optional(Text(2000));

/** The intelligence grading standard named by docs/api.md's robot ID (RID-1 position 10). */
export const EVALUATION_STANDARDS = ['T/CIE 298-2025'] as const;

const Part = Type.Union([
  Text(200),
  Type.Object(
    {
      name: Text(200),
      partNumber: Type.Optional(Text(100)),
      serial: Type.Optional(Text(100)),
      quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    },
    strict,
  ),
]);

/** A part taken out or put in by a coded maintenance; `kind: "battery_pack"` marks a pack swap. */
const CodedPart = Type.Object(
  {
    partNumber: Text(100),
    serial: Text(100),
    kind: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' })),
  },
  strict,
);

/** A calendar date `YYYY-MM-DD` or an RFC 3339 timestamp; its meaning is checked by hand. */
const DateOrTimestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2}))?$',
});

/** An RFC 3339 timestamp; its meaning is checked by hand (parseTimestamp). */
const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
});

/** What a recycler does with what it received (docs/end-of-life.md "Recycling"). */
export const RECYCLING_TREATMENTS = ['reuse', 'repurpose', 'material_recovery', 'disposal'] as const;

/** A part handed over with the robot. */
const HandoverItem = Type.Object(
  { partNumber: Text(100), serial: Type.Optional(Text(100)), kind: Text(100) },
  strict,
);

/** NIST SP 800-88 sanitization methods, and a medium's outcome. */
export const SANITIZATION_METHODS = ['clear', 'purge', 'destroy'] as const;
export const SANITIZATION_RESULTS = ['passed', 'failed'] as const;

/** One medium's sanitization certificate (NIST SP 800-88 style). */
const SanitizedMedium = Type.Object(
  {
    mediaId: Text(100),
    serial: Type.Optional(Text(100)),
    method: Type.Enum(SANITIZATION_METHODS),
    technique: Text(500),
    tool: Type.Optional(Text(200)),
    verification: Text(500),
    result: Type.Enum(SANITIZATION_RESULTS),
  },
  strict,
);

export const EVENT_DATA_SCHEMAS = {
  deployment: Type.Object(
    {
      siteName: Type.Optional(Text(200)),
      location: Type.Optional(Text(500)),
      purpose: Type.Optional(Text(500)),
    },
    strict,
  ),
  maintenance: Type.Object(
    {
      phase: Type.Optional(Type.Enum(MAINTENANCE_PHASES)),
      description: Text(2000),
      parts: Type.Optional(Type.Array(Part, { maxItems: 200 })),
      // A replaced controller starts operatingHours afresh, a replaced battery pack its cycles:
      // telemetry's usage counters may then go down without a rollback alert (docs/telemetry.md).
      replaced: Type.Optional(Type.Array(Type.Enum(REPLACEABLE_PARTS), { maxItems: 2, uniqueItems: true })),
      // Coded maintenance (docs/lifecycle.md "Coded maintenance"); all optional, but a
      // corrective one names item, failureMode, failureMechanism and failureCause.
      workOrderId: Type.Optional(Text(100)),
      trigger: Type.Optional(Type.Enum(MAINTENANCE_TRIGGERS)),
      advisoryId: Type.Optional(Type.String({ format: 'uuid' })),
      campaignId: Type.Optional(Text(100)),
      item: Type.Optional(Type.String({ pattern: ITEM_PATH_PATTERN, maxLength: 200 })),
      failureMode: Type.Optional(Type.Enum(FAILURE_MODES)),
      failureMechanism: Type.Optional(Type.Enum(FAILURE_MECHANISMS)),
      failureCause: Type.Optional(Type.Enum(FAILURE_CAUSES)),
      activity: Type.Optional(Type.Enum(MAINTENANCE_ACTIVITIES)),
      partsRemoved: Type.Optional(Type.Array(CodedPart, { maxItems: 200 })),
      partsInstalled: Type.Optional(Type.Array(CodedPart, { maxItems: 200 })),
      downtimeHours: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
      operatingHoursAtEvent: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
    },
    strict,
  ),
  software_update: Type.Object(
    {
      component: Text(200),
      fromVersion: Type.Optional(Text(100)),
      toVersion: Text(100),
      provider: Type.Optional(Text(200)),
      // The organisation that provides the component: an incident's software_provider party
      // (docs/incidents.md "Parties"). Without it, whoever recorded the update if that is a
      // software provider, else the manufacturer.
      providerOrgId: Type.Optional(Type.String({ format: 'uuid' })),
    },
    strict,
  ),
  evaluation: Type.Object(
    {
      intelligenceLevel: Type.Integer({ minimum: 0, maximum: 5 }),
      standard: Type.Optional(Type.Enum(EVALUATION_STANDARDS)),
      report: Type.Optional(Text(2000)),
    },
    strict,
  ),
  certification: Type.Object(
    {
      certificate: Text(200),
      scheme: Text(200),
      validUntil: DateOrTimestamp,
      // The type approval of the robot's model the certificate rests on (docs/certificates.md).
      approvalId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' })),
    },
    strict,
  ),
  suspension: Type.Object({ reason: Type.Enum(SUSPENSION_REASONS), note: Note }, strict),
  reinstatement: Type.Object({ note: Note }, strict),
  decommission: Type.Object({ reason: Text(2000) }, strict),
  recycling: Type.Object(
    {
      recycler: Type.Optional(Text(200)),
      certificate: Type.Optional(Text(200)),
      // The handover record (docs/end-of-life.md "Recycling"): required for a robot whose model
      // declares storage media; receiverCreditCode, handoverAt and treatment come together.
      receiverOrgId: Type.Optional(Type.String({ format: 'uuid' })),
      receiverCreditCode: Type.Optional(Type.String({ minLength: 1, maxLength: 18 })),
      handoverAt: Type.Optional(Timestamp),
      items: Type.Optional(Type.Array(HandoverItem, { maxItems: 500 })),
      treatment: Type.Optional(Type.Enum(RECYCLING_TREATMENTS)),
    },
    strict,
  ),
  key_rotation: Type.Object({ devicePublicKey: Type.String({ maxLength: 100 }) }, strict),
  sanitization: Type.Object(
    {
      media: Type.Array(SanitizedMedium, { minItems: 1, maxItems: 64 }),
      credentialsRevoked: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
} as const satisfies Record<EventType, TSchema>;

export type EventData<T extends EventType> = Static<(typeof EVENT_DATA_SCHEMAS)[T]>;

/** A lifecycle event whose data matched its type's schema. */
export type CheckedEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

type Validator = { Check(value: unknown): boolean; Errors(value: unknown): Iterable<IssueLike> };
interface IssueLike {
  keyword: string;
  instancePath: string;
  message: string;
  params?: unknown;
}

const validators = new Map<EventType, Validator>();

function validatorOf(type: EventType): Validator {
  let validator = validators.get(type);
  if (!validator) {
    validator = Compile(EVENT_DATA_SCHEMAS[type]) as unknown as Validator;
    validators.set(type, validator);
  }
  return validator;
}

/** `data` as the event `type` needs it, or 400 EVENT_DATA_INVALID naming each problem. */
export function checkEventData(type: EventType, data: unknown): CheckedEvent {
  const validator = validatorOf(type);
  if (validator.Check(data)) {
    if (type === 'maintenance') {
      const missing = missingCorrectiveFields(data as Record<string, unknown>);
      if (missing.length > 0) {
        throw new PlatformError(
          'EVENT_DATA_INVALID',
          'a corrective maintenance names what failed, how and why',
          {
            type,
            issues: missing.map((f) => ({
              path: `/${f}`,
              message: 'is required when trigger is corrective',
            })),
          },
        );
      }
    }
    return { type, data } as CheckedEvent;
  }
  const issues: { path: string; message: string }[] = [];
  for (const issue of validator.Errors(data)) {
    // `additionalProperties: false` reports each extra property twice; keep the named one.
    if (issue.keyword === 'boolean') continue;
    const extra = (issue.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
    let message = extra ? `unknown properties: ${extra.join(', ')}` : issue.message;
    // The item path's pattern is unreadable in an answer; say what is wrong with it instead.
    const item = (data as { item?: unknown } | null)?.item;
    if (type === 'maintenance' && issue.instancePath === '/item' && typeof item === 'string') {
      message = itemPathProblem(item) ?? message;
    }
    issues.push({ path: issue.instancePath || '/', message });
    if (issues.length === 10) break;
  }
  throw new PlatformError('EVENT_DATA_INVALID', `data does not fit ${withArticle(type)} event`, {
    type,
    issues,
  });
}

/** The instant a `validUntil` names (a date means the end of that day, UTC); null if none. */
export function validUntilInstant(text: string): Date | null {
  // Date() rolls 2026-02-30 over into March; a calendar day must name itself.
  const day = text.slice(0, 10);
  const midnight = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== day) return null;
  if (text.length === 10) return new Date(`${day}T23:59:59.999Z`);
  const ms = parseTimestamp(text); // strict: no hour 24 rolled into the next day either
  return ms === undefined ? null : new Date(ms);
}
