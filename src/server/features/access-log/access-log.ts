// The data access log (docs/access-log.md): every read of a robot's data, by whom (organisation
// and API key) and what. Written synchronously by the read itself, in its request, before the
// answer is sent: a read whose log row cannot be written fails instead of going unrecorded.
// Not ledgered (a read changes no record; the log is the owner's and the authorities' view of
// who looked), never updated nor deleted by the platform.
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { robotForAction } from '../robots/robot-access.js';

/**
 * What a read was of (`what`), as recorded by this platform: `telemetry` (samples, rollups, the
 * latest sample), `telemetry_batches` (the stored JWS), `events` (the lifecycle events list),
 * `history_proof` (the robot's opened records chain), `alerts` (a robot's alerts, or a page of
 * alerts across robots: one row per robot in it), and the incident feature's `incident`,
 * `incident_evidence`, `incident_analysis` and `incident_bundle`, and the history report's
 * `report` (a caller with an API key) and `report_share` (a read through a share token: the
 * row names the owner that made the share, and the share as its key). A value is lower case letters and `_` (the table checks it).
 */
export const ACCESS_LOG_WHATS = [
  'telemetry',
  'telemetry_batches',
  'events',
  'history_proof',
  'alerts',
  'incident',
  'incident_evidence',
  'incident_analysis',
  'incident_bundle',
  'report',
  'report_share',
] as const;
export type AccessWhat = (typeof ACCESS_LOG_WHATS)[number];

export interface RobotAccess {
  robotUuid: string;
  orgId: string;
  /** The API key the read was made with; undefined for the admin token. */
  keyId: string | undefined;
  what: string;
  at: Date;
}

export interface AccessLogItem {
  at: string;
  orgId: string;
  keyId: string | null;
  what: string;
}

/** Records one read of a robot's data (call it before answering). */
export async function recordRobotAccess(q: SqlClient, entry: RobotAccess): Promise<void> {
  await q.query(
    'INSERT INTO data_access_log (robot_uuid, at, org_id, key_id, what) VALUES ($1, $2, $3, $4, $5)',
    [entry.robotUuid, entry.at, entry.orgId, entry.keyId ?? null, entry.what],
  );
}

/** Records one read of each robot in `robotUuids` (a page across robots), in one statement. */
export async function recordRobotsAccess(
  q: SqlClient,
  robotUuids: readonly string[],
  entry: Omit<RobotAccess, 'robotUuid'>,
): Promise<void> {
  const robots = [...new Set(robotUuids)];
  if (robots.length === 0) return;
  await q.query(
    `INSERT INTO data_access_log (robot_uuid, at, org_id, key_id, what)
     SELECT r, $2, $3, $4, $5 FROM unnest($1::uuid[]) AS r`,
    [robots, entry.at, entry.orgId, entry.keyId ?? null, entry.what],
  );
}

/** The reads of `actor` recorded now, of `what`: what a read service passes to record its read. */
export function accessBy(actor: Actor, what: AccessWhat, at: Date): Omit<RobotAccess, 'robotUuid'> {
  return { orgId: actor.orgId, keyId: actor.keyId, what, at };
}

interface AccessRow {
  id: number;
  at: Date;
  at_us: number;
  org_id: string;
  key_id: string | null;
  what: string;
}

function toItem(r: AccessRow): AccessLogItem {
  return { at: r.at.toISOString(), orgId: r.org_id, keyId: r.key_id, what: r.what };
}

/** Every recorded read of the robot with `from <= at < to`, oldest first (for the incident feature). */
export async function readAccessLog(
  q: SqlClient,
  robotUuid: string,
  from: Date,
  to: Date,
): Promise<AccessLogItem[]> {
  const { rows } = await q.query<AccessRow>(
    `SELECT id, at, 0 AS at_us, org_id, key_id, what FROM data_access_log
      WHERE robot_uuid = $1 AND at >= $2 AND at < $3 ORDER BY at, id`,
    [robotUuid, from, to],
  );
  return rows.map(toItem);
}

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimestamp(value);
  if (ms === undefined) {
    throw new PlatformError('VALIDATION_FAILED', `${field} must be an RFC 3339 time of a real date`, {
      field,
    });
  }
  return ms;
}

/**
 * GET /v1/robots/{robotId}/access-log: the robot's recorded reads with `from <= at < to` (each
 * end optional), newest first, paged. For the owner and authorities (robot.access_log.read).
 *
 * Reading the access log is itself not recorded: it shows who read the robot's data, and holds
 * none of it (no telemetry, event or record); recording it would also make every look at the
 * log add to the log it shows, so the owner could never read the same page twice.
 */
export async function listAccessLog(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  query: { from?: string | undefined; to?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: AccessLogItem[]; nextCursor: string | null }> {
  const { robot } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.access_log.read', ctx.clock());
  const fromMs = parseTime(query.from, 'from');
  const toMs = parseTime(query.to, 'to');
  if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) {
    throw new PlatformError('VALIDATION_FAILED', '`from` must be before `to`', { field: 'from' });
  }
  let cursor: { atUs: number; id: number } | null = null;
  if (query.cursor !== undefined) {
    const m = /^(-?\d{1,17})\.(\d{1,18})$/.exec(query.cursor);
    if (!m) throw new PlatformError('VALIDATION_FAILED', 'malformed cursor', { field: 'cursor' });
    cursor = { atUs: Number(m[1]), id: Number(m[2]) };
  }
  const { rows } = await ctx.db.query<AccessRow>(
    `SELECT id, at, (extract(epoch FROM at) * 1000000)::bigint AS at_us, org_id, key_id, what
       FROM data_access_log
      WHERE robot_uuid = $1
        AND ($2::timestamptz IS NULL OR at >= $2)
        AND ($3::timestamptz IS NULL OR at < $3)
        AND ($4::bigint IS NULL OR (at, id) <
             (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::bigint))
      ORDER BY at DESC, id DESC LIMIT $6`,
    [
      robot.id,
      fromMs === undefined ? null : new Date(fromMs),
      toMs === undefined ? null : new Date(toMs),
      cursor?.atUs ?? null,
      cursor?.id ?? null,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor: rows.length > query.limit && last ? `${last.at_us}.${last.id}` : null,
  };
}
