// Filing a robot and issuing its ID (docs/api.md "Models and filing", docs/robot-id.md "Issuing"),
// and re-coding it. A filing writes the robot, its first ID, its device key and the `filing`
// event in one unit of work with one ledger leaf: either all of it is durable or none.
//
// Units of work run one after another inside the ledger's group-commit transaction, so each
// round trip a filing makes there is paid by every filing queued behind it. A filing therefore
// does everything it can before the unit of work (validation, the catalogue look-up, allocating
// its unit sequence) and inside it only one statement: check and insert together.
import { randomUUID } from 'node:crypto';
import { decideRegistryAccess } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import { type ProductionDate, parseProductionDate, unitSequenceOfSerial } from '../../../core/filing.js';
import type { RobotStatus } from '../../../core/lifecycle.js';
import type { Actor, OrgKind } from '../../../core/organisation.js';
import { encodeRobotId } from '../../../robot-id/index.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { enforce } from '../policy-enforcement.js';
import { devicePublicKeyBytes } from './device-key.js';
import { robotForAction } from './robot-access.js';
import { loadRobotView, type RobotView, type RobotViewRow, toRobotView } from './robot-reads.js';
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

export interface RecodingRequest {
  hardwareRevision?: string | undefined;
  siteCode?: string | undefined;
  intelligenceLevel?: number | undefined;
  productionDate?: string | undefined;
}

/** What an ID is built from besides the unit: the manufacturer, its model and site. */
interface FilingFacts {
  manufacturer_name: string;
  manufacturer_kind: OrgKind;
  country: string;
  enterprise_code: string;
  model_id: string | null;
  model_name: string;
  model_code: string;
  category: string;
  joint_count: number;
  min_battery_soh_pct: number;
  max_joint_wear: number;
  max_position_error_mm: number;
  revision_known: boolean;
  site_id: string | null;
  site_code: string;
  site_name: string;
  site_region: string;
  /** Whether the device key is already a robot's (checked again under the ledger lock). */
  key_taken: boolean;
  /** The allocated unit sequence, when one was asked for and the facts are complete. */
  unit_sequence: string | null;
}

/**
 * The manufacturer's model `modelId` and site, or the coded refusal: another manufacturer's
 * model or site is "not found" for this one, as if it did not exist. With `allocate`, the same
 * round trip also allocates the model's next unit sequence (rl_allocate_unit_sequence,
 * migration 0003) once the facts are complete. An allocation is never given back, also when the
 * filing fails later: a gap in the sequence is harmless, a reused value never happens.
 */
async function filingFacts(
  client: SqlClient,
  manufacturerId: string,
  modelId: string,
  hardwareRevision: string,
  site: { code: string } | { id: string },
  allocate: boolean,
  publicKey: Uint8Array | null,
): Promise<FilingFacts & { model_id: string; site_id: string }> {
  const { rows } = await client.query<FilingFacts>(
    `WITH facts AS (
       SELECT o.name AS manufacturer_name, o.kind AS manufacturer_kind, o.country, o.enterprise_code,
              m.id AS model_id, m.name AS model_name, m.model_code, m.category, m.joint_count,
              m.min_battery_soh_pct, m.max_joint_wear, m.max_position_error_mm,
              EXISTS (SELECT 1 FROM hardware_revisions h WHERE h.model_id = m.id AND h.code = $3) AS revision_known,
              s.id AS site_id, s.code AS site_code, s.name AS site_name, s.region AS site_region,
              $7::bytea IS NOT NULL AND EXISTS (SELECT 1 FROM device_keys WHERE public_key = $7::bytea) AS key_taken
         FROM organisations o
         LEFT JOIN models m ON m.id = $2 AND m.manufacturer_id = o.id
         LEFT JOIN sites s ON s.manufacturer_id = o.id AND (s.code = $4 OR s.id = $5)
        WHERE o.id = $1)
     SELECT facts.*,
            CASE WHEN $6::boolean AND facts.manufacturer_kind = 'manufacturer' AND facts.model_id IS NOT NULL
                      AND facts.revision_known AND facts.site_id IS NOT NULL AND NOT facts.key_taken
                 THEN rl_allocate_unit_sequence(facts.model_id, $1) END AS unit_sequence
       FROM facts`,
    [
      manufacturerId,
      modelId,
      hardwareRevision,
      'code' in site ? site.code : null,
      'id' in site ? site.id : null,
      allocate,
      publicKey,
    ],
  );
  const facts = rows[0];
  if (facts?.manufacturer_kind !== 'manufacturer' || !facts.enterprise_code) {
    throw new PlatformError('FORBIDDEN', 'only manufacturers file robots');
  }
  if (facts.model_id === null) throw new PlatformError('MODEL_NOT_FOUND', 'you have no model with this id');
  if (!facts.revision_known) {
    throw new PlatformError(
      'HARDWARE_REVISION_UNKNOWN',
      `model ${facts.model_name} has no hardware revision ${hardwareRevision}`,
      { field: 'hardwareRevision' },
    );
  }
  if (facts.site_id === null) {
    throw new PlatformError(
      'SITE_NOT_FOUND',
      `you have no site ${'code' in site ? site.code : site.id}; register it with POST /v1/sites`,
      { field: 'siteCode' },
    );
  }
  if (facts.key_taken) throw deviceKeyTaken();
  return facts as FilingFacts & { model_id: string; site_id: string };
}

/** One key names one robot: a key that any robot has (or had) is refused. */
function deviceKeyTaken(): PlatformError {
  return new PlatformError('DEVICE_KEY_TAKEN', 'this device public key is already registered to a robot', {
    field: 'devicePublicKey',
  });
}

/** The model's next free unit sequence, inside a unit of work. */
async function allocateUnitSequence(tx: SqlClient, manufacturerId: string, modelId: string): Promise<string> {
  const { rows } = await tx.query<{ unit_sequence: string }>(
    'SELECT rl_allocate_unit_sequence($1, $2) AS unit_sequence',
    [modelId, manufacturerId],
  );
  return rows[0]!.unit_sequence;
}

function buildRobotId(
  facts: FilingFacts,
  level: number,
  date: ProductionDate,
  revision: string,
  unit: string,
) {
  return encodeRobotId({
    country: facts.country,
    enterprise: facts.enterprise_code,
    category: facts.category,
    model: facts.model_code,
    level,
    productionYear: date.year,
    productionMonth: date.month,
    hardwareRevision: revision,
    site: facts.site_code,
    unitSequence: unit,
  });
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
    appendRecord(ledger, robotEventRecord, event.id!, event as RobotEventRow);
  }
  return outcome;
}

async function insertRecodingEvent(
  tx: SqlClient,
  ledger: LedgerAppender,
  event: {
    robotUuid: string;
    robotId: string;
    at: Date;
    actorOrgId: string;
    status: RobotStatus;
    data: Record<string, unknown>;
  },
): Promise<RobotEventRow> {
  const { rows } = await tx.query<RobotEventRow>(
    `INSERT INTO robot_events (id, robot_uuid, robot_id, type, occurred_at, recorded_at, actor_org_id,
                               from_status, to_status, data, ledger_index)
     VALUES ($1, $2, $3, 'recoding', $4, $4, $5, $6, $6, $7::text::jsonb, $8) RETURNING *`,
    [
      randomUUID(),
      event.robotUuid,
      event.robotId,
      event.at,
      event.actorOrgId,
      event.status,
      JSON.stringify(event.data),
      ledger.nextIndex,
    ],
  );
  const row = rows[0]!;
  appendRecord(ledger, robotEventRecord, row.id, row);
  return row;
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
    await insertRecodingEvent(tx, ledger, {
      robotUuid: robot.id,
      robotId: newRobotId,
      at: now,
      actorOrgId: actor.orgId,
      status: robot.status,
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
    });
    return loadRobotView(tx, robot.id, now);
  });
}
