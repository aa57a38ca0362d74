// Re-coding a robot: its manufacturer issues it a new ID; the old one is superseded, never freed.
import { PlatformError } from '../../../core/errors.js';
import { parseProductionDate } from '../../../core/filing.js';
import type { Actor } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import { robotForAction } from './robot-access.js';
import { insertRobotEvent } from './robot-event-writer.js';
import { buildRobotId, filingFacts } from './robot-filing-facts.js';
import { loadRobotView, type RobotView } from './robot-reads.js';
export interface RecodingRequest {
  hardwareRevision?: string | undefined;
  siteCode?: string | undefined;
  intelligenceLevel?: number | undefined;
  productionDate?: string | undefined;
}

/**
 * POST /v1/robots/{robotId}/recode: the robot's manufacturer issues it a new ID (say after a
 * hardware rebuild). The old ID is marked superseded, never freed; both resolve to the robot
 * and its one history. The unit sequence is newly allocated; the device key stays; the level
 * as filed changes only when given (and then the current level with it).
 */
export async function recodeRobot(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  input: RecodingRequest,
): Promise<RobotView> {
  return ctx.ledger.run(async (tx, ledger) => {
    const now = ctx.clock();
    const { robot, relation } = await robotForAction(tx, actor, robotIdInput, 'robot.read', now, {
      forUpdate: true,
    });
    if (!relation.isManufacturer) {
      throw new PlatformError('FORBIDDEN', 'only the robot’s manufacturer re-codes it');
    }
    if (robot.status === 'recycled') {
      throw new PlatformError('ILLEGAL_TRANSITION', 'a recycled robot cannot be re-coded', {
        status: robot.status,
      });
    }
    const current = await tx.query<{ production_date: string }>(
      'SELECT production_date::text AS production_date FROM robots WHERE id = $1',
      [robot.id],
    );
    const date = parseProductionDate(input.productionDate ?? current.rows[0]!.production_date, now);
    const revision = input.hardwareRevision ?? robot.hardware_revision;
    const level = input.intelligenceLevel ?? robot.intelligence_level_filed;
    const facts = await filingFacts(
      tx,
      robot.manufacturer_id,
      robot.model_id,
      revision,
      input.siteCode === undefined ? { id: robot.site_id } : { code: input.siteCode },
      true,
      null,
    );
    const unitSequence = facts.unit_sequence!;
    const newRobotId = buildRobotId(facts, level, date, revision, unitSequence);
    await tx.query(
      'UPDATE robot_ids SET superseded_at = $2 WHERE robot_uuid = $1 AND superseded_at IS NULL',
      [robot.id, now],
    );
    await tx.query(
      `INSERT INTO robot_ids (robot_id, robot_uuid, manufacturer_id, model_id, unit_sequence, issued_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [newRobotId, robot.id, robot.manufacturer_id, robot.model_id, unitSequence, now],
    );
    await tx.query(
      `UPDATE robots SET robot_id = $2, hardware_revision = $3, site_id = $4, production_date = $5::date,
                         intelligence_level_filed = $6,
                         intelligence_level = CASE WHEN $7::boolean THEN $6 ELSE intelligence_level END,
                         updated_at = $8
        WHERE id = $1`,
      [
        robot.id,
        newRobotId,
        revision,
        facts.site_id,
        date.text,
        level,
        input.intelligenceLevel !== undefined,
        now,
      ],
    );
    await insertRobotEvent(
      tx,
      ledger,
      { id: robot.id, robot_id: newRobotId },
      {
        type: 'recoding',
        occurredAt: now,
        recordedAt: now,
        actorOrgId: actor.orgId,
        fromStatus: robot.status,
        toStatus: robot.status,
        data: {
          previousRobotId: robot.robot_id,
          newRobotId,
          hardwareRevision: revision,
          siteId: facts.site_id,
          siteCode: facts.site_code,
          productionDate: date.text,
          intelligenceLevel: level,
          unitSequence,
        },
      },
    );
    return loadRobotView(tx, robot.id, now);
  });
}
