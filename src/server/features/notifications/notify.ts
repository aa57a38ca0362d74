// Writing notifications (docs/notifications.md): one row per recipient organisation in the
// feed, and one outbox row per webhook of that organisation subscribed to the type, in ONE
// statement of the cause's own transaction. So a notification exists exactly when its cause
// committed, and a webhook delivery is never lost nor sent for a write that rolled back; the
// dispatcher (webhook-dispatcher.ts) POSTs the outbox afterwards, so no receiver can slow or
// fail the write.
//
// Call it inside a ledger unit of work (ctx.ledger.run, or the telemetry group commit): those
// hold the ledger head's row lock, which orders every writer, so the feed's `seq` grows in
// commit order and a reader never skips a row that commits later with a smaller one.
import type { NotificationType } from '../../../core/notifications.js';
import type { SqlClient } from '../../db/sql-client.js';

export interface Notice {
  /** The organisations that must act; duplicates and nulls are dropped. */
  orgIds: Iterable<string | null | undefined>;
  type: NotificationType;
  /** The id of what it is about (a transfer, an alert, an incident, a recall...). */
  subject: string;
  /** What the recipients need, and nothing any of them may not see. */
  data: Record<string, unknown>;
  /** When the cause was written (the unit of work's clock). */
  at: Date;
}

/**
 * The outbox half of every notification statement: from the CTE `n(id, org_id, type, at)` of
 * inserted notifications, one pending delivery per live webhook of the recipient that takes
 * the type (an empty `types` takes every type), due at once.
 */
export const OUTBOX_INSERT = `INSERT INTO webhook_deliveries (id, webhook_id, notification_id, created_at, status, next_attempt_at)
  SELECT gen_random_uuid(), w.id, n.id, n.at, 'pending', n.at
    FROM n JOIN webhooks w ON w.org_id = n.org_id AND w.deleted_at IS NULL
                          AND (cardinality(w.types) = 0 OR n.type = ANY (w.types))`;

/** Writes the notice for each of its organisations, with their webhooks' outbox rows, in `tx`. */
export async function notify(tx: SqlClient, notice: Notice): Promise<void> {
  const orgIds = [...new Set([...notice.orgIds].filter((id): id is string => typeof id === 'string'))];
  if (orgIds.length === 0) return;
  await tx.query(
    `WITH n AS (
       INSERT INTO notifications (id, org_id, type, at, subject, data)
       SELECT gen_random_uuid(), o, $2, $3, $4, $5::jsonb FROM unnest($1::uuid[]) WITH ORDINALITY AS u(o, i) ORDER BY i
       RETURNING id, org_id, type, at)
     ${OUTBOX_INSERT}`,
    [orgIds, notice.type, notice.at, notice.subject, JSON.stringify(notice.data)],
  );
}

/** The registry and every regulator: authorities see every incident (docs/incidents.md). */
export async function authorityOrgIds(tx: SqlClient): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM organisations WHERE kind IN ('registry', 'regulator') ORDER BY id",
  );
  return rows.map((r) => r.id);
}

/**
 * Who is told of an incident's events: its parties, its reporter and the authorities, that is
 * everyone who may read it; never `exceptOrgId`, whose own act it was.
 */
export async function incidentAudience(
  tx: SqlClient,
  incident: { reported_by: string; parties: readonly { orgId: string }[] },
  exceptOrgId: string | undefined,
): Promise<string[]> {
  const all = new Set([
    ...incident.parties.map((p) => p.orgId),
    incident.reported_by,
    ...(await authorityOrgIds(tx)),
  ]);
  if (exceptOrgId !== undefined) all.delete(exceptOrgId);
  return [...all];
}
