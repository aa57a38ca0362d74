// Recall campaigns (docs/recalls.md): opening one (its units by one INSERT ... SELECT, its
// ledger record, the owners told and, for doNotOperate, the affected robots suspended, all in
// one unit of work), reading it, an owner declining a unit's remedy, and settling remedies: a
// maintenance event naming the campaign (part, inspection), or a software update to the remedy
// version that the robot's own signed telemetry attests afterwards (software).
import { PlatformError } from '../../../core/errors.js';
import { decideTransition, type RobotStatus } from '../../../core/lifecycle.js';
import { type Actor, seesEverything } from '../../../core/organisation.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { notify } from '../notifications/notify.js';
import { type RobotRow, robotForAction } from '../robots/robot-access.js';
import { insertRobotEvent } from '../robots/robot-event-writer.js';
import {
  declineRecordId,
  loadCampaign,
  type RecallCampaignRow,
  type RecallDeclineRow,
  type RecallFilters,
  type RemedyType,
  recallCampaignRecord,
  recallDeclineRecord,
} from './recall-records.js';

export const UNIT_STATUSES = [
  'open_remedy_not_available',
  'open',
  'remedied',
  'unavailable',
  'declined',
] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

export interface NewRecall {
  campaignId: string;
  modelIds?: string[] | undefined;
  hardwareRevisions?: string[] | undefined;
  software?: { component: string; versions: string[] } | undefined;
  productionFrom?: string | undefined;
  productionTo?: string | undefined;
  component: string;
  summary: string;
  consequence: string;
  remedy: {
    type: RemedyType;
    software?: { component: string; version: string } | undefined;
    availableAt?: string | undefined;
  };
  doNotOperate?: boolean | undefined;
}

/** A unit's status as shown: remedied and declined are stored; the rest follow from the robot and the clock. */
export const UNIT_STATUS_SQL = `CASE WHEN u.status = 'remedied' THEN 'remedied'
  WHEN r.status IN ('decommissioned', 'recycled') THEN 'unavailable'
  WHEN u.status = 'declined' THEN 'declined'
  WHEN c.remedy_available_at > $NOW THEN 'open_remedy_not_available'
  ELSE 'open' END`;

function unitStatusSql(nowParam: string): string {
  return UNIT_STATUS_SQL.replace('$NOW', nowParam);
}

/** A production date bound: a calendar date, or the UTC date of an RFC 3339 timestamp. */
function productionBound(text: string | undefined, field: string): string | null {
  if (text === undefined) return null;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseTimestamp(`${text}T00:00:00Z`) : parseTimestamp(text);
  if (ms === undefined) {
    throw new PlatformError('VALIDATION_FAILED', `${field} is not a calendar date or RFC 3339 timestamp`, {
      field,
    });
  }
  return new Date(ms).toISOString().slice(0, 10);
}

function checkRecall(input: NewRecall): {
  filters: RecallFilters;
  availableAt: Date | null;
} {
  const { remedy } = input;
  if ((remedy.type === 'software') !== (remedy.software !== undefined)) {
    throw new PlatformError(
      'VALIDATION_FAILED',
      'remedy.software names the remedy version exactly when remedy.type is software',
      { field: '/remedy/software' },
    );
  }
  let availableAt: Date | null = null;
  if (remedy.availableAt !== undefined) {
    const ms = parseTimestamp(remedy.availableAt);
    if (ms === undefined) {
      throw new PlatformError('VALIDATION_FAILED', 'remedy.availableAt is not an RFC 3339 timestamp', {
        field: '/remedy/availableAt',
      });
    }
    availableAt = new Date(ms);
  }
  const from = productionBound(input.productionFrom, 'productionFrom');
  const to = productionBound(input.productionTo, 'productionTo');
  if (from !== null && to !== null && from > to) {
    throw new PlatformError('VALIDATION_FAILED', 'productionFrom is after productionTo', {
      field: 'productionTo',
    });
  }
  const filters: RecallFilters = {
    ...(input.modelIds === undefined ? {} : { modelIds: [...new Set(input.modelIds)].sort() }),
    ...(input.hardwareRevisions === undefined
      ? {}
      : { hardwareRevisions: [...new Set(input.hardwareRevisions)].sort() }),
    ...(input.software === undefined
      ? {}
      : {
          software: {
            component: input.software.component,
            versions: [...new Set(input.software.versions)].sort(),
          },
        }),
    ...(from === null ? {} : { productionFrom: from }),
    ...(to === null ? {} : { productionTo: to }),
  };
  return { filters, availableAt };
}

/**
 * The units of a campaign, in one statement: every robot (of `manufacturer`, when set) matching
 * the filters. A robot's current software of a component is the `toVersion` of its latest
 * software_update of it, else the version its latest signed telemetry attests.
 */
const INSERT_UNITS_SQL = `
INSERT INTO campaign_units (campaign_id, robot_uuid, robot_id, status)
SELECT $1, r.id, r.robot_id, 'open' FROM robots r
 WHERE ($2::uuid IS NULL OR r.manufacturer_id = $2::uuid)
   AND ($3::uuid[] IS NULL OR r.model_id = ANY ($3::uuid[]))
   AND ($4::text[] IS NULL OR r.hardware_revision = ANY ($4::bpchar[]))
   AND ($5::date IS NULL OR r.production_date >= $5::date)
   AND ($6::date IS NULL OR r.production_date <= $6::date)
   AND ($7::text IS NULL OR COALESCE(
         (SELECT e.data->>'toVersion' FROM robot_events e
           WHERE e.robot_uuid = r.id AND e.type = 'software_update' AND e.data->>'component' = $7::text
           ORDER BY e.ledger_index DESC LIMIT 1),
         (SELECT s.software->>$7::text FROM telemetry_software_reports s
           WHERE s.robot_uuid = r.id AND s.software ? $7::text
           ORDER BY s.reported_at DESC, s.seq DESC LIMIT 1)) = ANY ($8::text[]))`;

/** Checks the campaign's models: a manufacturer's own, or (for an authority) existing ones. */
async function checkModels(tx: SqlClient, actor: Actor, modelIds: readonly string[] | undefined) {
  if (modelIds === undefined || modelIds.length === 0) return;
  const { rows } = await tx.query<{ id: string; manufacturer_id: string }>(
    'SELECT id, manufacturer_id FROM models WHERE id = ANY ($1::uuid[])',
    [modelIds],
  );
  const known = new Map(rows.map((r) => [r.id, r.manufacturer_id]));
  for (const id of modelIds) {
    const maker = known.get(id);
    if (maker === undefined || (actor.kind === 'manufacturer' && maker !== actor.orgId)) {
      throw new PlatformError('MODEL_NOT_FOUND', 'no such model among those this campaign may name', {
        modelId: id,
        field: '/modelIds',
      });
    }
  }
}

/** Opens a recall campaign: 201 with the campaign and its number of affected units. */
export async function openRecall(ctx: AppContext, actor: Actor, input: NewRecall) {
  if (actor.kind !== 'manufacturer' && !seesEverything(actor.kind)) {
    throw new PlatformError('FORBIDDEN', 'recalls are opened by a manufacturer, the registry or a regulator');
  }
  const now = ctx.clock();
  const { filters, availableAt } = checkRecall(input);
  return ctx.ledger.run(async (tx, ledger) => {
    const taken = await tx.query('SELECT 1 FROM recall_campaigns WHERE campaign_id = $1', [input.campaignId]);
    if (taken.rows.length > 0) {
      throw new PlatformError('RECALL_EXISTS', 'a recall campaign with this campaignId exists', {
        campaignId: input.campaignId,
      });
    }
    await checkModels(tx, actor, filters.modelIds);
    const manufacturerId = actor.kind === 'manufacturer' ? actor.orgId : null;
    const row: RecallCampaignRow = {
      campaign_id: input.campaignId,
      opened_by: actor.orgId,
      manufacturer_id: manufacturerId,
      filters,
      component: input.component,
      summary: input.summary,
      consequence: input.consequence,
      remedy_type: input.remedy.type,
      remedy_component: input.remedy.software?.component ?? null,
      remedy_version: input.remedy.software?.version ?? null,
      remedy_available_at: availableAt,
      do_not_operate: input.doNotOperate ?? false,
      opened_at: now,
      affected: 0,
      ledger_index: ledger.nextIndex,
    };
    await tx.query(
      `INSERT INTO recall_campaigns (campaign_id, opened_by, manufacturer_id, filters, component, summary,
         consequence, remedy_type, remedy_component, remedy_version, remedy_available_at, do_not_operate,
         opened_at, affected, ledger_index)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14)`,
      [
        row.campaign_id,
        row.opened_by,
        row.manufacturer_id,
        JSON.stringify(filters),
        row.component,
        row.summary,
        row.consequence,
        row.remedy_type,
        row.remedy_component,
        row.remedy_version,
        row.remedy_available_at,
        row.do_not_operate,
        row.opened_at,
        row.ledger_index,
      ],
    );
    const inserted = await tx.query(INSERT_UNITS_SQL, [
      row.campaign_id,
      manufacturerId,
      filters.modelIds ?? null,
      filters.hardwareRevisions ?? null,
      filters.productionFrom ?? null,
      filters.productionTo ?? null,
      filters.software?.component ?? null,
      filters.software?.versions ?? null,
    ]);
    row.affected = inserted.rowCount;
    await tx.query('UPDATE recall_campaigns SET affected = $2 WHERE campaign_id = $1', [
      row.campaign_id,
      row.affected,
    ]);
    const index = await appendRecord(tx, ledger, recallCampaignRecord, row.campaign_id, row);
    if (index !== row.ledger_index)
      throw new PlatformError('INTERNAL_INVARIANT', 'campaign ledger index moved');
    if (row.do_not_operate) await suspendUnits(tx, ledger, row, now);
    const owners = await tx.query<{ owner_id: string }>(
      `SELECT DISTINCT r.owner_id FROM campaign_units u JOIN robots r ON r.id = u.robot_uuid
        WHERE u.campaign_id = $1 ORDER BY r.owner_id`,
      [row.campaign_id],
    );
    await notify(tx, {
      orgIds: owners.rows.map((o) => o.owner_id),
      type: 'recall.opened',
      subject: row.campaign_id,
      data: {
        // No free text (docs/notifications.md): the summary is read from GET /v1/recalls/{id}.
        campaignId: row.campaign_id,
        remedyType: row.remedy_type,
        remedyAvailableAt: row.remedy_available_at?.toISOString() ?? null,
        doNotOperate: row.do_not_operate,
      },
      at: now,
    });
    return campaignView(row);
  });
}

/**
 * doNotOperate: suspends (reason recall) every unit that is still a working machine (filed, in
 * service or in maintenance), through the same robot event as a lifecycle suspension; a robot
 * already suspended stays as it is.
 */
async function suspendUnits(tx: SqlClient, ledger: LedgerAppender, campaign: RecallCampaignRow, now: Date) {
  const { rows } = await tx.query<Pick<RobotRow, 'id' | 'robot_id' | 'status'>>(
    `SELECT r.id, r.robot_id, r.status FROM campaign_units u JOIN robots r ON r.id = u.robot_uuid
      WHERE u.campaign_id = $1 AND r.status IN ('filed', 'in_service', 'maintenance')
      ORDER BY r.id FOR UPDATE OF r`,
    [campaign.campaign_id],
  );
  if (rows.length === 0) return;
  const ids = rows.map((r) => r.id);
  await tx.query(
    `UPDATE robots SET status_before_suspension = status, status = 'suspended', suspended_by = $2, updated_at = $3
      WHERE id = ANY ($1::uuid[])`,
    [ids, campaign.opened_by, now],
  );
  for (const robot of rows) {
    await insertRobotEvent(tx, ledger, robot, {
      type: 'suspension',
      occurredAt: now,
      recordedAt: now,
      actorOrgId: campaign.opened_by,
      fromStatus: robot.status,
      toStatus: 'suspended',
      data: {
        reason: 'recall',
        note: `recall campaign ${campaign.campaign_id}`,
        campaignId: campaign.campaign_id,
      },
    });
  }
  await tx.query(
    'UPDATE campaign_units SET suspended = true WHERE campaign_id = $1 AND robot_uuid = ANY ($2::uuid[])',
    [campaign.campaign_id, ids],
  );
}

interface Counts {
  remedied: number;
  open: number;
  unavailable: number;
  declined: number;
}

function campaignView(row: RecallCampaignRow) {
  const f = row.filters;
  return {
    campaignId: row.campaign_id,
    openedBy: row.opened_by,
    manufacturerId: row.manufacturer_id,
    modelIds: f.modelIds ?? null,
    hardwareRevisions: f.hardwareRevisions ?? null,
    software: f.software ?? null,
    productionFrom: f.productionFrom ?? null,
    productionTo: f.productionTo ?? null,
    component: row.component,
    summary: row.summary,
    consequence: row.consequence,
    remedy: {
      type: row.remedy_type,
      software:
        row.remedy_type === 'software'
          ? { component: row.remedy_component!, version: row.remedy_version! }
          : null,
      availableAt: row.remedy_available_at?.toISOString() ?? null,
    },
    doNotOperate: row.do_not_operate,
    openedAt: row.opened_at.toISOString(),
    affected: row.affected,
    ledgerIndex: row.ledger_index,
  };
}

function progressView(row: RecallCampaignRow, counts: Counts) {
  const reachable = row.affected - counts.unavailable;
  return {
    ...campaignView(row),
    ...counts,
    // Remedied among the units that can still be remedied (unavailable units leave the
    // denominator); 0 when there are none.
    completionRate: reachable > 0 ? counts.remedied / reachable : 0,
  };
}

async function campaignOr404(client: SqlClient, campaignId: string): Promise<RecallCampaignRow> {
  const row = await loadCampaign(client, campaignId);
  if (!row) throw new PlatformError('RECALL_NOT_FOUND', 'no recall campaign has this id', { campaignId });
  return row;
}

/** A campaign with its progress. Recalls are public notices: every organisation may read one. */
export async function getRecall(ctx: AppContext, _actor: Actor, campaignId: string) {
  const now = ctx.clock();
  const row = await campaignOr404(ctx.db, campaignId);
  const { rows } = await ctx.db.query<{ status: UnitStatus; n: number | string }>(
    `SELECT ${unitStatusSql('$2')} AS status, count(*) AS n
       FROM campaign_units u JOIN robots r ON r.id = u.robot_uuid JOIN recall_campaigns c ON c.campaign_id = u.campaign_id
      WHERE u.campaign_id = $1 GROUP BY 1`,
    [campaignId, now],
  );
  const by = new Map(rows.map((r) => [r.status, Number(r.n)]));
  return progressView(row, {
    remedied: by.get('remedied') ?? 0,
    open: (by.get('open') ?? 0) + (by.get('open_remedy_not_available') ?? 0),
    unavailable: by.get('unavailable') ?? 0,
    declined: by.get('declined') ?? 0,
  });
}

interface UnitRow {
  robot_id: string;
  status: UnitStatus;
  suspended: boolean;
  remedied_at: Date | null;
  remedied_by_event: string | null;
  attested_seq: number | null;
  declined_at: Date | null;
  decline_reason: string | null;
  robot_uuid: string;
}

function unitView(u: UnitRow) {
  return {
    robotId: u.robot_id.trim(),
    status: u.status,
    suspendedByCampaign: u.suspended,
    remediedAt: u.remedied_at?.toISOString() ?? null,
    remediedByEventId: u.remedied_by_event,
    attestedSeq: u.attested_seq,
    declinedAt: u.declined_at?.toISOString() ?? null,
    declineReason: u.decline_reason,
  };
}

/**
 * A campaign's units. The registry, regulators, the organisation that opened it and the
 * manufacturer it recalls for see every unit; any other organisation the units it owns.
 */
export async function listRecallUnits(
  ctx: AppContext,
  actor: Actor,
  campaignId: string,
  page: { limit: number; cursor: string | undefined; status: UnitStatus | undefined },
) {
  if (page.cursor !== undefined && !/^[0-9a-f-]{36}$/.test(page.cursor)) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is not one this list returned', { field: 'cursor' });
  }
  const now = ctx.clock();
  const row = await campaignOr404(ctx.db, campaignId);
  const all =
    seesEverything(actor.kind) || row.opened_by === actor.orgId || row.manufacturer_id === actor.orgId;
  const { rows } = await ctx.db.query<UnitRow>(
    `SELECT * FROM (
       SELECT r.robot_id, ${unitStatusSql('$2')} AS status, u.suspended, u.remedied_at, u.remedied_by_event,
              u.attested_seq, u.declined_at, u.decline_reason, u.robot_uuid
         FROM campaign_units u JOIN robots r ON r.id = u.robot_uuid JOIN recall_campaigns c ON c.campaign_id = u.campaign_id
        WHERE u.campaign_id = $1 AND ($3 OR r.owner_id = $4::uuid OR r.manufacturer_id = $4::uuid)
          AND ($5::uuid IS NULL OR u.robot_uuid > $5::uuid)) x
      WHERE ($6::text IS NULL OR x.status = $6::text)
      ORDER BY x.robot_uuid LIMIT $7`,
    [campaignId, now, all, actor.orgId, page.cursor ?? null, page.status ?? null, page.limit + 1],
  );
  const items = rows.slice(0, page.limit);
  return {
    items: items.map(unitView),
    nextCursor: rows.length > page.limit ? items[items.length - 1]!.robot_uuid : null,
  };
}

/** The recall campaigns affecting a robot, each with the robot's unit. */
export async function robotRecalls(ctx: AppContext, actor: Actor, robotIdInput: string) {
  const now = ctx.clock();
  const { robot } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.read', now);
  const { rows } = await ctx.db.query<
    RecallCampaignRow & { unit_status: UnitStatus } & Omit<UnitRow, 'status'>
  >(
    `SELECT c.*, ${unitStatusSql('$2')} AS unit_status, r.robot_id, u.suspended, u.remedied_at, u.remedied_by_event,
            u.attested_seq, u.declined_at, u.decline_reason, u.robot_uuid
       FROM campaign_units u JOIN recall_campaigns c ON c.campaign_id = u.campaign_id JOIN robots r ON r.id = u.robot_uuid
      WHERE u.robot_uuid = $1 ORDER BY c.opened_at, c.campaign_id`,
    [robot.id, now],
  );
  return {
    items: rows.map((r) => ({
      ...campaignView(r),
      unit: unitView({ ...r, status: r.unit_status }),
    })),
  };
}

/** The owner records that it refuses a unit's remedy (ledgered, kind recall_decline). */
export async function declineRecallUnit(
  ctx: AppContext,
  actor: Actor,
  campaignId: string,
  robotIdInput: string,
  input: { reason?: string | undefined },
) {
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    const { robot, relation } = await robotForAction(tx, actor, robotIdInput, 'robot.read', now, {
      forUpdate: true,
    });
    if (!relation.isOwner) throw new PlatformError('FORBIDDEN', 'only the owner declines a recall remedy');
    const unit = await tx.query<{ status: string }>(
      'SELECT status FROM campaign_units WHERE campaign_id = $1 AND robot_uuid = $2 FOR UPDATE',
      [campaignId, robot.id],
    );
    const found = unit.rows[0];
    if (!found) {
      throw new PlatformError('RECALL_NOT_FOUND', 'no recall campaign with this id affects this robot', {
        campaignId,
      });
    }
    if (found.status === 'remedied') {
      throw new PlatformError('RECALL_UNIT_REMEDIED', 'this robot’s unit is already remedied', {
        campaignId,
      });
    }
    const decline: RecallDeclineRow = {
      campaign_id: campaignId,
      robot_uuid: robot.id,
      robot_id: robot.robot_id,
      declined_by: actor.orgId,
      declined_at: now,
      decline_reason: input.reason ?? null,
    };
    const index = ledger.nextIndex;
    await tx.query(
      `UPDATE campaign_units SET status = 'declined', declined_by = $3, declined_at = $4,
              decline_reason = $5, decline_ledger_index = $6
        WHERE campaign_id = $1 AND robot_uuid = $2`,
      [campaignId, robot.id, actor.orgId, now, decline.decline_reason, index],
    );
    await appendRecord(tx, ledger, recallDeclineRecord, declineRecordId(campaignId, robot.id), decline);
    return {
      campaignId,
      robotId: robot.robot_id.trim(),
      status: 'declined' as const,
      declinedAt: now.toISOString(),
      declineReason: decline.decline_reason,
      ledgerIndex: index,
    };
  });
}

/**
 * Marks a unit remedied (by `eventId`, at `at`), reinstates the robot if this campaign suspended
 * it and no other doNotOperate campaign still holds it, and tells its owner and the campaign's
 * opener (`recall.remedied`).
 */
async function markRemedied(
  tx: SqlClient,
  ledger: LedgerAppender,
  unit: { campaign_id: string; robot_uuid: string },
  eventId: string,
  attestedSeq: number | null,
  at: Date,
  now: Date,
): Promise<void> {
  const { rows } = await tx.query<{ suspended: boolean; opened_by: string; do_not_operate: boolean }>(
    `UPDATE campaign_units u SET status = 'remedied', remedied_at = $3, remedied_by_event = $4, attested_seq = $5
       FROM recall_campaigns c
      WHERE u.campaign_id = $1 AND u.robot_uuid = $2 AND c.campaign_id = u.campaign_id AND u.status <> 'remedied'
      RETURNING u.suspended, c.opened_by, c.do_not_operate`,
    [unit.campaign_id, unit.robot_uuid, at, eventId, attestedSeq],
  );
  const done = rows[0];
  if (!done) return;
  const robots = await tx.query<RobotRow>('SELECT * FROM robots WHERE id = $1 FOR UPDATE', [unit.robot_uuid]);
  const robot = robots.rows[0]!;
  if (done.suspended && robot.status === 'suspended' && robot.suspended_by === done.opened_by) {
    const holding = await tx.query(
      `SELECT 1 FROM campaign_units u JOIN recall_campaigns c ON c.campaign_id = u.campaign_id
        WHERE u.robot_uuid = $1 AND u.status <> 'remedied' AND c.do_not_operate LIMIT 1`,
      [unit.robot_uuid],
    );
    const last = await tx.query<{ campaign_id: string | null }>(
      `SELECT data->>'campaignId' AS campaign_id FROM robot_events
        WHERE robot_uuid = $1 AND type = 'suspension' ORDER BY ledger_index DESC LIMIT 1`,
      [unit.robot_uuid],
    );
    if (holding.rows.length === 0 && last.rows[0]?.campaign_id === unit.campaign_id) {
      const decision = decideTransition(
        { status: robot.status, statusBeforeSuspension: robot.status_before_suspension },
        { type: 'reinstatement' },
      );
      if (decision.ok) {
        await tx.query(
          `UPDATE robots SET status = $2, status_before_suspension = NULL, suspended_by = NULL, updated_at = $3
            WHERE id = $1`,
          [robot.id, decision.to, now],
        );
        await insertRobotEvent(tx, ledger, robot, {
          type: 'reinstatement',
          occurredAt: now,
          recordedAt: now,
          actorOrgId: done.opened_by,
          fromStatus: decision.from,
          toStatus: decision.to as RobotStatus,
          data: { note: `recall campaign ${unit.campaign_id} remedied`, campaignId: unit.campaign_id },
        });
      }
    }
  }
  await notify(tx, {
    orgIds: [robot.owner_id, done.opened_by],
    type: 'recall.remedied',
    subject: unit.campaign_id,
    data: { campaignId: unit.campaign_id, robotId: robot.robot_id.trim(), remediedAt: at.toISOString() },
    at: now,
  });
}

/**
 * A maintenance event naming `campaignId` (docs/recalls.md): the campaign must affect the robot
 * (else 404 RECALL_NOT_FOUND, which undoes the event). A completed or performed maintenance
 * remedies a part or inspection campaign's unit; a software campaign is remedied only by its
 * update and the robot's attestation, so there the event is linked work and nothing more.
 */
export async function maintenanceNamesCampaign(
  tx: SqlClient,
  ledger: LedgerAppender,
  robotUuid: string,
  campaignId: string,
  event: { id: string; phase: string; occurredAt: Date },
  now: Date,
): Promise<void> {
  const { rows } = await tx.query<{ remedy_type: RemedyType }>(
    `SELECT c.remedy_type FROM campaign_units u JOIN recall_campaigns c ON c.campaign_id = u.campaign_id
      WHERE u.campaign_id = $1 AND u.robot_uuid = $2`,
    [campaignId, robotUuid],
  );
  const found = rows[0];
  if (!found) {
    throw new PlatformError('RECALL_NOT_FOUND', 'no recall campaign with this id affects this robot', {
      campaignId,
      field: '/data/campaignId',
    });
  }
  if (found.remedy_type === 'software' || event.phase === 'started') return;
  await markRemedied(
    tx,
    ledger,
    { campaign_id: campaignId, robot_uuid: robotUuid },
    event.id,
    null,
    event.occurredAt,
    now,
  );
}

/**
 * Settles software remedies: a unit not yet remedied whose robot has a software_update to the
 * remedy version and, at or after it, a telemetry batch attesting that version. Runs in the
 * caller's unit of work; `robotUuid` narrows it to one robot. Returns how many it remedied.
 */
export async function settleRecallUnits(
  tx: SqlClient,
  ledger: LedgerAppender,
  now: Date,
  robotUuid?: string,
): Promise<number> {
  const { rows } = await tx.query<{
    campaign_id: string;
    robot_uuid: string;
    event_id: string;
    seq: number;
    at: Date;
  }>(
    `SELECT u.campaign_id, u.robot_uuid, e.id AS event_id, s.seq, greatest(e.occurred_at, s.reported_at) AS at
       FROM campaign_units u
       JOIN recall_campaigns c ON c.campaign_id = u.campaign_id AND c.remedy_type = 'software'
       CROSS JOIN LATERAL (
         SELECT e.id, e.occurred_at FROM robot_events e
          WHERE e.robot_uuid = u.robot_uuid AND e.type = 'software_update'
            AND e.data->>'component' = c.remedy_component AND e.data->>'toVersion' = c.remedy_version
          ORDER BY e.ledger_index LIMIT 1) e
       CROSS JOIN LATERAL (
         SELECT s.seq, s.reported_at FROM telemetry_software_reports s
          WHERE s.robot_uuid = u.robot_uuid AND s.reported_at >= e.occurred_at
            AND s.software->>c.remedy_component = c.remedy_version
          ORDER BY s.reported_at, s.seq LIMIT 1) s
      WHERE u.status <> 'remedied' AND ($1::uuid IS NULL OR u.robot_uuid = $1::uuid)
      ORDER BY u.campaign_id, u.robot_uuid`,
    [robotUuid ?? null],
  );
  for (const r of rows) await markRemedied(tx, ledger, r, r.event_id, r.seq, r.at, now);
  return rows.length;
}

/** One settling pass over every campaign, in its own unit of work (the recall sweep runs it). */
export function settleRecalls(ctx: AppContext): Promise<number> {
  return ctx.ledger.run((tx, ledger) => settleRecallUnits(tx, ledger, ctx.clock()));
}
