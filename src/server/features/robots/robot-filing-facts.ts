// What a robot ID is built from besides its unit: the manufacturer, its model and site, looked
// up (and the unit sequence allocated) in one round trip; shared by filing and re-coding.
import { PlatformError } from '../../../core/errors.js';
import type { ProductionDate } from '../../../core/filing.js';
import type { OrgKind } from '../../../core/organisation.js';
import { encodeRobotId } from '../../../robot-id/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { ModelColumns } from './robot-reads.js';

/** What an ID is built from besides the unit: the manufacturer, its model and site. */
export interface FilingFacts extends ModelColumns {
  manufacturer_name: string;
  manufacturer_kind: OrgKind;
  country: string;
  enterprise_code: string;
  model_id: string | null;
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
export async function filingFacts(
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
export async function allocateUnitSequence(
  tx: SqlClient,
  manufacturerId: string,
  modelId: string,
): Promise<string> {
  const { rows } = await tx.query<{ unit_sequence: string }>(
    'SELECT rl_allocate_unit_sequence($1, $2) AS unit_sequence',
    [modelId, manufacturerId],
  );
  return rows[0]!.unit_sequence;
}

export function buildRobotId(
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
