// Reading robots (docs/api.md "Models and filing"): one robot by any ID it ever had, with its ID
// decoded, its model, manufacturer, owner and current state; and the robots a caller may see.
import type { Brand } from '../../../core/certificate.js';
import { PlatformError } from '../../../core/errors.js';
import type { RobotStatus } from '../../../core/lifecycle.js';
import { type Actor, type OrgKind, seesEverything } from '../../../core/organisation.js';
import { decodeRobotId } from '../../../robot-id/index.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import { robotBrandNames } from '../approvals/brand-service.js';
import { type Certificate, loadCertificate } from '../approvals/certificate-reads.js';
import { canonicalRobotId, robotForAction } from './robot-access.js';

/** A model's columns as filing and the robot view select them. */
export interface ModelColumns {
  model_name: string;
  model_code: string;
  category: string;
  joint_count: number;
  min_battery_soh_pct: number;
  max_joint_wear: number;
  max_position_error_mm: number;
}

/** One row of ROBOT_VIEW_SQL: the robot and everything its API form shows. */
export interface RobotViewRow extends ModelColumns {
  id: string;
  robot_id: string;
  status: RobotStatus;
  intelligence_level: number;
  intelligence_level_filed: number;
  hardware_revision: string;
  /** `YYYY-MM-DD` (selected as text: a `date` has no time zone to be shifted by). */
  production_date: string;
  filed_at: Date;
  updated_at: Date;
  model_id: string;
  manufacturer_id: string;
  manufacturer_name: string;
  manufacturer_country: string;
  enterprise_code: string;
  owner_id: string;
  owner_name: string;
  owner_kind: OrgKind;
  site_id: string;
  site_code: string;
  site_name: string;
  site_region: string;
  device_public_key: Uint8Array | null;
  previous_robot_ids: string[];
  /** Index of the robot's filing event. */
  ledger_index: number;
}

export const ROBOT_VIEW_SQL = `
SELECT r.id, r.robot_id, r.status, r.intelligence_level, r.intelligence_level_filed, r.hardware_revision,
       r.production_date::text AS production_date, r.filed_at, r.updated_at,
       r.model_id, m.name AS model_name, m.model_code, m.category, m.joint_count,
       m.min_battery_soh_pct, m.max_joint_wear, m.max_position_error_mm,
       r.manufacturer_id, mf.name AS manufacturer_name, mf.country AS manufacturer_country, mf.enterprise_code,
       r.owner_id, ow.name AS owner_name, ow.kind AS owner_kind,
       r.site_id, s.code AS site_code, s.name AS site_name, s.region AS site_region,
       (SELECT k.public_key FROM device_keys k WHERE k.robot_uuid = r.id AND k.retired_at IS NULL) AS device_public_key,
       ARRAY(SELECT p.robot_id::text FROM robot_ids p
              WHERE p.robot_uuid = r.id AND p.superseded_at IS NOT NULL
              ORDER BY p.issued_at, p.robot_id) AS previous_robot_ids,
       (SELECT e.ledger_index FROM robot_events e
         WHERE e.robot_uuid = r.id AND e.type = 'filing' ORDER BY e.recorded_at LIMIT 1) AS ledger_index
  FROM robots r
  JOIN models m ON m.id = r.model_id
  JOIN organisations mf ON mf.id = r.manufacturer_id
  JOIN organisations ow ON ow.id = r.owner_id
  JOIN sites s ON s.id = r.site_id`;

export interface DecodedRobotIdView {
  scheme: string;
  display: string;
  country: string;
  countryName: string;
  enterprise: string;
  category: string;
  categoryName: string;
  model: string;
  levelAsFiled: number;
  levelLabel: string;
  productionYear: number;
  productionMonth: number;
  hardwareRevision: string;
  site: string;
  unitSequence: string;
  unitSequencePadded: string;
  check: string;
  modelCode: string;
  serial: string;
}

export interface RobotView {
  robotId: string;
  decoded: DecodedRobotIdView;
  model: {
    id: string;
    name: string;
    modelCode: string;
    category: string;
    jointCount: number;
    limits: { minBatterySohPct: number; maxJointWear: number; maxPositionErrorMm: number };
  };
  manufacturer: { id: string; name: string; country: string; enterpriseCode: string };
  owner: { id: string; name: string; kind: OrgKind };
  site: { id: string; code: string; name: string; region: string };
  status: RobotStatus;
  intelligenceLevel: number;
  intelligenceLevelFiled: number;
  hardwareRevision: string;
  productionDate: string;
  devicePublicKey: string | null;
  previousRobotIds: string[];
  /** Present when the robot was asked for by a superseded ID: its current ID. */
  supersededBy?: string;
  filedAt: string;
  updatedAt: string;
  ledgerIndex: number;
}

/** The decoded segments of a registered (hence valid) ID, as the API shows them. */
export function decodedView(robotId: string, referenceYear: number): DecodedRobotIdView {
  const d = decodeRobotId(robotId, { referenceYear });
  return {
    scheme: d.scheme,
    display: d.display,
    country: d.country,
    countryName: d.countryName,
    enterprise: d.enterprise,
    category: d.category,
    categoryName: d.categoryName,
    model: d.model,
    levelAsFiled: d.level,
    levelLabel: d.levelLabel,
    productionYear: d.productionYear,
    productionMonth: d.productionMonth,
    hardwareRevision: d.hardwareRevision,
    site: d.site,
    unitSequence: d.unitSequence,
    unitSequencePadded: d.unitSequencePadded,
    check: d.check,
    modelCode: d.modelCode,
    serial: d.serial,
  };
}

export function toRobotView(row: RobotViewRow, now: Date, requestedId?: string): RobotView {
  return {
    robotId: row.robot_id,
    decoded: decodedView(row.robot_id, now.getUTCFullYear()),
    model: {
      id: row.model_id,
      name: row.model_name,
      modelCode: row.model_code,
      category: row.category,
      jointCount: row.joint_count,
      limits: {
        minBatterySohPct: row.min_battery_soh_pct,
        maxJointWear: row.max_joint_wear,
        maxPositionErrorMm: row.max_position_error_mm,
      },
    },
    manufacturer: {
      id: row.manufacturer_id,
      name: row.manufacturer_name,
      country: row.manufacturer_country,
      enterpriseCode: row.enterprise_code,
    },
    owner: { id: row.owner_id, name: row.owner_name, kind: row.owner_kind },
    site: { id: row.site_id, code: row.site_code, name: row.site_name, region: row.site_region },
    status: row.status,
    intelligenceLevel: row.intelligence_level,
    intelligenceLevelFiled: row.intelligence_level_filed,
    hardwareRevision: row.hardware_revision,
    productionDate: row.production_date,
    devicePublicKey: row.device_public_key ? Buffer.from(row.device_public_key).toString('base64url') : null,
    previousRobotIds: row.previous_robot_ids,
    ...(requestedId !== undefined && requestedId !== row.robot_id ? { supersededBy: row.robot_id } : {}),
    filedAt: row.filed_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

/** The API form of the robot with internal id `robotUuid`. */
export async function loadRobotView(
  client: SqlClient,
  robotUuid: string,
  now: Date,
  requestedId?: string,
): Promise<RobotView> {
  const { rows } = await client.query<RobotViewRow>(`${ROBOT_VIEW_SQL} WHERE r.id = $1`, [robotUuid]);
  const row = rows[0];
  if (!row) throw new PlatformError('ROBOT_NOT_FOUND', 'no such robot');
  return toRobotView(row, now, requestedId);
}

/** One robot as GET /v1/robots/{robotId} shows it: the view, its certificate and its brands. */
export type RobotDetail = RobotView & {
  certificate: Pick<Certificate, 'valid' | 'reasons' | 'approvalId'>;
  brands: Brand[];
};

/** GET /v1/robots/{robotId}: any ID the robot ever had, canonical or display form. */
export async function getRobot(ctx: AppContext, actor: Actor, robotIdInput: string): Promise<RobotDetail> {
  const now = ctx.clock();
  const requestedId = canonicalRobotId(robotIdInput);
  const { robot } = await robotForAction(ctx.db, actor, requestedId, 'robot.read', now);
  const view = await loadRobotView(ctx.db, robot.id, now, requestedId);
  const { valid, reasons, approvalId } = await loadCertificate(ctx.db, robot.id, now);
  return {
    ...view,
    certificate: { valid, reasons, approvalId },
    brands: await robotBrandNames(ctx.db, robot.id),
  };
}

export interface RobotListQuery {
  limit: number;
  cursor: string | undefined;
  status: RobotStatus | undefined;
  modelId: string | undefined;
}

/**
 * GET /v1/robots: registry and regulators see every robot; others the robots they made, own,
 * or hold a live grant on (core/access-policy.ts). Keyset pagination on the current robot ID.
 */
export async function listRobots(
  ctx: AppContext,
  actor: Actor,
  query: RobotListQuery,
): Promise<{ items: RobotView[]; nextCursor: string | null }> {
  // The cursor is the last robot ID of the page before (canonical: 29 characters of [0-9A-Z]);
  // anything else would compare as text and quietly answer some page.
  if (query.cursor !== undefined && !/^[0-9A-Z]{29}$/.test(query.cursor)) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is not one this list returned', { field: 'cursor' });
  }
  const now = ctx.clock();
  const { rows } = await ctx.db.query<RobotViewRow>(
    `${ROBOT_VIEW_SQL}
      WHERE ($1::boolean OR r.manufacturer_id = $2::uuid OR r.owner_id = $2::uuid
             OR EXISTS (SELECT 1 FROM grants g
                         WHERE g.robot_uuid = r.id AND g.org_id = $2::uuid
                           AND g.revoked_at IS NULL AND g.expires_at > $3))
        AND ($4::text IS NULL OR r.status = $4::text)
        AND ($5::uuid IS NULL OR r.model_id = $5::uuid)
        AND ($6::bpchar IS NULL OR r.robot_id > $6::bpchar)
      ORDER BY r.robot_id
      LIMIT $7`,
    [
      seesEverything(actor.kind),
      actor.orgId,
      now,
      query.status ?? null,
      query.modelId ?? null,
      query.cursor ?? null,
      query.limit + 1,
    ],
  );
  const items = rows.slice(0, query.limit).map((row) => toRobotView(row, now));
  return { items, nextCursor: rows.length > query.limit ? items[items.length - 1]!.robotId : null };
}
