// What end of life adds to lifecycle events (docs/end-of-life.md), called by the lifecycle
// service in the event's unit of work:
// - a `sanitization` names only media its robot's model declares, each once, and is stored one
//   certificate row per medium;
// - `recycling` carries a complete handover record (required when the model declares media),
//   with a valid unified social credit code, and needs the latest sanitization of every declared
//   medium recorded since the last change of owner to have passed (409 SANITIZATION_INCOMPLETE);
// - decommissioning and recycling end every live grant and retire the device key.
import { checkCreditCode } from '../../../core/credit-code.js';
import { PlatformError } from '../../../core/errors.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { revokeLiveGrants } from '../grants/grant-service.js';
import type { EventData } from '../lifecycle/event-data.js';
import type { RobotRow } from '../robots/robot-access.js';
import { declaredMediaIds } from './storage-media.js';

type Issue = { path: string; message: string };

function invalid(type: string, message: string, issues: Issue[]): PlatformError {
  return new PlatformError('EVENT_DATA_INVALID', message, { type, issues });
}

/** The handover fields that, given one, must all be given. */
const HANDOVER_REQUIRED = ['receiverCreditCode', 'handoverAt', 'treatment'] as const;
const HANDOVER_FIELDS = [...HANDOVER_REQUIRED, 'receiverOrgId', 'items'] as const;

/** Whether recycling data carries a handover record (any of its fields). */
export function hasHandover(data: EventData<'recycling'>): boolean {
  return HANDOVER_FIELDS.some((f) => data[f] !== undefined);
}

/**
 * Checks of recycling data that need no database: a handover record is complete (credit code,
 * handover time, treatment), its credit code valid (400 CREDIT_CODE_INVALID) and its time a
 * real instant.
 */
export function checkRecyclingData(data: EventData<'recycling'>): void {
  if (!hasHandover(data)) return;
  const missing = HANDOVER_REQUIRED.filter((f) => data[f] === undefined);
  if (missing.length > 0) {
    throw invalid(
      'recycling',
      'a handover record names the receiver’s credit code, the handover time and the treatment',
      missing.map((f) => ({ path: `/${f}`, message: 'required with a handover record' })),
    );
  }
  const code = checkCreditCode(data.receiverCreditCode!);
  if (!code.valid) {
    throw new PlatformError('CREDIT_CODE_INVALID', `receiverCreditCode: ${code.reason}`, {
      field: '/data/receiverCreditCode',
      reason: code.reason,
    });
  }
  if (parseTimestamp(data.handoverAt!) === undefined) {
    throw invalid('recycling', 'handoverAt is not a real instant', [
      { path: '/handoverAt', message: 'must be an RFC 3339 timestamp' },
    ]);
  }
}

/** A sanitization names only media the robot's model declares, each once (400 otherwise). */
export async function checkSanitizedMedia(
  tx: SqlClient,
  robot: RobotRow,
  data: EventData<'sanitization'>,
): Promise<void> {
  const declared = new Set(await declaredMediaIds(tx, robot.model_id));
  const seen = new Set<string>();
  const issues: Issue[] = [];
  data.media.forEach((m, i) => {
    if (!declared.has(m.mediaId)) {
      issues.push({
        path: `/media/${i}/mediaId`,
        message: 'not a storage medium the robot’s model declares',
      });
    } else if (seen.has(m.mediaId)) {
      issues.push({ path: `/media/${i}/mediaId`, message: 'listed twice' });
    }
    seen.add(m.mediaId);
  });
  if (issues.length > 0) {
    throw invalid(
      'sanitization',
      'a sanitization certifies media the robot’s model declares, each once',
      issues,
    );
  }
}

/** Stores one certificate row per medium of a recorded sanitization event. */
export async function storeSanitizedMedia(
  tx: SqlClient,
  robot: RobotRow,
  eventId: string,
  data: EventData<'sanitization'>,
): Promise<void> {
  const m = data.media;
  await tx.query(
    `INSERT INTO robot_media_sanitizations (event_id, media_id, robot_uuid, serial, method, technique, tool, verification, result)
     SELECT $1, u.media_id, $2, u.serial, u.method, u.technique, u.tool, u.verification, u.result
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
            AS u(media_id, serial, method, technique, tool, verification, result)`,
    [
      eventId,
      robot.id,
      m.map((x) => x.mediaId),
      m.map((x) => x.serial ?? null),
      m.map((x) => x.method),
      m.map((x) => x.technique),
      m.map((x) => x.tool ?? null),
      m.map((x) => x.verification),
      m.map((x) => x.result),
    ],
  );
}

/**
 * The declared media of the robot's model without a passed sanitization since the last change
 * of owner: for each medium, the latest certificate recorded after the robot's last
 * `ownership_transfer` event (in ledger order) decides.
 */
export async function unsanitizedMedia(tx: SqlClient, robot: RobotRow, declared: readonly string[]) {
  if (declared.length === 0) return [];
  const { rows } = await tx.query<{ media_id: string; result: string }>(
    `SELECT DISTINCT ON (s.media_id) s.media_id, s.result
       FROM robot_media_sanitizations s JOIN robot_events e ON e.id = s.event_id
      WHERE s.robot_uuid = $1
        AND e.ledger_index > COALESCE((SELECT max(t.ledger_index) FROM robot_events t
                                        WHERE t.robot_uuid = $1 AND t.type = 'ownership_transfer'), -1)
      ORDER BY s.media_id, e.ledger_index DESC`,
    [robot.id],
  );
  const passed = new Set(rows.filter((r) => r.result === 'passed').map((r) => r.media_id));
  return declared.filter((id) => !passed.has(id));
}

/**
 * Stored facts recycling needs (after the transition was found legal): a handover record when the
 * model declares media, its receiver organisation, and every medium sanitized.
 */
export async function checkRecyclingFacts(
  tx: SqlClient,
  robot: RobotRow,
  data: EventData<'recycling'>,
): Promise<void> {
  const declared = await declaredMediaIds(tx, robot.model_id);
  if (declared.length > 0 && !hasHandover(data)) {
    throw invalid(
      'recycling',
      'the robot’s model declares storage media: recycling records the handover',
      HANDOVER_REQUIRED.map((f) => ({
        path: `/${f}`,
        message: 'required when the model declares storage media',
      })),
    );
  }
  if (data.receiverOrgId !== undefined) {
    const receiver = await tx.query('SELECT 1 FROM organisations WHERE id = $1', [data.receiverOrgId]);
    if (receiver.rows.length === 0) {
      throw new PlatformError('ORG_NOT_FOUND', 'no such organisation', {
        orgId: data.receiverOrgId,
        field: '/data/receiverOrgId',
      });
    }
  }
  const missing = await unsanitizedMedia(tx, robot, declared);
  if (missing.length > 0) {
    throw new PlatformError(
      'SANITIZATION_INCOMPLETE',
      'every storage medium of the robot needs a passed sanitization since its last change of owner',
      { missing },
    );
  }
}

/**
 * The end of a robot's working life (decommission, recycling): every live grant ends, each with
 * its ledgered revocation, and the live device key is retired, so nothing signed with it is
 * accepted any more. Returns the revoked grants and whether a key was retired.
 */
export async function endRobotAccess(
  tx: SqlClient,
  ledger: LedgerAppender,
  robot: RobotRow,
  now: Date,
): Promise<{ revokedGrants: string[]; keyRetired: boolean }> {
  const revokedGrants = await revokeLiveGrants(tx, ledger, robot.id, now);
  const retired = await tx.query(
    'UPDATE device_keys SET retired_at = $2 WHERE robot_uuid = $1 AND retired_at IS NULL RETURNING 1',
    [robot.id, now],
  );
  return { revokedGrants, keyRetired: retired.rows.length > 0 };
}
