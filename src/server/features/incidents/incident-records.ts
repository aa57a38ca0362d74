// Ledger records of incidents (docs/incidents.md "Records"): the report with the digests of
// the evidence it froze, each item added later, hold changes, investigation steps and
// findings. All are links of the robot's records chain, so a robot's history proves which
// incidents it had. Whoever may read that history reads these records, so they carry no free
// text: a description, note, summary or conclusion is committed by its SHA-256, and the text
// itself goes only to those the incident's visibility rules admit.
import { createHash } from 'node:crypto';
import type { IncidentKind, IncidentSeverity } from '../../../core/incidents/incident.js';
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export interface IncidentPartyJson {
  role: 'manufacturer' | 'software_provider' | 'operator' | 'maintainer';
  orgId: string;
  component?: string;
}

export interface IncidentRow {
  id: string;
  robot_uuid: string;
  robot_id: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  description: string;
  location: string | null;
  widespread: boolean;
  occurred_at: Date;
  aware_at: Date;
  reported_at: Date;
  reported_by: string;
  reporting_deadline: Date | null;
  window_from: Date;
  window_to: Date;
  parties: IncidentPartyJson[];
  hold_at_report: boolean;
  hold_active: boolean;
  hold_since: Date | null;
  hold_released_at: Date | null;
  hold_released_by: string | null;
  status: string;
  status_changed_at: Date;
  ledger_index: number;
}

export const ITEM_KINDS = [
  'configuration',
  'telemetry',
  'control_timeline',
  'alerts',
  'events',
  'access_log',
  'attachment',
] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export interface IncidentItemRow {
  id: string;
  incident_id: string;
  position: number;
  kind: ItemKind;
  sha256: Uint8Array;
  content: string | null;
  jws: string | null;
  batch_seq: number | null;
  bytes: Uint8Array | null;
  media_type: string | null;
  filename: string | null;
  size: number | null;
  robot_id: string;
  added_at: Date;
  added_by: string;
  /** The item's own record; null for an item the incident's record froze. */
  ledger_index: number | null;
}

/** The item columns without the (possibly large) bytes of an attachment. */
export const ITEM_COLUMNS =
  'id, incident_id, position, kind, sha256, content, jws, batch_seq, media_type, filename, size, robot_id, added_at, added_by, ledger_index';

export const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Lowercase hex SHA-256 of a text's UTF-8 bytes: how records commit to free text. */
export function textSha256(text: string | null): string | null {
  return text === null ? null : createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function loadIncident(
  client: SqlClient,
  id: string,
  forUpdate = false,
): Promise<IncidentRow | null> {
  const { rows } = await client.query<IncidentRow>(
    `SELECT * FROM incidents WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/** The incident row with the items its own record froze. */
async function loadIncidentWithItems(client: SqlClient, id: string) {
  const incident = await loadIncident(client, id);
  if (!incident) return null;
  const { rows } = await client.query<IncidentItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM incident_items WHERE incident_id = $1 AND ledger_index IS NULL ORDER BY position`,
    [id],
  );
  return { incident, items: rows };
}

export const incidentRecord = defineRecordKind<{ incident: IncidentRow; items: IncidentItemRow[] }>({
  kind: 'incident',
  chain: 'records',
  load: loadIncidentWithItems,
  record: ({ incident: r, items }) => ({
    kind: 'incident',
    id: r.id,
    incidentId: r.id,
    robot: r.robot_uuid,
    robotId: r.robot_id,
    incidentKind: r.kind,
    severity: r.severity,
    occurredAt: isoTime(r.occurred_at),
    awareAt: isoTime(r.aware_at),
    reportedAt: isoTime(r.reported_at),
    reportedBy: r.reported_by,
    widespread: r.widespread,
    reportingDeadline: r.reporting_deadline ? isoTime(r.reporting_deadline) : null,
    window: { from: isoTime(r.window_from), to: isoTime(r.window_to) },
    parties: r.parties,
    hold: r.hold_at_report,
    descriptionSha256: textSha256(r.description),
    locationSha256: textSha256(r.location),
    items: items.map((i) => ({ itemId: i.id, kind: i.kind, sha256: hex(i.sha256) })),
  }),
});

async function loadItem(client: SqlClient, id: string) {
  const { rows } = await client.query<IncidentItemRow & { robot_uuid: string }>(
    `SELECT ${ITEM_COLUMNS.split(', ')
      .map((c) => `i.${c}`)
      .join(', ')}, n.robot_uuid
       FROM incident_items i JOIN incidents n ON n.id = i.incident_id WHERE i.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export const incidentEvidenceRecord = defineRecordKind<IncidentItemRow & { robot_uuid: string }>({
  kind: 'incident_evidence',
  chain: 'records',
  load: loadItem,
  record: (r) => ({
    kind: 'incident_evidence',
    id: r.id,
    incidentId: r.incident_id,
    itemId: r.id,
    itemKind: r.kind,
    sha256: hex(r.sha256),
    robot: r.robot_uuid,
    robotId: r.robot_id,
    addedAt: isoTime(r.added_at),
    addedBy: r.added_by,
    ...(r.kind === 'telemetry' ? { seq: Number(r.batch_seq) } : {}),
    ...(r.kind === 'attachment' ? { size: Number(r.size), mediaType: r.media_type } : {}),
  }),
});

interface ChangeRow {
  id: string;
  incident_id: string;
  robot_uuid: string;
  robot_id: string;
  at: Date;
  by_org: string;
  ledger_index: number;
}

export interface HoldChangeRow extends ChangeRow {
  active: boolean;
  note: string | null;
}

export interface StatusChangeRow extends ChangeRow {
  status: string;
  summary: string | null;
}

export interface FindingsRow extends ChangeRow {
  parties: {
    role: IncidentPartyJson['role'];
    orgId: string;
    component?: string;
    responsibility: string;
    basis: string[];
    presumption: string | null;
    note: string | null;
  }[];
  conclusion: string;
}

function changeLoader<Row>(table: string) {
  return async (client: SqlClient, id: string): Promise<Row | null> => {
    const { rows } = await client.query<Row & object>(
      `SELECT c.*, n.robot_uuid FROM ${table} c JOIN incidents n ON n.id = c.incident_id WHERE c.id = $1`,
      [id],
    );
    return (rows[0] as Row | undefined) ?? null;
  };
}

const changeFields = (r: ChangeRow) => ({
  id: r.id,
  incidentId: r.incident_id,
  robot: r.robot_uuid,
  robotId: r.robot_id,
  at: isoTime(r.at),
  by: r.by_org,
});

export const incidentHoldRecord = defineRecordKind<HoldChangeRow>({
  kind: 'incident_hold',
  chain: 'records',
  load: changeLoader<HoldChangeRow>('incident_hold_changes'),
  record: (r) => ({
    kind: 'incident_hold',
    ...changeFields(r),
    active: r.active,
    noteSha256: textSha256(r.note),
  }),
});

export const incidentInvestigationRecord = defineRecordKind<StatusChangeRow>({
  kind: 'incident_investigation',
  chain: 'records',
  load: changeLoader<StatusChangeRow>('incident_status_changes'),
  record: (r) => ({
    kind: 'incident_investigation',
    ...changeFields(r),
    status: r.status,
    summarySha256: textSha256(r.summary),
  }),
});

export const incidentFindingsRecord = defineRecordKind<FindingsRow>({
  kind: 'incident_findings',
  chain: 'records',
  load: changeLoader<FindingsRow>('incident_findings'),
  record: (r) => ({
    kind: 'incident_findings',
    ...changeFields(r),
    parties: r.parties.map(({ note, ...p }) => ({ ...p, noteSha256: textSha256(note) })),
    conclusionSha256: textSha256(r.conclusion),
  }),
});
