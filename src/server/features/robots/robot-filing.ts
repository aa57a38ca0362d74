// Filing a robot and issuing its ID (docs/api.md "Models and filing", docs/robot-id.md "Issuing"). A filing writes the robot, its first ID,
// its device key and the `filing` event in one unit of work with one ledger leaf: either all of
// it is durable or none. (Re-coding is robot-recoding.ts.)
//
// Units of work run one after another inside the ledger's group-commit transaction, so each
// round trip a filing makes there is paid by every filing queued behind it. A filing therefore
// does everything it can before the unit of work (validation, the catalogue look-up, allocating
// its unit sequence) and inside it only one statement: check and insert together.
import { randomUUID } from 'node:crypto';
import { decideRegistryAccess } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import { type ProductionDate, parseProductionDate, unitSequenceOfSerial } from '../../../core/filing.js';
import type { Actor } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { enforce } from '../policy-enforcement.js';
import { devicePublicKeyBytes } from './device-key.js';
import { allocateUnitSequence, buildRobotId, type FilingFacts, filingFacts } from './robot-filing-facts.js';
import { type RobotView, type RobotViewRow, toRobotView } from './robot-reads.js';
import { type RobotEventRow, robotEventRecord } from './robot-records.js';

export interface FilingRequest {
  modelId: string;
  hardwareRevision: string;
  siteCode: string;
  productionDate: string;
  intelligenceLevel: number;
  serial?: string | undefined;
  devicePublicKey: string;
}

interface NewRobot {
  robotUuid: string;
  robotId: string;
  manufacturerId: string;
  facts: FilingFacts & { model_id: string; site_id: string };
  hardwareRevision: string;
  date: ProductionDate;
  level: number;
  unitSequence: string;
  publicKey: Uint8Array;
  at: Date;
  data: Record<string, unknown>;
}

type FilingOutcome = { unit_free: boolean; key_free: boolean } & Partial<RobotEventRow>;

/**
 * Writes the robot, its first ID, its device key and its filing event in one statement, guarded
 * by the two checks that need the ledger's lock: the unit sequence is not yet issued for the
 * model and the key is no robot's. Foreign keys are checked at the end of the statement. When a
 * check fails nothing is written and the event columns are null.
 */
async function insertFiledRobot(
  tx: SqlClient,
  ledger: LedgerAppender,
  robot: NewRobot,
): Promise<FilingOutcome> {
  const { rows } = await tx.query<FilingOutcome>(
    `WITH checks AS (
       SELECT NOT EXISTS (SELECT 1 FROM robot_ids
                           WHERE manufacturer_id = $4 AND model_id = $3 AND unit_sequence = $10::bpchar) AS unit_free,
              NOT EXISTS (SELECT 1 FROM device_keys WHERE public_key = $11::bytea) AS key_free),
     go AS (SELECT 1 FROM checks WHERE unit_free AND key_free),
     robot AS (
       INSERT INTO robots (id, robot_id, model_id, manufacturer_id, hardware_revision, site_id, production_date,
                           intelligence_level_filed, intelligence_level, owner_id, status, filed_at, updated_at)
       SELECT $1, $2, $3, $4, $5, $6, $7::date, $8, $8, $4, 'filed', $9, $9 FROM go),
     issued AS (
       INSERT INTO robot_ids (robot_id, robot_uuid, manufacturer_id, model_id, unit_sequence, issued_at)
       SELECT $2, $1, $4, $3, $10, $9 FROM go),
     device_key AS (
       INSERT INTO device_keys (robot_uuid, public_key, valid_from) SELECT $1, $11, $9 FROM go),
     event AS (
       INSERT INTO robot_events (id, robot_uuid, robot_id, type, occurred_at, recorded_at, actor_org_id,
                                 from_status, to_status, data, ledger_index)
       SELECT $12, $1, $2, 'filing', $9, $9, $4, NULL, 'filed', $13::text::jsonb, $14 FROM go
       RETURNING *)
     SELECT checks.unit_free, checks.key_free, event.* FROM checks LEFT JOIN event ON true`,
    [
      robot.robotUuid,
      robot.robotId,
      robot.facts.model_id,
      robot.manufacturerId,
      robot.hardwareRevision,
      robot.facts.site_id,
      robot.date.text,
      robot.level,
      robot.at,
      robot.unitSequence,
      robot.publicKey,
      randomUUID(),
      JSON.stringify(robot.data),
      ledger.nextIndex,
    ],
  );
  const outcome = rows[0]!;
  if (outcome.unit_free && outcome.key_free) {
    const { unit_free: _u, key_free: _k, ...event } = outcome;
    await appendRecord(tx, ledger, robotEventRecord, event.id!, event as RobotEventRow);
  }
  return outcome;
}

/** POST /v1/robots: files a unit of one of the manufacturer's models and issues its ID. */
export async function fileRobot(ctx: AppContext, actor: Actor, input: FilingRequest): Promise<RobotView> {
  enforce(decideRegistryAccess(actor, 'robot.file'));
  const date = parseProductionDate(input.productionDate, ctx.clock());
  const publicKey = devicePublicKeyBytes(input.devicePublicKey);
  const givenSequence = input.serial === undefined ? undefined : unitSequenceOfSerial(input.serial);
  // Models and sites are never deleted or changed, so they can be read before the unit of work.
  const facts = await filingFacts(
    ctx.db,
    actor.orgId,
    input.modelId,
    input.hardwareRevision,
    { code: input.siteCode },
    givenSequence === undefined,
    publicKey,
  );
  let allocated = facts.unit_sequence;

  return ctx.ledger.run(async (tx, ledger) => {
    // The checks run under the ledger's head lock, which every write holds: they cannot race.
    for (;;) {
      const unitSequence = givenSequence ?? allocated!;
      const robotId = buildRobotId(
        facts,
        input.intelligenceLevel,
        date,
        input.hardwareRevision,
        unitSequence,
      );
      const robotUuid = randomUUID();
      const now = ctx.clock();
      const outcome = await insertFiledRobot(tx, ledger, {
        robotUuid,
        robotId,
        manufacturerId: actor.orgId,
        facts,
        hardwareRevision: input.hardwareRevision,
        date,
        level: input.intelligenceLevel,
        unitSequence,
        publicKey,
        at: now,
        data: {
          modelId: facts.model_id,
          hardwareRevision: input.hardwareRevision,
          siteId: facts.site_id,
          siteCode: facts.site_code,
          productionDate: date.text,
          intelligenceLevel: input.intelligenceLevel,
          unitSequence,
          unitSequenceSource: givenSequence === undefined ? 'platform' : 'manufacturer',
          devicePublicKey: input.devicePublicKey,
          ownerId: actor.orgId,
        },
      });
      if (!outcome.key_free) {
        throw new PlatformError(
          'DEVICE_KEY_TAKEN',
          'this device public key is already registered to a robot',
          {
            field: 'devicePublicKey',
          },
        );
      }
      if (!outcome.unit_free) {
        if (givenSequence !== undefined) {
          throw new PlatformError(
            'SERIAL_TAKEN',
            `serial ${input.serial} was already issued for this model`,
            {
              field: 'serial',
            },
          );
        }
        // A manufacturer filed this value as its own serial after it was allocated: take the next.
        allocated = await allocateUnitSequence(tx, actor.orgId, facts.model_id);
        continue;
      }
      const view: RobotViewRow = {
        id: robotUuid,
        robot_id: robotId,
        status: 'filed',
        intelligence_level: input.intelligenceLevel,
        intelligence_level_filed: input.intelligenceLevel,
        hardware_revision: input.hardwareRevision,
        production_date: date.text,
        filed_at: now,
        updated_at: now,
        model_id: facts.model_id,
        model_name: facts.model_name,
        model_code: facts.model_code,
        category: facts.category,
        joint_count: facts.joint_count,
        min_battery_soh_pct: facts.min_battery_soh_pct,
        max_joint_wear: facts.max_joint_wear,
        max_position_error_mm: facts.max_position_error_mm,
        manufacturer_id: actor.orgId,
        manufacturer_name: facts.manufacturer_name,
        manufacturer_country: facts.country,
        enterprise_code: facts.enterprise_code,
        owner_id: actor.orgId,
        owner_name: facts.manufacturer_name,
        owner_kind: 'manufacturer',
        site_id: facts.site_id,
        site_code: facts.site_code,
        site_name: facts.site_name,
        site_region: facts.site_region,
        device_public_key: publicKey,
        previous_robot_ids: [],
        ledger_index: outcome.ledger_index!,
      };
      return toRobotView(view, now);
    }
  });
}
