// Incidents (docs/incidents.md): reporting freezes the evidence and may hold the robot; the
// registry and regulators move the investigation, set and release holds and record findings;
// the parties read the evidence, add to it and get the preliminary analysis. Every write is
// one unit of work with its ledger record; every read of evidence is in the custody log, and
// every read of an incident in the robot's data access log.
import { createHash, randomUUID } from 'node:crypto';
import { onlyFormerOwner } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import { analyseIncident, type IncidentAnalysis, type Party } from '../../../core/incidents/analysis.js';
import {
  decodeBatchJws,
  evidenceFromItems,
  type StoredItems,
} from '../../../core/incidents/evidence-reading.js';
import {
  canMoveInvestigation,
  evidenceWindow,
  finalReportDue,
  INVESTIGATION_STATUSES,
  type IncidentKind,
  type IncidentSeverity,
  type InvestigationStatus,
  isOverdue,
  LATE_BATCH_LIMIT_MS,
  preliminaryReportDue,
  reportingDeadline,
  severityHoldsRobot,
} from '../../../core/incidents/incident.js';
import {
  decideIncidentAccess,
  type IncidentAction,
  incidentRelation,
} from '../../../core/incidents/visibility.js';
import type { Actor } from '../../../core/organisation.js';
import { checkOccurredAfterProduction } from '../../../core/record-time.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { appendRecord, appendRecords } from '../../ledger/record-kinds.js';
import { type AccessWhat, recordRobotAccess } from '../access-log/access-log.js';
import { incidentAudience, notify } from '../notifications/notify.js';
import { organisationRecord } from '../orgs/org-records.js';
import { robotForAction } from '../robots/robot-access.js';
import { freezeEvidence, type NewItem, telemetryItem, windowBatches } from './incident-evidence.js';
import {
  type FindingsRow,
  hex,
  type IncidentItemRow,
  type IncidentRow,
  ITEM_COLUMNS,
  type ItemKind,
  incidentEvidenceRecord,
  incidentFindingsRecord,
  incidentHoldRecord,
  incidentInvestigationRecord,
  incidentRecord,
  loadIncident,
} from './incident-records.js';

/** How far ahead of the platform's clock a reported time may lie (clients' clocks drift). */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export interface ReportInput {
  robotId: string;
  occurredAt: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  description: string;
  awareAt?: string | undefined;
  location?: string | undefined;
  widespread?: boolean | undefined;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function instant(text: string, field: string, now: Date): Date {
  const ms = parseTimestamp(text);
  if (ms === undefined) {
    throw new PlatformError('VALIDATION_FAILED', `${field} is not an RFC 3339 timestamp`, { field });
  }
  if (ms > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new PlatformError(
      'OCCURRED_AT_IN_FUTURE',
      `${field} is more than 5 minutes ahead of the platform`,
      {
        field,
        [field]: new Date(ms).toISOString(),
        now: now.toISOString(),
      },
    );
  }
  return new Date(ms);
}

function notFound(incidentId: string): PlatformError {
  return new PlatformError('INCIDENT_NOT_FOUND', 'no such incident is visible to you', { incidentId });
}

/** The incident if `actor` may do `action` on it: 404 to whoever may not know it exists, else 403. */
export async function incidentFor(
  q: SqlClient,
  actor: Actor,
  incidentId: string,
  action: IncidentAction,
  forUpdate = false,
): Promise<IncidentRow> {
  const row = await loadIncident(q, incidentId, forUpdate);
  if (!row) throw notFound(incidentId);
  const decision = decideIncidentAccess(
    actor,
    action,
    incidentRelation(actor.orgId, { reportedBy: row.reported_by, parties: row.parties }),
  );
  if (decision.allow) return row;
  if (decision.conceal) throw notFound(incidentId);
  throw new PlatformError('FORBIDDEN', decision.reason);
}

/** Records a read of the robot's data in its data access log (docs/access-log.md). */
export async function logAccess(
  q: SqlClient,
  ctx: AppContext,
  actor: Actor,
  robotUuid: string,
  what: AccessWhat,
) {
  await recordRobotAccess(q, { robotUuid, orgId: actor.orgId, keyId: actor.keyId, what, at: ctx.clock() });
}

export async function logCustody(
  q: SqlClient,
  ctx: AppContext,
  actor: Actor,
  incidentId: string,
  itemId: string | null,
  action: 'read' | 'export' | 'add',
) {
  await q.query(
    'INSERT INTO incident_custody (incident_id, item_id, at, org_id, key_id, action) VALUES ($1, $2, $3, $4, $5, $6)',
    [incidentId, itemId, ctx.clock(), actor.orgId, actor.keyId ?? null, action],
  );
}

export interface IncidentItemJson {
  itemId: string;
  kind: ItemKind;
  sha256: string;
  ledgerIndex: number;
  size?: number;
  mediaType?: string;
  filename?: string;
}

/** An item as the API shows it; its ledger index is its own record's, else the incident's. */
export function itemJson(i: IncidentItemRow, incidentIndex: number): IncidentItemJson {
  return {
    itemId: i.id,
    kind: i.kind,
    sha256: hex(i.sha256),
    ledgerIndex: Number(i.ledger_index ?? incidentIndex),
    ...(i.kind === 'attachment'
      ? { size: Number(i.size), mediaType: i.media_type!, filename: i.filename! }
      : {}),
  };
}

export function findingsJson(f: FindingsRow) {
  return {
    findingsId: f.id,
    parties: f.parties,
    conclusion: f.conclusion,
    recordedAt: f.at.toISOString(),
    recordedBy: f.by_org,
    ledgerIndex: Number(f.ledger_index),
  };
}

export type Incident = ReturnType<typeof toIncident>;

export function toIncident(row: IncidentRow, items: IncidentItemRow[], findings: FindingsRow[], now: Date) {
  const status = row.status as InvestigationStatus;
  return {
    incidentId: row.id,
    robotId: row.robot_id,
    kind: row.kind,
    severity: row.severity,
    status,
    description: row.description,
    location: row.location,
    widespread: row.widespread,
    occurredAt: row.occurred_at.toISOString(),
    awareAt: row.aware_at.toISOString(),
    reportedAt: row.reported_at.toISOString(),
    reportedBy: row.reported_by,
    reportingDeadline: iso(row.reporting_deadline),
    hold: {
      active: row.hold_active,
      since: iso(row.hold_since),
      releasedAt: iso(row.hold_released_at),
      releasedBy: row.hold_released_by,
    },
    parties: row.parties,
    evidence: {
      window: { from: row.window_from.toISOString(), to: row.window_to.toISOString() },
      items: items.map((i) => itemJson(i, Number(row.ledger_index))),
    },
    investigation: {
      preliminaryReportDue: new Date(preliminaryReportDue(row.reported_at.getTime())).toISOString(),
      finalReportDue: new Date(finalReportDue(row.reported_at.getTime())).toISOString(),
      overdue: isOverdue(status, row.reported_at.getTime(), now.getTime()),
    },
    findings: findings.map(findingsJson),
    ledgerIndex: Number(row.ledger_index),
  };
}

export async function loadItems(q: SqlClient, incidentId: string): Promise<IncidentItemRow[]> {
  const { rows } = await q.query<IncidentItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM incident_items WHERE incident_id = $1 ORDER BY position`,
    [incidentId],
  );
  return rows;
}

export async function loadFindings(q: SqlClient, incidentId: string): Promise<FindingsRow[]> {
  const { rows } = await q.query<FindingsRow>(
    'SELECT f.*, n.robot_uuid FROM incident_findings f JOIN incidents n ON n.id = f.incident_id WHERE f.incident_id = $1 ORDER BY f.ledger_index',
    [incidentId],
  );
  return rows;
}

async function incidentView(q: SqlClient, row: IncidentRow, now: Date): Promise<Incident> {
  // In turn: `q` may be a transaction's one connection.
  const items = await loadItems(q, row.id);
  const findings = await loadFindings(q, row.id);
  return toIncident(row, items, findings, now);
}

async function insertItems(
  tx: SqlClient,
  incidentId: string,
  robotId: string,
  firstPosition: number,
  items: readonly NewItem[],
  addedAt: Date,
  addedBy: string,
  ledgerIndex: (i: number) => number | null,
): Promise<void> {
  // One statement for the lot: a window holds dozens of batches.
  const values: unknown[] = [];
  const tuples = items.map((item, i) => {
    const base = values.length;
    values.push(
      item.id,
      incidentId,
      firstPosition + i,
      item.kind,
      item.sha256,
      item.content,
      item.jws,
      item.batchSeq,
      robotId,
      addedAt,
      addedBy,
      ledgerIndex(i),
    );
    return `(${Array.from({ length: 12 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
  });
  await tx.query(
    `INSERT INTO incident_items (id, incident_id, position, kind, sha256, content, jws, batch_seq, robot_id, added_at, added_by, ledger_index)
     VALUES ${tuples.join(', ')}`,
    values,
  );
}

/** POST /v1/incidents: 201 with the incident, its evidence frozen and its record in the ledger. */
export async function reportIncident(ctx: AppContext, actor: Actor, input: ReportInput): Promise<Incident> {
  const now = ctx.clock();
  const occurredAt = instant(input.occurredAt, 'occurredAt', now);
  const awareAt = input.awareAt === undefined ? now : instant(input.awareAt, 'awareAt', now);
  if (awareAt < occurredAt) {
    throw new PlatformError(
      'VALIDATION_FAILED',
      'awareAt is before occurredAt: nobody learns of an incident before it happens',
      {
        field: 'awareAt',
      },
    );
  }
  const widespread = input.widespread ?? false;
  return ctx.ledger.run(async (tx, ledger) => {
    // The robot's row lock orders the report against every guarded write: an update either
    // committed before (and is in the evidence) or comes after and meets the hold.
    const { robot, relation } = await robotForAction(tx, actor, input.robotId, 'robot.read', now, {
      forUpdate: true,
    });
    // A former owner reads what it was party to; reporting is for those who see the robot now.
    if (onlyFormerOwner(actor, relation)) {
      throw new PlatformError('FORBIDDEN', 'a former owner reads the robot’s past, it does not report on it');
    }
    const produced = await tx.query<{ production_date: string }>(
      'SELECT production_date::text AS production_date FROM robots WHERE id = $1',
      [robot.id],
    );
    checkOccurredAfterProduction(occurredAt, produced.rows[0]!.production_date);
    const window = evidenceWindow(occurredAt.getTime());
    const { parties, items } = await freezeEvidence(tx, {
      robot,
      occurredAt: occurredAt.getTime(),
      awareAt: awareAt.getTime(),
      window,
      kind: input.kind,
    });
    const hold = severityHoldsRobot(input.severity);
    const deadline = reportingDeadline(input.severity, widespread, awareAt.getTime());
    const id = randomUUID();
    const index = ledger.nextIndex;
    const { rows } = await tx.query<IncidentRow>(
      `INSERT INTO incidents (id, robot_uuid, robot_id, kind, severity, description, location, widespread,
         occurred_at, aware_at, reported_at, reported_by, reporting_deadline, window_from, window_to, parties,
         hold_at_report, hold_active, hold_since, status, status_changed_at, ledger_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, 'reported', $11, $19)
       RETURNING *`,
      [
        id,
        robot.id,
        robot.robot_id,
        input.kind,
        input.severity,
        input.description,
        input.location ?? null,
        widespread,
        occurredAt,
        awareAt,
        now,
        actor.orgId,
        deadline === null ? null : new Date(deadline),
        new Date(window.from),
        new Date(window.to),
        JSON.stringify(parties),
        hold,
        hold ? now : null,
        index,
      ],
    );
    await insertItems(tx, id, robot.robot_id, 0, items, now, actor.orgId, () => null);
    const loaded = await incidentRecord.load(tx, id);
    await appendRecord(tx, ledger, incidentRecord, id, loaded!);
    const row = rows[0]!;
    await notify(tx, {
      orgIds: await incidentAudience(tx, row, actor.orgId),
      type: 'incident.reported',
      subject: id,
      data: {
        incidentId: id,
        robotId: row.robot_id,
        kind: row.kind,
        severity: row.severity,
        occurredAt: row.occurred_at.toISOString(),
        hold: row.hold_active,
      },
      at: now,
    });
    return incidentView(tx, row, now);
  });
}

/** GET /v1/incidents/{incidentId}. */
export async function getIncident(ctx: AppContext, actor: Actor, incidentId: string): Promise<Incident> {
  const row = await incidentFor(ctx.db, actor, incidentId, 'incident.read');
  await logAccess(ctx.db, ctx, actor, row.robot_uuid, 'incident');
  return incidentView(ctx.db, row, ctx.clock());
}

export interface IncidentListQuery {
  robotId?: string | undefined;
  status?: InvestigationStatus | undefined;
  overdue?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** GET /v1/incidents: what the caller may see, newest report first; the cursor is a ledger index. */
export async function listIncidents(
  ctx: AppContext,
  actor: Actor,
  query: IncidentListQuery,
): Promise<{ items: Incident[]; nextCursor: string | null }> {
  if (query.cursor !== undefined && !/^\d{1,15}$/.test(query.cursor)) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is not one this list returned', { field: 'cursor' });
  }
  const now = ctx.clock();
  let robotUuid: string | null = null;
  if (query.robotId !== undefined) {
    // Only a robot the caller sees filters the list; others are "not found", as everywhere.
    robotUuid = (await robotForAction(ctx.db, actor, query.robotId, 'robot.read', now)).robot.id;
  }
  const authority = actor.kind === 'registry' || actor.kind === 'regulator';
  // Due dates are the report plus a fixed period, so "past due" is "reported before now minus it".
  const preliminaryCutoff = new Date(now.getTime() - preliminaryReportDue(0));
  const finalCutoff = new Date(now.getTime() - finalReportDue(0));
  const { rows } = await ctx.db.query<IncidentRow>(
    `SELECT * FROM incidents
      WHERE ($1::boolean OR reported_by = $2 OR parties @> jsonb_build_array(jsonb_build_object('orgId', $2::text)))
        AND ($3::uuid IS NULL OR robot_uuid = $3)
        AND ($4::text IS NULL OR status = $4)
        AND ($5::boolean IS NULL OR $5 = (
              (status IN ('reported', 'investigating') AND reported_at < $6)
           OR (status IN ('reported', 'investigating', 'preliminary_report') AND reported_at < $7)))
        AND ($8::bigint IS NULL OR ledger_index < $8)
      ORDER BY ledger_index DESC LIMIT $9`,
    [
      authority,
      actor.orgId,
      robotUuid,
      query.status ?? null,
      query.overdue ?? null,
      preliminaryCutoff,
      finalCutoff,
      query.cursor ?? null,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const items: Incident[] = [];
  for (const row of page) items.push(await incidentView(ctx.db, row, now));
  return {
    items,
    nextCursor: rows.length > query.limit ? String(items[items.length - 1]!.ledgerIndex) : null,
  };
}

/** POST /v1/incidents/{incidentId}/hold: an authority sets or releases the hold. */
export async function setHold(
  ctx: AppContext,
  actor: Actor,
  incidentId: string,
  input: { active: boolean; note?: string | undefined },
): Promise<Incident> {
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    const seen = await incidentFor(tx, actor, incidentId, 'incident.govern');
    // The robot first, then the incident, as the guarded writes and the report lock them.
    const robot = await tx.query<{ robot_id: string }>(
      'SELECT robot_id FROM robots WHERE id = $1 FOR UPDATE',
      [seen.robot_uuid],
    );
    const row = (await loadIncident(tx, incidentId, true))!;
    // Nothing changes, so nothing is written: asking twice is not an error.
    if (row.hold_active === input.active) return incidentView(tx, row, now);
    const changeId = randomUUID();
    await tx.query(
      `INSERT INTO incident_hold_changes (id, incident_id, robot_id, active, note, at, by_org, ledger_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        changeId,
        row.id,
        robot.rows[0]!.robot_id,
        input.active,
        input.note ?? null,
        now,
        actor.orgId,
        ledger.nextIndex,
      ],
    );
    const { rows } = await tx.query<IncidentRow>(
      input.active
        ? `UPDATE incidents SET hold_active = true, hold_since = $2, hold_released_at = NULL, hold_released_by = NULL
            WHERE id = $1 RETURNING *`
        : `UPDATE incidents SET hold_active = false, hold_released_at = $2, hold_released_by = $3
            WHERE id = $1 RETURNING *`,
      input.active ? [row.id, now] : [row.id, now, actor.orgId],
    );
    await appendRecord(
      tx,
      ledger,
      incidentHoldRecord,
      changeId,
      (await incidentHoldRecord.load(tx, changeId))!,
    );
    await notify(tx, {
      orgIds: await incidentAudience(tx, row, actor.orgId),
      type: 'hold.changed',
      subject: row.id,
      data: { incidentId: row.id, robotId: robot.rows[0]!.robot_id, active: input.active },
      at: now,
    });
    return incidentView(tx, rows[0]!, now);
  });
}

/** POST /v1/incidents/{incidentId}/investigation: the next status, forward only. */
export async function moveInvestigation(
  ctx: AppContext,
  actor: Actor,
  incidentId: string,
  input: { status: InvestigationStatus; summary?: string | undefined },
): Promise<Incident> {
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    await incidentFor(tx, actor, incidentId, 'incident.govern');
    const row = (await loadIncident(tx, incidentId, true))!;
    const from = row.status as InvestigationStatus;
    if (!canMoveInvestigation(from, input.status)) {
      throw new PlatformError(
        'INCIDENT_STATUS_INVALID',
        `the investigation is ${from}; it moves forward only, in the order ${INVESTIGATION_STATUSES.join(', ')}`,
        { from, to: input.status },
      );
    }
    const changeId = randomUUID();
    await tx.query(
      `INSERT INTO incident_status_changes (id, incident_id, robot_id, status, summary, at, by_org, ledger_index)
       SELECT $1, $2, r.robot_id, $3, $4, $5, $6, $7 FROM robots r WHERE r.id = $8`,
      [
        changeId,
        row.id,
        input.status,
        input.summary ?? null,
        now,
        actor.orgId,
        ledger.nextIndex,
        row.robot_uuid,
      ],
    );
    const { rows } = await tx.query<IncidentRow>(
      'UPDATE incidents SET status = $2, status_changed_at = $3 WHERE id = $1 RETURNING *',
      [row.id, input.status, now],
    );
    await appendRecord(
      tx,
      ledger,
      incidentInvestigationRecord,
      changeId,
      (await incidentInvestigationRecord.load(tx, changeId))!,
    );
    return incidentView(tx, rows[0]!, now);
  });
}

export interface FindingsInput {
  parties: {
    role: Party['role'];
    orgId: string;
    component?: string | undefined;
    responsibility: 'primary' | 'contributing' | 'none';
    basis: string[];
    presumption?: string | null | undefined;
    note?: string | null | undefined;
  }[];
  conclusion: string;
}

/** POST /v1/incidents/{incidentId}/findings: an authority's findings, once investigating. */
export async function recordFindings(
  ctx: AppContext,
  actor: Actor,
  incidentId: string,
  input: FindingsInput,
): Promise<Incident> {
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    await incidentFor(tx, actor, incidentId, 'incident.govern');
    const row = (await loadIncident(tx, incidentId, true))!;
    const status = row.status as InvestigationStatus;
    if (status === 'reported') {
      throw new PlatformError(
        'INCIDENT_STATUS_INVALID',
        'findings are recorded once the investigation has started',
        {
          from: status,
          to: 'investigating',
        },
      );
    }
    const itemIds = new Set((await loadItems(tx, row.id)).map((i) => i.id));
    for (const [p, party] of input.parties.entries()) {
      if (!(await organisationRecord.load(tx, party.orgId))) {
        throw new PlatformError('ORG_NOT_FOUND', 'no such organisation', {
          orgId: party.orgId,
          field: `/parties/${p}/orgId`,
        });
      }
      const unknown = party.basis.find((id) => !itemIds.has(id));
      if (unknown !== undefined) {
        throw new PlatformError('VALIDATION_FAILED', 'a finding rests on evidence items of this incident', {
          field: `/parties/${p}/basis`,
          itemId: unknown,
        });
      }
    }
    const findingsId = randomUUID();
    const parties = input.parties.map((p) => ({
      role: p.role,
      orgId: p.orgId,
      ...(p.component === undefined ? {} : { component: p.component }),
      responsibility: p.responsibility,
      basis: p.basis,
      presumption: p.presumption ?? null,
      note: p.note ?? null,
    }));
    await tx.query(
      `INSERT INTO incident_findings (id, incident_id, robot_id, parties, conclusion, at, by_org, ledger_index)
       SELECT $1, $2, r.robot_id, $3, $4, $5, $6, $7 FROM robots r WHERE r.id = $8`,
      [
        findingsId,
        row.id,
        JSON.stringify(parties),
        input.conclusion,
        now,
        actor.orgId,
        ledger.nextIndex,
        row.robot_uuid,
      ],
    );
    await appendRecord(
      tx,
      ledger,
      incidentFindingsRecord,
      findingsId,
      (await incidentFindingsRecord.load(tx, findingsId))!,
    );
    await notify(tx, {
      orgIds: await incidentAudience(tx, row, actor.orgId),
      type: 'incident.finding',
      subject: row.id,
      data: { incidentId: row.id, robotId: row.robot_id, findingsId },
      at: now,
    });
    return incidentView(tx, row, now);
  });
}

/** The largest attachment (docs/incidents.md): 20 MiB. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** POST /v1/incidents/{incidentId}/attachments: 201 with the new item. */
export async function addAttachment(
  ctx: AppContext,
  actor: Actor,
  incidentId: string,
  input: { bytes: Uint8Array; mediaType: string; filename: string },
): Promise<IncidentItemJson> {
  if (input.bytes.byteLength === 0) {
    throw new PlatformError('VALIDATION_FAILED', 'an attachment has at least one byte', { field: 'body' });
  }
  const now = ctx.clock();
  const sha256 = new Uint8Array(createHash('sha256').update(input.bytes).digest());
  return ctx.ledger.run(async (tx, ledger) => {
    await incidentFor(tx, actor, incidentId, 'incident.evidence.add');
    const row = (await loadIncident(tx, incidentId, true))!;
    const { rows: pos } = await tx.query<{ next: number }>(
      'SELECT COALESCE(max(position), -1) + 1 AS next FROM incident_items WHERE incident_id = $1',
      [row.id],
    );
    const id = randomUUID();
    const { rows } = await tx.query<IncidentItemRow>(
      `INSERT INTO incident_items (id, incident_id, position, kind, sha256, bytes, media_type, filename, size,
         robot_id, added_at, added_by, ledger_index)
       SELECT $1, $2, $3, 'attachment', $4, $5, $6, $7, $8, r.robot_id, $9, $10, $11 FROM robots r WHERE r.id = $12
       RETURNING ${ITEM_COLUMNS}`,
      [
        id,
        row.id,
        Number(pos[0]!.next),
        sha256,
        input.bytes,
        input.mediaType,
        input.filename,
        input.bytes.byteLength,
        now,
        actor.orgId,
        ledger.nextIndex,
        row.robot_uuid,
      ],
    );
    await appendRecord(tx, ledger, incidentEvidenceRecord, id, (await incidentEvidenceRecord.load(tx, id))!);
    await logCustody(tx, ctx, actor, row.id, id, 'add');
    return itemJson(rows[0]!, Number(row.ledger_index));
  });
}

export type EvidenceRead =
  | { kind: 'json'; item: IncidentItemJson & { content?: unknown; jws?: string } }
  | { kind: 'attachment'; item: IncidentItemJson; bytes: Uint8Array };

/** GET /v1/incidents/{incidentId}/evidence/{itemId}; the read goes into the custody log. */
export async function readEvidence(
  ctx: AppContext,
  actor: Actor,
  incidentId: string,
  itemId: string,
): Promise<EvidenceRead> {
  const row = await incidentFor(ctx.db, actor, incidentId, 'incident.evidence.read');
  const { rows } = await ctx.db.query<IncidentItemRow>(
    `SELECT ${ITEM_COLUMNS}, bytes FROM incident_items WHERE incident_id = $1 AND id = $2`,
    [row.id, itemId],
  );
  const item = rows[0];
  if (!item) {
    throw new PlatformError('INCIDENT_ITEM_NOT_FOUND', 'the incident has no such evidence item', {
      incidentId,
      itemId,
    });
  }
  await logCustody(ctx.db, ctx, actor, row.id, item.id, 'read');
  await logAccess(ctx.db, ctx, actor, row.robot_uuid, 'incident_evidence');
  const incidentIndex = Number(row.ledger_index);
  if (item.kind === 'attachment')
    return { kind: 'attachment', item: itemJson(item, incidentIndex), bytes: item.bytes! };
  return {
    kind: 'json',
    item: {
      ...itemJson(item, incidentIndex),
      ...(item.kind === 'telemetry' ? { jws: item.jws! } : { content: JSON.parse(item.content!) }),
    },
  };
}

/** GET /v1/incidents/{incidentId}/custody: every read, export and addition of its evidence. */
export async function custodyLog(ctx: AppContext, actor: Actor, incidentId: string) {
  const row = await incidentFor(ctx.db, actor, incidentId, 'incident.evidence.read');
  const { rows } = await ctx.db.query<{
    at: Date;
    org_id: string;
    key_id: string | null;
    item_id: string | null;
    action: 'read' | 'export' | 'add';
  }>('SELECT at, org_id, key_id, item_id, action FROM incident_custody WHERE incident_id = $1 ORDER BY id', [
    row.id,
  ]);
  return {
    items: rows.map((r) => ({
      at: r.at.toISOString(),
      orgId: r.org_id,
      keyId: r.key_id,
      itemId: r.item_id,
      action: r.action,
    })),
  };
}

/** The stored items as the analysis reads them (every telemetry item decoded from its JWS). */
export function storedItems(items: readonly IncidentItemRow[]): StoredItems {
  const json = (kind: string) => {
    const item = items.find((i) => i.kind === kind);
    return item ? { itemId: item.id, content: JSON.parse(item.content!) } : null;
  };
  const configuration = json('configuration');
  if (!configuration)
    throw new PlatformError('INTERNAL_INVARIANT', 'an incident without its configuration item');
  return {
    configuration,
    telemetry: items
      .filter((i) => i.kind === 'telemetry')
      .map((i) => ({ itemId: i.id, batch: decodeBatchJws(i.jws!) })),
    controlTimeline: json('control_timeline'),
    alerts: json('alerts'),
    events: json('events'),
  };
}

/** GET /v1/incidents/{incidentId}/analysis: the rules run over the evidence as it stands. */
export async function incidentAnalysis(
  ctx: AppContext,
  actor: Actor,
  incidentId: string,
): Promise<IncidentAnalysis> {
  const row = await incidentFor(ctx.db, actor, incidentId, 'incident.evidence.read');
  const items = await loadItems(ctx.db, row.id);
  await logAccess(ctx.db, ctx, actor, row.robot_uuid, 'incident_analysis');
  return analyseIncident(
    evidenceFromItems(
      {
        occurredAt: row.occurred_at.getTime(),
        window: { from: row.window_from.getTime(), to: row.window_to.getTime() },
        parties: row.parties,
      },
      storedItems(items),
    ),
  );
}

/**
 * Late telemetry joins the evidence: for every incident whose occurredAt is less than 24 h
 * (plus the sweep's slack) ago, the robot's batches with a sample in the window that arrived
 * by occurredAt + 24 h and are not yet items become items, each with its own record. Run by
 * the incident runtime every few seconds and callable directly; resolves to the number added.
 */
export async function joinLateTelemetry(ctx: AppContext): Promise<number> {
  const now = ctx.clock();
  // Only incidents with a candidate are locked: a batch of the robot overlapping the window,
  // in time, and not yet an item (a read without the ledger's lock; the unit of work re-reads).
  // The sample-span index of the raw JWS store, pruned to the window's days, finds candidates.
  const { rows: open } = await ctx.db.query<{ id: string }>(
    `SELECT n.id FROM incidents n
      WHERE n.occurred_at >= $1
        AND EXISTS (
          SELECT 1 FROM telemetry_batch_jws j
            JOIN telemetry_batches b ON b.robot_uuid = j.robot_uuid AND b.seq = j.seq
           WHERE j.robot_uuid = n.robot_uuid AND j.last_sample_at >= n.window_from
             AND j.first_sample_at <= n.window_to
             AND b.received_at <= n.occurred_at + $2 * interval '1 millisecond'
             AND NOT EXISTS (SELECT 1 FROM incident_items i WHERE i.incident_id = n.id AND i.batch_seq = j.seq))
      ORDER BY n.occurred_at`,
    [new Date(now.getTime() - LATE_BATCH_LIMIT_MS - 60 * 60 * 1000), LATE_BATCH_LIMIT_MS],
  );
  let added = 0;
  for (const { id } of open) {
    added += await ctx.ledger.run(async (tx, ledger) => {
      const row = (await loadIncident(tx, id, true))!;
      const { rows: have } = await tx.query<{ batch_seq: string | number }>(
        'SELECT batch_seq FROM incident_items WHERE incident_id = $1 AND batch_seq IS NOT NULL',
        [id],
      );
      const late = await windowBatches(
        tx,
        row.robot_uuid,
        { from: row.window_from.getTime(), to: row.window_to.getTime() },
        {
          receivedUntil: new Date(row.occurred_at.getTime() + LATE_BATCH_LIMIT_MS),
          exceptSeqs: have.map((h) => Number(h.batch_seq)),
        },
      );
      if (late.length === 0) return 0;
      const { rows: pos } = await tx.query<{ next: number; robot_id: string }>(
        `SELECT COALESCE(max(i.position), -1) + 1 AS next, (SELECT robot_id FROM robots WHERE id = $2) AS robot_id
           FROM incident_items i WHERE i.incident_id = $1`,
        [id, row.robot_uuid],
      );
      const items = late.map((b) => telemetryItem(b.seq, b.jws));
      const first = ledger.nextIndex;
      await insertItems(
        tx,
        id,
        pos[0]!.robot_id,
        Number(pos[0]!.next),
        items,
        now,
        ctx.registryOrgId,
        (i) => first + i,
      );
      const loaded = await Promise.all(
        items.map(async (item) => ({ id: item.id, row: (await incidentEvidenceRecord.load(tx, item.id))! })),
      );
      await appendRecords(tx, ledger, incidentEvidenceRecord, loaded);
      return items.length;
    });
  }
  return added;
}

/** Refuses a write that could alter an incident's evidence while a hold is active on the robot. */
export async function assertNoIncidentHold(tx: SqlClient, robotUuid: string, what: string): Promise<void> {
  const { rows } = await tx.query<{ id: string }>(
    'SELECT id FROM incidents WHERE robot_uuid = $1 AND hold_active ORDER BY reported_at, id LIMIT 1',
    [robotUuid],
  );
  if (rows[0]) {
    throw new PlatformError(
      'INCIDENT_HOLD',
      `an incident holds the robot: no ${what} until an authority releases the hold`,
      { incidentId: rows[0].id },
    );
  }
}
