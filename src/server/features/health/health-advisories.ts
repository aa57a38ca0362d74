// Raising and closing health advisories (docs/health.md "Advisories"). Raising is idempotent:
// at most one open advisory per robot, kind and component (a unique index says so too); a
// maintenance event naming an advisory closes it, inside that event's unit of work.
import { randomUUID } from 'node:crypto';
import { PlatformError } from '../../../core/errors.js';
import type { AdvisoryCandidate } from '../../../core/health/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { notify } from '../notifications/notify.js';
import { type HealthAdvisoryRow, healthAdvisoryRecord } from './health-records.js';

/**
 * Raises each candidate that has no open advisory of its robot, kind and component yet;
 * returns the rows raised. Runs in a unit of work of the ledger writer.
 */
export async function raiseAdvisories(
  tx: SqlClient,
  ledger: LedgerAppender,
  robot: { id: string; robot_id: string },
  candidates: readonly AdvisoryCandidate[],
  now: Date,
): Promise<HealthAdvisoryRow[]> {
  if (candidates.length === 0) return [];
  const { rows: open } = await tx.query<{ kind: string; component: string }>(
    'SELECT kind, component FROM health_advisories WHERE robot_uuid = $1 AND closed_at IS NULL',
    [robot.id],
  );
  const taken = new Set(open.map((o) => `${o.kind}|${o.component}`));
  const raised: HealthAdvisoryRow[] = [];
  for (const c of candidates) {
    const key = `${c.kind}|${c.component}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const row: HealthAdvisoryRow = {
      id: randomUUID(),
      robot_uuid: robot.id,
      robot_id: robot.robot_id.trim(),
      kind: c.kind,
      component: c.component,
      due_by: new Date(c.dueBy),
      due_in_hours: c.dueInHours,
      reason: c.reason,
      raised_at: now,
      ledger_index: 0,
      closed_at: null,
      closed_by_event: null,
    };
    row.ledger_index = await appendRecord(tx, ledger, healthAdvisoryRecord, row.id, row);
    await tx.query(
      `INSERT INTO health_advisories (id, robot_uuid, robot_id, kind, component, due_by, due_in_hours, reason,
         raised_at, ledger_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        row.id,
        row.robot_uuid,
        row.robot_id,
        row.kind,
        row.component,
        row.due_by,
        row.due_in_hours,
        row.reason,
        row.raised_at,
        row.ledger_index,
      ],
    );
    raised.push(row);
  }
  if (raised.length > 0) {
    // Who acts on an advisory: the owner, and whoever maintains the robot under a live grant.
    const { rows: audience } = await tx.query<{ org_id: string }>(
      `SELECT owner_id AS org_id FROM robots WHERE id = $1
       UNION SELECT org_id FROM grants
        WHERE robot_uuid = $1 AND revoked_at IS NULL AND expires_at > $2 AND 'maintenance' = ANY (scopes)`,
      [robot.id, now],
    );
    for (const row of raised) {
      await notify(tx, {
        orgIds: audience.map((a) => a.org_id),
        type: 'advisory.raised',
        subject: row.id,
        data: {
          advisoryId: row.id,
          robotId: row.robot_id,
          kind: row.kind,
          component: row.component,
          dueBy: row.due_by.toISOString(),
        },
        at: now,
      });
    }
  }
  return raised;
}

/**
 * Closes advisory `advisoryId` of the robot by the maintenance event `eventId`. One already
 * closed stays as it was (a later phase of the same work may name it again); one of another
 * robot, or none, is a 404 ADVISORY_NOT_FOUND that undoes the event.
 */
export async function closeAdvisory(
  tx: SqlClient,
  robotUuid: string,
  advisoryId: string,
  eventId: string,
  at: Date,
): Promise<void> {
  const { rows } = await tx.query<{ closed_at: Date | null }>(
    'SELECT closed_at FROM health_advisories WHERE id = $1 AND robot_uuid = $2 FOR UPDATE',
    [advisoryId, robotUuid],
  );
  const found = rows[0];
  if (!found) {
    throw new PlatformError('ADVISORY_NOT_FOUND', 'this robot has no advisory with this id', {
      advisoryId,
      field: '/data/advisoryId',
    });
  }
  if (found.closed_at !== null) return;
  await tx.query('UPDATE health_advisories SET closed_at = $2, closed_by_event = $3 WHERE id = $1', [
    advisoryId,
    at,
    eventId,
  ]);
}
