// Brands on a robot (docs/certificates.md "Brands"): recorded by the registry or a regulator,
// permanent (no route removes one, a transfer keeps them: they belong to the robot, not to an
// owner), at most one of each kind, shown to whoever may see the robot and, by name only, on
// the public check. A robot branded parts_only is never put in service again.
import { randomUUID } from 'node:crypto';
import { type Brand, brandRefusal, forbidsDeployment } from '../../../core/certificate.js';
import { type ErrorCode, PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import { SQLSTATE, type SqlClient, sqlState } from '../../db/sql-client.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { robotForAction } from '../robots/robot-access.js';
import { type RobotBrandRow, robotBrandRecord } from './approval-records.js';

export interface NewBrand {
  brand: Brand;
  note?: string | undefined;
  incidentId?: string | undefined;
}

export interface RobotBrand {
  brandId: string;
  robotId: string;
  brand: Brand;
  note: string | null;
  incidentId: string | null;
  issuerOrgId: string;
  recordedAt: string;
  ledgerIndex: number;
}

function toBrand(row: RobotBrandRow, robotId: string): RobotBrand {
  return {
    brandId: row.id,
    robotId,
    brand: row.brand as Brand,
    note: row.note,
    incidentId: row.incident_id,
    issuerOrgId: row.issuer_org_id,
    recordedAt: row.recorded_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

/** The robot's brands, oldest first. */
export async function robotBrandNames(client: SqlClient, robotUuid: string): Promise<Brand[]> {
  const { rows } = await client.query<{ brand: string }>(
    'SELECT brand FROM robot_brands WHERE robot_uuid = $1 ORDER BY recorded_at, ledger_index',
    [robotUuid],
  );
  // The column's CHECK admits only BRANDS.
  return rows.map((r) => r.brand as Brand);
}

function brandTaken(brand: string): PlatformError {
  const refusal = brandRefusal([brand], brand as Brand)!;
  return new PlatformError(refusal.code as ErrorCode, refusal.message, { brand });
}

/** POST /v1/robots/{robotId}/brands: 201 with the brand and its ledger index. */
export async function recordBrand(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  input: NewBrand,
): Promise<RobotBrand> {
  const now = ctx.clock();
  try {
    return await ctx.ledger.run(async (tx, ledger) => {
      const { robot } = await robotForAction(tx, actor, robotIdInput, 'robot.brand', now, {
        forUpdate: true,
      });
      const refusal = brandRefusal(await robotBrandNames(tx, robot.id), input.brand);
      if (refusal)
        throw new PlatformError(refusal.code as ErrorCode, refusal.message, { brand: input.brand });
      if (input.incidentId !== undefined) {
        const incident = await tx.query('SELECT 1 FROM incidents WHERE id = $1 AND robot_uuid = $2', [
          input.incidentId,
          robot.id,
        ]);
        if (incident.rows.length === 0) {
          throw new PlatformError('BRAND_INCIDENT_UNKNOWN', 'the robot has no incident with this id', {
            incidentId: input.incidentId,
            field: '/incidentId',
          });
        }
      }
      const { rows } = await tx.query<RobotBrandRow>(
        `INSERT INTO robot_brands (id, robot_uuid, robot_id, brand, note, incident_id, issuer_org_id,
           recorded_at, ledger_index)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          randomUUID(),
          robot.id,
          robot.robot_id,
          input.brand,
          input.note ?? null,
          input.incidentId ?? null,
          actor.orgId,
          now,
          ledger.nextIndex,
        ],
      );
      const row = rows[0]!;
      await appendRecord(tx, ledger, robotBrandRecord, row.id, row);
      return toBrand(row, robot.robot_id.trim());
    });
  } catch (error) {
    if (sqlState(error) === SQLSTATE.uniqueViolation) throw brandTaken(input.brand);
    throw error;
  }
}

/** GET /v1/robots/{robotId}/brands: whoever may see the robot. */
export async function listBrands(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
): Promise<{ items: RobotBrand[] }> {
  const { robot } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.read', ctx.clock());
  const { rows } = await ctx.db.query<RobotBrandRow>(
    'SELECT * FROM robot_brands WHERE robot_uuid = $1 ORDER BY recorded_at, ledger_index',
    [robot.id],
  );
  return { items: rows.map((row) => toBrand(row, robot.robot_id.trim())) };
}

/**
 * A robot branded parts_only is never deployed nor put back in service (409 ROBOT_PARTS_ONLY);
 * checked in the event's unit of work, under the robot's row lock.
 */
export async function assertDeployable(tx: SqlClient, robotUuid: string): Promise<void> {
  if (forbidsDeployment(await robotBrandNames(tx, robotUuid))) {
    throw new PlatformError(
      'ROBOT_PARTS_ONLY',
      'the robot is branded parts_only: it is never put in service again',
    );
  }
}
