// Ledger records of recalls (docs/recalls.md): a campaign opened (kind recall_campaign, about
// many robots, so in no robot's chain; it commits to its filters and the number of units), and
// an owner's refusal of a unit's remedy (kind recall_decline, in the robot's records chain).
// Remedies are not records of their own: the maintenance event or software update that remedied
// a unit, and the telemetry batch that attested it, are ledgered already.
import type { SqlClient } from '../../db/sql-client.js';
import { isoTime } from '../../ledger/ledger-entry.js';
import { defineRecordKind } from '../../ledger/record-kinds.js';

export type RemedyType = 'software' | 'part' | 'inspection';
export const REMEDY_TYPES = ['software', 'part', 'inspection'] as const;

/** What selects a campaign's units; an omitted filter matches every robot. */
export interface RecallFilters {
  modelIds?: string[];
  hardwareRevisions?: string[];
  software?: { component: string; versions: string[] };
  /** Calendar dates (production dates are dates), inclusive. */
  productionFrom?: string;
  productionTo?: string;
}

export interface RecallCampaignRow {
  campaign_id: string;
  opened_by: string;
  manufacturer_id: string | null;
  filters: RecallFilters;
  component: string;
  summary: string;
  consequence: string;
  remedy_type: RemedyType;
  remedy_component: string | null;
  remedy_version: string | null;
  remedy_available_at: Date | null;
  do_not_operate: boolean;
  opened_at: Date;
  affected: number;
  ledger_index: number;
}

export interface RecallDeclineRow {
  campaign_id: string;
  robot_uuid: string;
  robot_id: string;
  declined_by: string;
  declined_at: Date;
  decline_reason: string | null;
}

export async function loadCampaign(client: SqlClient, campaignId: string): Promise<RecallCampaignRow | null> {
  const { rows } = await client.query<RecallCampaignRow>(
    'SELECT * FROM recall_campaigns WHERE campaign_id = $1',
    [campaignId],
  );
  return rows[0] ?? null;
}

export const recallCampaignRecord = defineRecordKind<RecallCampaignRow>({
  kind: 'recall_campaign',
  load: loadCampaign,
  record: (row) => ({
    kind: 'recall_campaign',
    id: row.campaign_id,
    openedBy: row.opened_by,
    manufacturer: row.manufacturer_id,
    filters: row.filters,
    component: row.component,
    summary: row.summary,
    consequence: row.consequence,
    remedy: {
      type: row.remedy_type,
      ...(row.remedy_type === 'software'
        ? { software: { component: row.remedy_component, version: row.remedy_version } }
        : {}),
      availableAt: row.remedy_available_at === null ? null : isoTime(row.remedy_available_at),
    },
    doNotOperate: row.do_not_operate,
    openedAt: isoTime(row.opened_at),
    affected: row.affected,
  }),
});

/** The ledger record id of an owner's refusal: `<campaignId>/<robot uuid>` (the unit's key). */
export function declineRecordId(campaignId: string, robotUuid: string): string {
  return `${campaignId}/${robotUuid}`;
}

export const recallDeclineRecord = defineRecordKind<RecallDeclineRow>({
  kind: 'recall_decline',
  chain: 'records',
  async load(client, id) {
    // `<campaignId>/<robot uuid>`: a campaign id has no '/', a uuid 36 characters.
    const slash = id.lastIndexOf('/');
    const robot = id.slice(slash + 1);
    if (slash <= 0 || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(robot))
      return null;
    const { rows } = await client.query<RecallDeclineRow>(
      `SELECT campaign_id, robot_uuid, robot_id, declined_by, declined_at, decline_reason
         FROM campaign_units WHERE campaign_id = $1 AND robot_uuid = $2 AND declined_at IS NOT NULL`,
      [id.slice(0, slash), robot],
    );
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'recall_decline',
    id: declineRecordId(row.campaign_id, row.robot_uuid),
    robot: row.robot_uuid,
    robotId: row.robot_id.trim(),
    campaignId: row.campaign_id,
    declinedBy: row.declined_by,
    declinedAt: isoTime(row.declined_at),
    reason: row.decline_reason,
  }),
});
