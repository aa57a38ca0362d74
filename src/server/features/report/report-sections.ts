// The sections of the history report (docs/history-report.md "The document"), read from the
// robot's opened records (the same bytes the proof carries) and, for what lives beside the
// ledger (incident findings' text, recall campaigns, organisation names), from the registry.
// The buyer tier never sees an organisation's name or ID: owners by kind and period only.
import type { ChainFacts } from '../../../core/report/chain-facts.js';
import type { ReportTier } from '../../../core/report/report-format.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { IncidentRow } from '../incidents/incident-records.js';
import { loadFindings } from '../incidents/incident-service.js';

type Json = Record<string, unknown>;

/** A record of the chain with where it sits: its seq and ledger index. */
export interface ChainRecord {
  seq: number;
  index: number;
  late: boolean;
  record: Json;
}

export interface OrgFacts {
  name: string;
  kind: string;
}

/** Whether a member names an organisation (its ID): left out of the buyer tier. */
const ORG_MEMBER = /^(?:orgId|ownerId|actorOrgId|reportedBy|recordedBy|by|decidedBy|[a-z]+OrgId)$/;

/** Removes every member naming an organisation, at any depth (buyer tier). */
export function withoutOrganisations<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutOrganisations) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [name, v] of Object.entries(value)) {
    if (!ORG_MEMBER.test(name)) out[name] = withoutOrganisations(v);
  }
  return out as T;
}

const where = (r: ChainRecord) => ({ seq: r.seq, ledgerIndex: r.index, late: r.late });

function eventItem(r: ChainRecord): Json {
  const e = r.record;
  return {
    ...where(r),
    eventId: e.id,
    type: e.type,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    actorOrgId: e.actorOrgId,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    data: e.data,
  };
}

/** Ownership periods: by name for authority and owner tiers, by kind only for a buyer. */
export function ownershipSection(
  facts: ChainFacts,
  orgs: ReadonlyMap<string, OrgFacts>,
  tier: ReportTier,
  usage: ReadonlyMap<string, unknown>,
): Json[] {
  return facts.ownership.map((period, i) => {
    const org = orgs.get(period.orgId);
    const disclosure = usage.get(period.orgId);
    return {
      period: i + 1,
      from: period.from,
      to: period.to,
      ownerKind: org?.kind ?? null,
      ...(tier === 'buyer' ? {} : { ownerOrgId: period.orgId, ownerName: org?.name ?? null }),
      ...(disclosure === undefined ? {} : { usageDisclosedAtSale: disclosure }),
    };
  });
}

const LIFECYCLE_SKIP = new Set(['maintenance', 'software_update']);

export function eventSections(records: readonly ChainRecord[]) {
  const events = records.filter((r) => r.record.kind === 'robot_event');
  return {
    lifecycle: events.filter((r) => !LIFECYCLE_SKIP.has(String(r.record.type))).map(eventItem),
    maintenance: events.filter((r) => r.record.type === 'maintenance').map(eventItem),
    softwareEvents: events.filter((r) => r.record.type === 'software_update'),
  };
}

/** Software updates, each marked `attested` when the robot's own telemetry reports that version now. */
export function softwareSection(updates: readonly ChainRecord[], reported: Record<string, string> | null) {
  return updates.map((r) => {
    const data = (r.record.data ?? {}) as Json;
    return {
      ...where(r),
      component: data.component,
      fromVersion: data.fromVersion ?? null,
      toVersion: data.toVersion,
      providerOrgId: data.providerOrgId ?? null,
      occurredAt: r.record.occurredAt,
      attested: reported !== null && reported[String(data.component)] === data.toVersion,
    };
  });
}

export function brandSection(records: readonly ChainRecord[]): Json[] {
  return records
    .filter((r) => r.record.kind === 'robot_brand')
    .map((r) => ({
      ...where(r),
      brand: r.record.brand,
      incidentId: r.record.incidentId ?? null,
      issuerOrgId: r.record.issuerOrgId,
      recordedAt: r.record.recordedAt,
    }));
}

/** Incidents with their findings; evidence (items, description, location) for authority and owner only. */
export async function incidentSection(db: SqlClient, robotUuid: string, tier: ReportTier): Promise<Json[]> {
  const { rows } = await db.query<IncidentRow>(
    'SELECT * FROM incidents WHERE robot_uuid = $1 ORDER BY occurred_at, id',
    [robotUuid],
  );
  const findings = await Promise.all(rows.map((r) => loadFindings(db, r.id)));
  return rows.map((row, i) => ({
    incidentId: row.id,
    ledgerIndex: Number(row.ledger_index),
    kind: row.kind,
    severity: row.severity,
    status: row.status,
    occurredAt: row.occurred_at.toISOString(),
    reportedAt: row.reported_at.toISOString(),
    reportedBy: row.reported_by,
    hold: { active: row.hold_active, releasedAt: row.hold_released_at?.toISOString() ?? null },
    ...(tier === 'buyer'
      ? {}
      : { description: row.description, location: row.location, parties: row.parties }),
    findings: findings[i]!.map((f) => ({
      ledgerIndex: Number(f.ledger_index),
      recordedAt: f.at.toISOString(),
      recordedBy: f.by_org,
      conclusion: f.conclusion,
      parties: f.parties.map((p) => ({
        role: p.role,
        orgId: p.orgId,
        ...(p.component === undefined ? {} : { component: p.component }),
        responsibility: p.responsibility,
      })),
    })),
  }));
}

interface RecallRow {
  campaign_id: string;
  component: string;
  summary: string;
  consequence: string;
  remedy_type: string;
  opened_at: Date;
  unit_status: string;
  remedied_at: Date | null;
  declined_at: Date | null;
}

/** The recall campaigns affecting the robot, with the robot's unit; `open` counts the unremedied ones. */
export async function recallSection(
  db: SqlClient,
  robotUuid: string,
): Promise<{ items: Json[]; open: number }> {
  const { rows } = await db.query<RecallRow>(
    `SELECT c.campaign_id, c.component, c.summary, c.consequence, c.remedy_type, c.opened_at,
            u.status AS unit_status, u.remedied_at, u.declined_at
       FROM campaign_units u JOIN recall_campaigns c ON c.campaign_id = u.campaign_id
      WHERE u.robot_uuid = $1 ORDER BY c.opened_at, c.campaign_id`,
    [robotUuid],
  );
  return {
    // As the public check counts them: a remedy not complete on the robot, declined ones too.
    open: rows.filter((r) => r.unit_status !== 'remedied').length,
    items: rows.map((r) => ({
      campaignId: r.campaign_id,
      component: r.component,
      summary: r.summary,
      consequence: r.consequence,
      remedyType: r.remedy_type,
      openedAt: r.opened_at.toISOString(),
      unitStatus: r.unit_status,
      remediedAt: r.remedied_at?.toISOString() ?? null,
      declinedAt: r.declined_at?.toISOString() ?? null,
    })),
  };
}

/** Organisation names and kinds of the IDs given. */
export async function organisations(db: SqlClient, ids: readonly string[]): Promise<Map<string, OrgFacts>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; name: string; kind: string }>(
    'SELECT id, name, kind FROM organisations WHERE id = ANY($1::uuid[])',
    [unique],
  );
  return new Map(rows.map((r) => [r.id, { name: r.name, kind: r.kind }]));
}
