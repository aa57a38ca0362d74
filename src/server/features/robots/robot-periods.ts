// What of a robot's data a caller may read by ownership period, as docs/lifecycle.md
// "Ownership periods" sets out: the robot's periods from its filing and accepted transfers, the
// telemetry spans of the organisation a caller reads for, and the SQL condition that keeps rows
// inside them.
import { onlyFormerOwner, type RobotRelation } from '../../../core/access-policy.js';
import { type Actor, seesEverything } from '../../../core/organisation.js';
import {
  endedPeriodsOf,
  mergeSpans,
  type OwnershipPeriod,
  ownershipPeriods,
  periodsOf,
  readingPeriods,
  type TimeSpan,
} from '../../../core/ownership-periods.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { RobotRow } from './robot-access.js';

/** The robot's ownership periods, in order. */
export async function loadOwnershipPeriods(
  client: SqlClient,
  robot: Pick<RobotRow, 'id' | 'manufacturer_id' | 'filed_at'>,
): Promise<OwnershipPeriod[]> {
  const { rows } = await client.query<{ from_org: string; to_org: string; occurred_at: Date }>(
    `SELECT data->>'fromOrgId' AS from_org, data->>'toOrgId' AS to_org, occurred_at FROM robot_events
      WHERE robot_uuid = $1 AND type = 'ownership_transfer' ORDER BY occurred_at, ledger_index`,
    [robot.id],
  );
  return ownershipPeriods(
    { ownerOrgId: robot.manufacturer_id, at: robot.filed_at.getTime() },
    rows.map((r) => ({ fromOrgId: r.from_org, toOrgId: r.to_org, at: r.occurred_at.getTime() })),
  );
}

/** The periods of `orgId`'s telemetry that a former owner shared with it. */
async function sharedWith(client: SqlClient, robotUuid: string, orgId: string): Promise<TimeSpan[]> {
  const { rows } = await client.query<{ period_from: Date | null; period_to: Date }>(
    'SELECT period_from, period_to FROM period_shares WHERE robot_uuid = $1 AND to_org_id = $2',
    [robotUuid, orgId],
  );
  return rows.map((r) => ({ from: r.period_from?.getTime() ?? null, to: r.period_to.getTime() }));
}

/**
 * The spans of the robot's telemetry (samples, batches, rollups, alerts) the caller may read,
 * or null for all of it. Authorities read everything. The owner and a former owner read their
 * own periods and what earlier owners shared with them; a grantee reads what the owner that
 * granted it reads (grants end with the owner's period). A robot that never changed hands has
 * one period: nothing to clip.
 */
export async function readableTelemetry(
  client: SqlClient,
  actor: Actor,
  robot: RobotRow,
  relation: RobotRelation,
): Promise<TimeSpan[] | null> {
  if (seesEverything(actor.kind)) return null;
  const readsFor = relation.isOwner || relation.formerOwner ? actor.orgId : robot.owner_id;
  const periods = readingPeriods(await loadOwnershipPeriods(client, robot), robot.manufacturer_id);
  if (periods.length === 1 && periods[0]!.ownerOrgId === readsFor) return null;
  return mergeSpans([...periodsOf(periods, readsFor), ...(await sharedWith(client, robot.id, readsFor))]);
}

/**
 * The spans of the robot's alerts the caller may read, or null for all: a former owner reads
 * those raised on samples of its periods; the owner and its grantees every alert, an earlier
 * period's open alert among them (it is about the robot they hold now).
 */
export async function readableAlerts(
  client: SqlClient,
  actor: Actor,
  robot: RobotRow,
  relation: RobotRelation,
): Promise<TimeSpan[] | null> {
  return onlyFormerOwner(actor, relation) ? readableTelemetry(client, actor, robot, relation) : null;
}

/**
 * The spans of the robot's records (lifecycle events) the caller may read, or null for all:
 * the robot's chain is read whole by everyone who sees the robot, except a former owner, which
 * reads the records of its own periods.
 */
export async function readableRecords(
  client: SqlClient,
  actor: Actor,
  robot: RobotRow,
  relation: RobotRelation,
): Promise<TimeSpan[] | null> {
  if (!onlyFormerOwner(actor, relation)) return null;
  const periods = await loadOwnershipPeriods(client, robot);
  return endedPeriodsOf(readingPeriods(periods, robot.manufacturer_id), actor.orgId);
}

const bound = (t: number | null, open: string) =>
  t === null || !Number.isFinite(t) ? open : new Date(t).toISOString();

/** Query parameters of `spans` (null: no restriction) for spanCondition. */
export function spanParams(spans: readonly TimeSpan[] | null): [string[] | null, string[] | null] {
  if (spans === null) return [null, null];
  return [spans.map((s) => bound(s.from, '-infinity')), spans.map((s) => bound(s.to, 'infinity'))];
}

/**
 * A condition true when [`start`, `end`] (SQL expressions; `end` inclusive, as a last sample
 * time is) lies wholly inside one span given as parameters $`n` (starts) and $`n+1` (ends) of
 * spanParams; true for null parameters. Whole, not overlapping: a batch or a rollup bucket that
 * reaches into another owner's period would show some of that owner's data.
 */
export function spanCondition(n: number, start: string, end = start, endExclusive = false): string {
  return `($${n}::text[] IS NULL OR EXISTS (
            SELECT 1 FROM unnest($${n}::text[], $${n + 1}::text[]) AS w(f, u)
             WHERE ${start} >= w.f::timestamptz AND ${end} ${endExclusive ? '<=' : '<'} w.u::timestamptz))`;
}
