// Freezing an incident's evidence (docs/incidents.md "Evidence items"): in the report's own
// unit of work, under the robot's row lock, every fact the investigation will need is read as
// it stands and stored as an item whose SHA-256 the incident's ledger record commits to. What
// is frozen cannot drift afterwards: a later update, key rotation, transfer or expiry of raw
// telemetry changes the registry, never the items. The signed batches are copied byte for byte
// out of the raw store (whose partitions retention drops), so they live as long as the incident.
import { createHash, randomUUID } from 'node:crypto';
import { PARTY_ROLES, type Party } from '../../../core/incidents/analysis.js';
import { softwareAt } from '../../../core/incidents/configuration.js';
import { buildControlTimeline } from '../../../core/incidents/control-timeline.js';
import {
  controlSamples,
  type DecodedBatch,
  decodeBatchJws,
} from '../../../core/incidents/evidence-reading.js';
import { DAY_MS, inWindow, type TimeWindow } from '../../../core/incidents/incident.js';
import { canonicalJson } from '../../../ledger/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { RobotRow } from '../robots/robot-access.js';

/** Incidents whose kind puts the robot's data access log into the evidence. */
export const DATA_INCIDENT_KINDS = ['data_breach', 'information_leak'] as const;

/** How far back the events item and the maintainer parties reach. */
const LOOKBACK_MS = 30 * DAY_MS;

export interface NewItem {
  id: string;
  kind: string;
  sha256: Uint8Array;
  content: string | null;
  jws: string | null;
  batchSeq: number | null;
}

const iso = (ms: number | Date) => new Date(ms).toISOString();

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

/** A JSON item: its bytes are the canonical JSON of its content, its digest theirs. */
function jsonItem(kind: string, content: unknown): NewItem {
  const text = canonicalJson(content);
  return { id: randomUUID(), kind, sha256: sha256(text), content: text, jws: null, batchSeq: null };
}

/** A telemetry item: the batch's JWS as the robot signed it; its digest is the batch record's jwsSha256. */
export function telemetryItem(seq: number, jws: string): NewItem {
  return { id: randomUUID(), kind: 'telemetry', sha256: sha256(jws), content: null, jws, batchSeq: seq };
}

export interface WindowBatch {
  seq: number;
  jws: string;
  receivedAt: Date;
  batch: DecodedBatch;
}

/**
 * The robot's signed batches with at least one sample in `window`, in first-sample order, with
 * those arrived after `receivedUntil` left out. The range test on the stored sample span finds
 * candidates (and prunes partitions); the samples themselves decide.
 */
export async function windowBatches(
  q: SqlClient,
  robotUuid: string,
  window: TimeWindow,
  options: { receivedUntil?: Date; exceptSeqs?: readonly number[] } = {},
): Promise<WindowBatch[]> {
  const { rows } = await q.query<{ seq: string | number; jws: string; received_at: Date }>(
    `SELECT j.seq, j.jws, b.received_at
       FROM telemetry_batch_jws j JOIN telemetry_batches b ON b.robot_uuid = j.robot_uuid AND b.seq = j.seq
      WHERE j.robot_uuid = $1 AND j.last_sample_at >= $2 AND j.first_sample_at <= $3
        AND ($4::timestamptz IS NULL OR b.received_at <= $4)
      ORDER BY j.first_sample_at, j.seq`,
    [robotUuid, new Date(window.from), new Date(window.to), options.receivedUntil ?? null],
  );
  const except = new Set(options.exceptSeqs ?? []);
  const out: WindowBatch[] = [];
  for (const row of rows) {
    const seq = Number(row.seq);
    if (except.has(seq)) continue;
    const batch = decodeBatchJws(row.jws);
    if (!batch.samples.some((s) => inWindow(window, s.t))) continue;
    out.push({ seq, jws: row.jws, receivedAt: row.received_at, batch });
  }
  return out;
}

interface Facts {
  robot: RobotRow;
  occurredAt: number;
  awareAt: number;
  window: TimeWindow;
  kind: string;
}

/** Who owned the robot at `at`: the giver of the first transfer after it, else today's owner. */
async function ownerAt(q: SqlClient, robot: RobotRow, at: number): Promise<string> {
  const { rows } = await q.query<{ from_org: string }>(
    `SELECT data->>'fromOrgId' AS from_org FROM robot_events
      WHERE robot_uuid = $1 AND type = 'ownership_transfer' AND occurred_at > $2
      ORDER BY occurred_at, ledger_index LIMIT 1`,
    [robot.id, new Date(at)],
  );
  return rows[0]?.from_org ?? robot.owner_id;
}

/**
 * The provider of an updated component: the update's providerOrgId; else the organisation
 * that recorded it when that is a software provider (it installed its own software); else the
 * manufacturer, which answers for the software it ships and for updates nobody else vouched for.
 */
async function softwareUpdates(q: SqlClient, robot: RobotRow, at: number) {
  const { rows } = await q.query<{
    occurred_at: Date;
    component: string;
    to_version: string;
    provider_org_id: string | null;
    actor_org_id: string;
    actor_kind: string;
  }>(
    `SELECT e.occurred_at, e.data->>'component' AS component, e.data->>'toVersion' AS to_version,
            e.data->>'providerOrgId' AS provider_org_id, e.actor_org_id, o.kind AS actor_kind
       FROM robot_events e JOIN organisations o ON o.id = e.actor_org_id
      WHERE e.robot_uuid = $1 AND e.type = 'software_update' AND e.occurred_at <= $2
      ORDER BY e.occurred_at, e.ledger_index`,
    [robot.id, new Date(at)],
  );
  return rows.map((r) => ({
    component: r.component,
    toVersion: r.to_version,
    at: r.occurred_at.getTime(),
    providerOrgId:
      r.provider_org_id ?? (r.actor_kind === 'software_provider' ? r.actor_org_id : robot.manufacturer_id),
  }));
}

async function softwareReports(q: SqlClient, robotUuid: string, at: number) {
  // The newest reports before the instant: the latest decides, the run before it dates `since`.
  const { rows } = await q.query<{
    reported_at: Date;
    seq: string | number;
    software: Record<string, string>;
  }>(
    `SELECT reported_at, seq, software FROM telemetry_software_reports
      WHERE robot_uuid = $1 AND reported_at <= $2 ORDER BY reported_at DESC, seq DESC LIMIT 500`,
    [robotUuid, new Date(at)],
  );
  return rows.map((r) => ({ at: r.reported_at.getTime(), seq: Number(r.seq), software: r.software }));
}

/** Every organisation that held a maintenance grant at some moment of the 30 days before. */
async function maintainers(q: SqlClient, robotUuid: string, at: number): Promise<string[]> {
  const { rows } = await q.query<{ org_id: string }>(
    `SELECT DISTINCT org_id FROM grants
      WHERE robot_uuid = $1 AND 'maintenance' = ANY (scopes) AND created_at <= $2
        AND expires_at >= $3 AND (revoked_at IS NULL OR revoked_at >= $3)
      ORDER BY org_id`,
    [robotUuid, new Date(at), new Date(at - LOOKBACK_MS)],
  );
  return rows.map((r) => r.org_id);
}

/** The parties of an incident in the order the record lists them: by role, then component / org. */
export function orderParties(parties: readonly Party[]): Party[] {
  const seen = new Set<string>();
  const unique = parties.filter((p) => {
    const key = `${p.role}|${p.orgId}|${p.component ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) =>
      PARTY_ROLES.indexOf(a.role) - PARTY_ROLES.indexOf(b.role) ||
      (a.component ?? '').localeCompare(b.component ?? '') ||
      a.orgId.localeCompare(b.orgId),
  );
}

/** Reads and freezes every item of a new incident, and works out its parties. */
export async function freezeEvidence(
  q: SqlClient,
  facts: Facts,
): Promise<{ parties: Party[]; items: NewItem[]; batches: WindowBatch[] }> {
  const { robot, occurredAt, window } = facts;
  const at = new Date(occurredAt);
  // One query at a time: they share the report's transaction, and a connection runs one
  // statement at a time anyway (pg refuses overlapping queries on one client).
  const modelRows = await q.query<{
    id: string;
    name: string;
    joint_count: number;
    min_battery_soh_pct: number;
    max_joint_wear: number;
    max_position_error_mm: number;
  }>('SELECT * FROM models WHERE id = $1', [robot.model_id]);
  const revisionRows = await q.query<{ params: unknown }>(
    'SELECT params FROM hardware_revisions WHERE model_id = $1 AND code = $2',
    [robot.model_id, robot.hardware_revision],
  );
  const siteRows = await q.query<{ id: string; name: string; code: string; region: string }>(
    'SELECT id, name, code, region FROM sites WHERE id = $1',
    [robot.site_id],
  );
  const updates = await softwareUpdates(q, robot, occurredAt);
  const reports = await softwareReports(q, robot.id, occurredAt);
  const faultRows = await q.query<{
    code: string;
    component: string;
    origin: 'hardware' | 'software';
    description: string;
  }>('SELECT code, component, origin, description FROM model_fault_codes WHERE model_id = $1 ORDER BY code', [
    robot.model_id,
  ]);
  const maintainerIds = await maintainers(q, robot.id, occurredAt);
  const operator = await ownerAt(q, robot, occurredAt);
  const model = modelRows.rows[0]!;
  const software = softwareAt(updates, reports, occurredAt, robot.manufacturer_id);
  const latestReport = reports[0];

  const events = await q.query<{
    id: string;
    type: string;
    occurred_at: Date;
    recorded_at: Date;
    actor_org_id: string;
    data: Record<string, unknown>;
    ledger_index: number;
  }>(
    `SELECT id, type, occurred_at, recorded_at, actor_org_id, data, ledger_index FROM robot_events
        WHERE robot_uuid = $1 AND occurred_at <= $2 AND (occurred_at >= $3 OR type IN ('maintenance', 'certification'))
        ORDER BY occurred_at, ledger_index`,
    [robot.id, at, new Date(occurredAt - LOOKBACK_MS)],
  );
  const alerts = await q.query<{
    id: string;
    condition: string;
    sample_at: Date;
    raised_at: Date;
    value: number | null;
    threshold: number | null;
    acked_at: Date | null;
    acked_by_org: string | null;
    cleared_at: Date | null;
    ledger_index: number;
  }>(
    `SELECT id, condition, sample_at, raised_at, value, threshold, acked_at, acked_by_org, cleared_at, ledger_index
         FROM telemetry_alerts
        WHERE robot_uuid = $1 AND raised_at <= $2 AND (raised_at >= $3 OR cleared_at IS NULL OR cleared_at >= $4)
        ORDER BY raised_at, id`,
    [robot.id, new Date(window.to), new Date(occurredAt - LOOKBACK_MS), new Date(window.from)],
  );
  const grants = await q.query<{
    id: string;
    org_id: string;
    scopes: string[];
    created_at: Date;
    expires_at: Date;
  }>(
    `SELECT id, org_id, scopes, created_at, expires_at FROM grants
        WHERE robot_uuid = $1 AND created_at <= $2 AND expires_at > $2 AND (revoked_at IS NULL OR revoked_at > $2)
        ORDER BY created_at, id`,
    [robot.id, at],
  );
  const batches = await windowBatches(q, robot.id, window);

  // The 30-day events item; maintenance and certifications older than that only feed the
  // configuration's "last maintenance" and "certificates valid at occurredAt".
  const recentEvents = events.rows.filter((e) => e.occurred_at.getTime() >= occurredAt - LOOKBACK_MS);
  const lastMaintenance = [...events.rows].reverse().find((e) => e.type === 'maintenance');
  const certificates = events.rows.filter((e) => {
    if (e.type !== 'certification') return false;
    const until = String(e.data.validUntil ?? '');
    const end = until.length === 10 ? Date.parse(`${until}T23:59:59.999Z`) : Date.parse(until);
    return end > occurredAt;
  });
  const openAt = (a: (typeof alerts.rows)[number]) =>
    a.raised_at.getTime() <= occurredAt &&
    (a.acked_at === null || a.acked_at.getTime() > occurredAt) &&
    (a.cleared_at === null || a.cleared_at.getTime() > occurredAt);

  const configuration = jsonItem('configuration', {
    robotId: robot.robot_id,
    at: iso(occurredAt),
    status: robot.status,
    owner: operator,
    manufacturer: robot.manufacturer_id,
    site: siteRows.rows[0] ?? null,
    model: {
      modelId: model.id,
      name: model.name,
      jointCount: model.joint_count,
      limits: {
        minBatterySohPct: model.min_battery_soh_pct,
        maxJointWear: model.max_joint_wear,
        maxPositionErrorMm: model.max_position_error_mm,
      },
    },
    hardware: { revision: robot.hardware_revision, params: revisionRows.rows[0]?.params ?? null },
    software: software.map((s) => ({ ...s, since: iso(s.since) })),
    attestation: latestReport
      ? { reportedAt: iso(latestReport.at), seq: latestReport.seq, software: latestReport.software }
      : null,
    faultCodes: faultRows.rows,
    lastMaintenance: lastMaintenance
      ? {
          eventId: lastMaintenance.id,
          occurredAt: iso(lastMaintenance.occurred_at),
          actorOrgId: lastMaintenance.actor_org_id,
          data: lastMaintenance.data,
        }
      : null,
    certificates: certificates.map((c) => ({
      eventId: c.id,
      occurredAt: iso(c.occurred_at),
      certificate: c.data.certificate,
      scheme: c.data.scheme,
      validUntil: c.data.validUntil,
    })),
    openAlerts: alerts.rows.filter(openAt).map((a) => ({
      alertId: a.id,
      condition: a.condition,
      raisedAt: iso(a.raised_at),
    })),
    grants: grants.rows.map((g) => ({
      grantId: g.id,
      orgId: g.org_id,
      scopes: g.scopes,
      expiresAt: iso(g.expires_at),
    })),
  });

  const timeline = buildControlTimeline(controlSamples(batches.map((b) => b.batch)), window);
  const items: NewItem[] = [
    configuration,
    jsonItem('control_timeline', {
      window: { from: iso(window.from), to: iso(window.to) },
      intervals: timeline.map((i) => ({ from: iso(i.from), to: iso(i.to), mode: i.mode, source: i.source })),
    }),
    jsonItem('alerts', {
      alerts: alerts.rows.map((a) => ({
        alertId: a.id,
        condition: a.condition,
        sampleAt: iso(a.sample_at),
        raisedAt: iso(a.raised_at),
        value: a.value,
        threshold: a.threshold,
        acknowledgedAt: a.acked_at ? iso(a.acked_at) : null,
        acknowledgedBy: a.acked_by_org,
        clearedAt: a.cleared_at ? iso(a.cleared_at) : null,
        ledgerIndex: Number(a.ledger_index),
      })),
    }),
    jsonItem('events', {
      from: iso(occurredAt - LOOKBACK_MS),
      to: iso(occurredAt),
      events: recentEvents.map((e) => ({
        eventId: e.id,
        type: e.type,
        occurredAt: iso(e.occurred_at),
        recordedAt: iso(e.recorded_at),
        actorOrgId: e.actor_org_id,
        data: e.data,
        ledgerIndex: Number(e.ledger_index),
      })),
    }),
  ];
  if ((DATA_INCIDENT_KINDS as readonly string[]).includes(facts.kind)) {
    const from = facts.awareAt - LOOKBACK_MS;
    const { rows } = await q.query<{ at: Date; org_id: string; key_id: string | null; what: string }>(
      `SELECT at, org_id, key_id, what FROM data_access_log
        WHERE robot_uuid = $1 AND at >= $2 AND at <= $3 ORDER BY at, id`,
      [robot.id, new Date(from), new Date(facts.awareAt)],
    );
    items.push(
      jsonItem('access_log', {
        from: iso(from),
        to: iso(facts.awareAt),
        items: rows.map((r) => ({ at: iso(r.at), orgId: r.org_id, keyId: r.key_id, what: r.what })),
      }),
    );
  }
  for (const b of batches) items.push(telemetryItem(b.seq, b.jws));

  const parties = orderParties([
    { role: 'manufacturer', orgId: robot.manufacturer_id },
    ...software.map((s) => ({
      role: 'software_provider' as const,
      orgId: s.providerOrgId,
      component: s.component,
    })),
    { role: 'operator', orgId: operator },
    ...maintainerIds.map((orgId) => ({ role: 'maintainer' as const, orgId })),
  ]);
  return { parties, items, batches };
}
