// Lifecycle events of a robot (docs/api.md "Lifecycle", docs/lifecycle.md): who may record
// each type is the access policy's call, what may happen is the state machine's; this service
// checks the data, then writes the event and the robot's new state in one unit of work.
import { decideSuspensionReason } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import { BATTERY_PACK_PART_KIND } from '../../../core/health/index.js';
import { decideTransition, EVENT_TYPES, type EventType } from '../../../core/lifecycle.js';
import type { Actor } from '../../../core/organisation.js';
import { checkOccurredAfterProduction } from '../../../core/record-time.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { accessBy, recordRobotAccess } from '../access-log/access-log.js';
import { assertApprovalOfModel } from '../approvals/approval-service.js';
import { assertDeployable } from '../approvals/brand-service.js';
import {
  checkRecyclingData,
  checkRecyclingFacts,
  checkSanitizedMedia,
  endRobotAccess,
  storeSanitizedMedia,
} from '../end-of-life/end-of-life-rules.js';
import { closeAdvisory } from '../health/health-advisories.js';
import { assertNoIncidentHold } from '../incidents/incident-service.js';
import { enforce } from '../policy-enforcement.js';
import { maintenanceNamesCampaign, settleRecallUnits } from '../recalls/recall-service.js';
import { devicePublicKeyBytes } from '../robots/device-key.js';
import { type RobotRow, robotForAction } from '../robots/robot-access.js';
import { insertRobotEvent } from '../robots/robot-event-writer.js';
import { readableRecords, spanCondition, spanParams } from '../robots/robot-periods.js';
import { type RobotEventRow, SYSTEM_EVENT_TYPES, toRobotEvent } from '../robots/robot-records.js';
import { type CheckedEvent, checkEventData, validUntilInstant } from './event-data.js';

/** How far ahead of the platform's clock `occurredAt` may lie: clients' clocks drift. */
export const OCCURRED_AT_TOLERANCE_MS = 5 * 60 * 1000;

export type RobotEvent = ReturnType<typeof toRobotEvent>;

export interface NewLifecycleEvent {
  type: EventType;
  occurredAt?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** The event types an incident's hold refuses: each could alter what the evidence shows (a
 *  sanitization wipes the robot's storage). */
const HELD_EVENT_TYPES: readonly EventType[] = [
  'software_update',
  'key_rotation',
  'decommission',
  'recycling',
  'sanitization',
];

/** Every type `GET .../events?type=` can filter on. */
export const LISTED_EVENT_TYPES = [...EVENT_TYPES, ...SYSTEM_EVENT_TYPES] as const;

function occurredAtOf(text: string | undefined, now: Date): Date {
  if (text === undefined) return now;
  const ms = parseTimestamp(text); // strict: no calendar roll-over (core/timestamp.ts)
  const at = new Date(ms ?? Number.NaN);
  if (ms === undefined) {
    throw new PlatformError('VALIDATION_FAILED', 'occurredAt is not an RFC 3339 timestamp', {
      field: 'occurredAt',
    });
  }
  if (at.getTime() > now.getTime() + OCCURRED_AT_TOLERANCE_MS) {
    throw new PlatformError(
      'OCCURRED_AT_IN_FUTURE',
      'occurredAt is more than 5 minutes ahead of the platform',
      {
        occurredAt: at.toISOString(),
        now: now.toISOString(),
      },
    );
  }
  return at;
}

/** Checks that need no database: the data's shape, the device key, dates that must agree. */
function checkInput(
  input: NewLifecycleEvent,
  occurredAt: Date,
): { event: CheckedEvent; deviceKey?: Uint8Array } {
  const event = checkEventData(input.type, input.data ?? {});
  if (event.type === 'key_rotation')
    return { event, deviceKey: devicePublicKeyBytes(event.data.devicePublicKey) };
  if (event.type === 'certification') {
    const until = validUntilInstant(event.data.validUntil);
    if (!until || until <= occurredAt) {
      throw new PlatformError('EVENT_DATA_INVALID', 'validUntil must be a real date after occurredAt', {
        type: event.type,
        issues: [{ path: '/validUntil', message: 'must be a calendar date or timestamp after occurredAt' }],
      });
    }
  }
  if (event.type === 'recycling') checkRecyclingData(event.data);
  if (event.type === 'maintenance') {
    // The phase decides the transition; the ledger records the one that was applied. A battery
    // pack installed is a replaced pack: its cycles may then start afresh (docs/health.md).
    const data = { ...event.data, phase: event.data.phase ?? 'started' };
    const packSwap = event.data.partsInstalled?.some((p) => p.kind === BATTERY_PACK_PART_KIND) ?? false;
    if (packSwap && !data.replaced?.includes('battery_pack'))
      data.replaced = [...(data.replaced ?? []), 'battery_pack'];
    return { event: { type: event.type, data } };
  }
  return { event };
}

/** Retires the robot's live device key and makes `key` the live one; returns the retired key. */
async function rotateDeviceKey(tx: SqlClient, robot: RobotRow, key: Uint8Array, now: Date) {
  // A key names one device: one used before, by this robot or another, would let telemetry
  // signed under the old identity pass as new.
  const used = await tx.query('SELECT 1 FROM device_keys WHERE public_key = $1 LIMIT 1', [key]);
  if (used.rows.length > 0) {
    throw new PlatformError('DEVICE_KEY_TAKEN', 'this device public key was registered before', {
      field: 'devicePublicKey',
    });
  }
  const retired = await tx.query<{ public_key: Uint8Array }>(
    `UPDATE device_keys SET retired_at = $2 WHERE robot_uuid = $1 AND retired_at IS NULL
     RETURNING public_key`,
    [robot.id, now],
  );
  await tx.query('INSERT INTO device_keys (robot_uuid, public_key, valid_from) VALUES ($1, $2, $3)', [
    robot.id,
    key,
    now,
  ]);
  const old = retired.rows[0]?.public_key;
  return old ? Buffer.from(old).toString('base64url') : null;
}

/** Records a lifecycle event on a robot: 201 with the event, or a coded refusal that changed nothing. */
export async function recordLifecycleEvent(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  input: NewLifecycleEvent,
): Promise<RobotEvent> {
  const now = ctx.clock();
  const occurredAt = occurredAtOf(input.occurredAt, now);
  const { event, deviceKey } = checkInput(input, occurredAt);
  return ctx.ledger.run(async (tx, ledger) => {
    // The row lock serialises events on one robot: each sees the status the previous left.
    const { robot, relation } = await robotForAction(
      tx,
      actor,
      robotIdInput,
      `robot.event.${event.type}`,
      now,
      {
        forUpdate: true,
        // A recall's software remedy may be installed by the manufacturer without a grant.
        ...(event.type === 'software_update'
          ? { install: { component: event.data.component, version: event.data.toVersion } }
          : {}),
      },
    );
    // After the access check: the refusal names the production date, which only a caller
    // that may act on the robot should learn. Selected as text: a `date` has no time zone,
    // and a driver turning it into a Date would shift it by the process's zone.
    const produced = await tx.query<{ production_date: string }>(
      'SELECT production_date::text AS production_date FROM robots WHERE id = $1',
      [robot.id],
    );
    checkOccurredAfterProduction(occurredAt, produced.rows[0]!.production_date);
    // An incident's hold keeps the robot as it was (docs/incidents.md "Hold"); checked under
    // the robot's row lock, which the report takes too.
    if (HELD_EVENT_TYPES.includes(event.type))
      await assertNoIncidentHold(tx, robot.id, event.type.replace('_', ' '));
    if (event.type === 'suspension') enforce(decideSuspensionReason(actor, event.data.reason, relation));
    const decision = decideTransition(
      { status: robot.status, statusBeforeSuspension: robot.status_before_suspension },
      { type: event.type, ...(event.type === 'maintenance' ? { maintenancePhase: event.data.phase } : {}) },
    );
    if (!decision.ok) {
      throw new PlatformError('ILLEGAL_TRANSITION', decision.reason, {
        from: decision.from,
        type: event.type,
      });
    }
    // A parts_only robot is never put to work again (docs/certificates.md "Brands").
    if (event.type === 'deployment' || (decision.to === 'in_service' && decision.from !== 'in_service'))
      await assertDeployable(tx, robot.id);
    if (event.type === 'certification' && event.data.approvalId !== undefined)
      await assertApprovalOfModel(tx, robot.model_id, event.data.approvalId);
    if (event.type === 'software_update' && event.data.providerOrgId !== undefined) {
      const provider = await tx.query('SELECT 1 FROM organisations WHERE id = $1', [
        event.data.providerOrgId,
      ]);
      if (provider.rows.length === 0) {
        throw new PlatformError('ORG_NOT_FOUND', 'no such organisation', {
          orgId: event.data.providerOrgId,
          field: '/data/providerOrgId',
        });
      }
    }
    if (event.type === 'sanitization') await checkSanitizedMedia(tx, robot, event.data);
    if (event.type === 'recycling') await checkRecyclingFacts(tx, robot, event.data);
    let data: Record<string, unknown> = event.data;
    if (event.type === 'key_rotation' && deviceKey) {
      const retiredPublicKey = await rotateDeviceKey(tx, robot, deviceKey, now);
      data = { ...event.data, retiredPublicKey };
    }
    const suspendedBy =
      decision.to !== 'suspended' ? null : decision.from === 'suspended' ? robot.suspended_by : actor.orgId;
    await tx.query(
      `UPDATE robots SET status = $2, status_before_suspension = $3, suspended_by = $4,
              intelligence_level = COALESCE($5, intelligence_level), updated_at = $6
        WHERE id = $1`,
      [
        robot.id,
        decision.to,
        decision.statusBeforeSuspension,
        suspendedBy,
        event.type === 'evaluation' ? event.data.intelligenceLevel : null,
        now,
      ],
    );
    const row = await insertRobotEvent(tx, ledger, robot, {
      type: event.type,
      occurredAt,
      recordedAt: now,
      actorOrgId: actor.orgId,
      fromStatus: decision.from,
      toStatus: decision.to,
      data,
    });
    if (event.type === 'sanitization') await storeSanitizedMedia(tx, robot, row.id, event.data);
    // The end of its working life: no grant outlives it, no key signs for it (docs/end-of-life.md).
    if (event.type === 'decommission' || event.type === 'recycling')
      await endRobotAccess(tx, ledger, robot, now);
    // A maintenance naming an advisory closes it (the event is the ledgered fact of it).
    if (event.type === 'maintenance' && event.data.advisoryId !== undefined) {
      await closeAdvisory(tx, robot.id, event.data.advisoryId, row.id, occurredAt);
    }
    // A maintenance naming a recall campaign remedies a part or inspection campaign's unit; a
    // software update may complete a software remedy already attested (docs/recalls.md).
    if (event.type === 'maintenance' && event.data.campaignId !== undefined) {
      await maintenanceNamesCampaign(
        tx,
        ledger,
        robot.id,
        event.data.campaignId,
        { id: row.id, phase: event.data.phase ?? 'started', occurredAt },
        now,
      );
    }
    if (event.type === 'software_update') await settleRecallUnits(tx, ledger, now, robot.id);
    return toRobotEvent(row);
  });
}

/**
 * A robot's events in recorded order, across every ID it had; the cursor is a ledger index.
 * `reads` answers the events query (the replica when the freshness rule allows:
 * db/read-routing.ts historyReads); who may read, and over which periods, is asked of the primary.
 */
export async function listRobotEvents(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  page: { limit: number; cursor: string | undefined; type: string | undefined },
  reads: SqlClient = ctx.db,
): Promise<{ items: RobotEvent[]; nextCursor: string | null }> {
  if (page.cursor !== undefined && !/^\d{1,15}$/.test(page.cursor)) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is not one this list returned', { field: 'cursor' });
  }
  const now = ctx.clock();
  const { robot, relation } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.events.read', now);
  // A former owner reads the records of its own periods; everyone else the whole chain.
  const spans = spanParams(await readableRecords(ctx.db, actor, robot, relation));
  const { rows } = await reads.query<RobotEventRow>(
    `SELECT * FROM robot_events
      WHERE robot_uuid = $1 AND ($2::bigint IS NULL OR ledger_index > $2::bigint)
        AND ($3::text IS NULL OR type = $3)
        AND ${spanCondition(5, 'occurred_at')}
      ORDER BY ledger_index LIMIT $4`,
    [robot.id, page.cursor ?? null, page.type ?? null, page.limit + 1, ...spans],
  );
  const items = rows.slice(0, page.limit).map(toRobotEvent);
  await recordRobotAccess(ctx.db, { robotUuid: robot.id, ...accessBy(actor, 'events', now) });
  return {
    items,
    nextCursor: rows.length > page.limit ? String(items[items.length - 1]!.ledgerIndex) : null,
  };
}
