// Finding a robot for a request: parse the ID (a malformed one is a coded 400 with the
// validator's position), resolve any ID the robot ever had (re-coded robots keep one history),
// work out how the actor stands to it, and ask the access policy.
import {
  decideRobotAccess,
  GRANT_SCOPES,
  type GrantScope,
  type RobotAction,
  type RobotRelation,
} from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import type { RobotStatus } from '../../../core/lifecycle.js';
import { type Actor, seesEverything } from '../../../core/organisation.js';
import { validateRobotId } from '../../../robot-id/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import { enforce } from '../policy-enforcement.js';

export interface RobotRow {
  id: string;
  robot_id: string;
  model_id: string;
  manufacturer_id: string;
  hardware_revision: string;
  site_id: string;
  production_date: Date;
  intelligence_level_filed: number;
  intelligence_level: number;
  owner_id: string;
  status: RobotStatus;
  status_before_suspension: RobotStatus | null;
  suspended_by: string | null;
  filed_at: Date;
  updated_at: Date;
}

/** The canonical form of a robot ID from a path or body, or a coded 400 naming the problem. */
export function canonicalRobotId(input: string): string {
  const validation = validateRobotId(input);
  if (validation.valid) return validation.id;
  const { code, message, position, expected, alphabet } = validation.error;
  throw new PlatformError(code, message, {
    ...(position === undefined ? {} : { position }),
    ...(expected === undefined ? {} : { expected }),
    ...(alphabet === undefined ? {} : { alphabet }),
    ...(validation.suggestion === undefined ? {} : { suggestion: validation.suggestion }),
  });
}

/** The robot any of whose IDs (current or superseded) is `robotId`; `forUpdate` locks its row. */
export async function findRobot(
  client: SqlClient,
  robotId: string,
  forUpdate = false,
): Promise<RobotRow | null> {
  const { rows } = await client.query<RobotRow>(
    `SELECT r.* FROM robot_ids i JOIN robots r ON r.id = i.robot_uuid WHERE i.robot_id = $1${forUpdate ? ' FOR UPDATE OF r' : ''}`,
    [robotId],
  );
  return rows[0] ?? null;
}

/** A software update's component and version, to know whether it installs a recall's remedy. */
export interface SoftwareInstall {
  component: string;
  version: string;
}

/** How `actor` stands to `robot` at `now` (for a software update: `install`). */
export async function robotRelation(
  client: SqlClient,
  actor: Actor,
  robot: RobotRow,
  now: Date,
  install?: SoftwareInstall,
): Promise<RobotRelation> {
  const { rows } = await client.query<{ scopes: string[] }>(
    `SELECT scopes FROM grants
      WHERE robot_uuid = $1 AND org_id = $2 AND revoked_at IS NULL AND expires_at > $3`,
    [robot.id, actor.orgId, now],
  );
  const scopes = new Set<GrantScope>();
  for (const row of rows) {
    for (const s of row.scopes)
      if ((GRANT_SCOPES as readonly string[]).includes(s)) scopes.add(s as GrantScope);
  }
  const isOwner = robot.owner_id === actor.orgId;
  const isManufacturer = robot.manufacturer_id === actor.orgId;
  return {
    isOwner,
    isManufacturer,
    grantScopes: [...scopes],
    // Authorities read everything anyway: no need to ask whether they once owned it.
    ...(!isManufacturer && !seesEverything(actor.kind) && (await handedOn(client, robot.id, actor.orgId))
      ? { formerOwner: true }
      : {}),
    suspendedByActor: robot.status === 'suspended' && robot.suspended_by === actor.orgId,
    ...(install && robot.manufacturer_id === actor.orgId
      ? { installsRecallRemedy: await installsRecallRemedy(client, robot.id, install) }
      : {}),
  };
}

/** Whether `orgId` gave the robot away in an accepted transfer: it owned it in an ended period. */
async function handedOn(client: SqlClient, robotUuid: string, orgId: string): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM robot_events
      WHERE robot_uuid = $1 AND type = 'ownership_transfer' AND data->>'fromOrgId' = $2 LIMIT 1`,
    [robotUuid, orgId],
  );
  return rows.length > 0;
}

/** Whether `install` is the software remedy of a recall affecting the robot, not remedied on it yet. */
async function installsRecallRemedy(
  client: SqlClient,
  robotUuid: string,
  install: SoftwareInstall,
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM campaign_units u JOIN recall_campaigns c ON c.campaign_id = u.campaign_id
      WHERE u.robot_uuid = $1 AND u.status <> 'remedied' AND c.remedy_type = 'software'
        AND c.remedy_component = $2 AND c.remedy_version = $3
      LIMIT 1`,
    [robotUuid, install.component, install.version],
  );
  return rows.length > 0;
}

/**
 * The robot named by `robotIdInput` if `actor` may do `action` on it: 400 for a malformed ID,
 * 404 for an unknown robot or one the actor may not even know exists, 403 otherwise.
 */
export async function robotForAction(
  client: SqlClient,
  actor: Actor,
  robotIdInput: string,
  action: RobotAction,
  now: Date,
  options: { forUpdate?: boolean; install?: SoftwareInstall } = {},
): Promise<{ robot: RobotRow; relation: RobotRelation }> {
  const robotId = canonicalRobotId(robotIdInput);
  const robot = await findRobot(client, robotId, options.forUpdate ?? false);
  if (!robot) throw new PlatformError('ROBOT_NOT_FOUND', `no robot ${robotId} is visible to you`);
  const relation = await robotRelation(client, actor, robot, now, options.install);
  const decision = decideRobotAccess(actor, action, relation);
  if (!decision.allow && decision.conceal) {
    throw new PlatformError('ROBOT_NOT_FOUND', `no robot ${robotId} is visible to you`);
  }
  enforce(decision);
  return { robot, relation };
}
