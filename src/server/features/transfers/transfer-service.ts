// Ownership transfers (docs/api.md "Lifecycle"): the owner offers a robot to another
// organisation, which accepts or rejects; the owner may cancel while the offer is open. Only
// one offer per robot is open at a time (transfers_one_pending backs the rule). Acceptance moves
// ownership, records an `ownership_transfer` robot event and ends the old owner's grants.
import { randomUUID } from 'node:crypto';
import { PlatformError } from '../../../core/errors.js';
import { type Actor, type OrgKind, seesEverything } from '../../../core/organisation.js';
import { type UsageClaim, usageConflict } from '../../../core/usage-disclosure.js';
import { withArticle } from '../../../core/wording.js';
import type { AppContext } from '../../app-context.js';
import { SQLSTATE, type SqlClient, sqlState } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { revokeLiveGrants } from '../grants/grant-service.js';
import { assertNoIncidentHold } from '../incidents/incident-service.js';
import { notify } from '../notifications/notify.js';
import { organisationRecord } from '../orgs/org-records.js';
import { canonicalRobotId, findRobot, type RobotRow, robotForAction } from '../robots/robot-access.js';
import { insertRobotEvent } from '../robots/robot-event-writer.js';
import {
  loadTransfer,
  type TransferRow,
  type TransferStatus,
  transferDecisionRecord,
  transferRecord,
  transferUsage,
} from './transfer-records.js';

/** Authorities oversee ownership; they never hold robots themselves. */
const NON_RECIPIENT_KINDS: readonly OrgKind[] = ['registry', 'regulator'];

export type TransferDecision = 'accept' | 'reject' | 'cancel';

export interface Transfer {
  transferId: string;
  status: TransferStatus;
  robotId: string;
  fromOrgId: string;
  toOrgId: string;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  ledgerIndex: number;
  decisionLedgerIndex: number | null;
  /** The usage the offering owner disclosed; null when none was. */
  usage: UsageClaim | null;
}

function toTransfer(row: TransferRow, robotId: string): Transfer {
  return {
    transferId: row.id,
    status: row.status,
    robotId,
    fromOrgId: row.from_org_id,
    toOrgId: row.to_org_id,
    createdAt: row.created_at.toISOString(),
    decidedAt: row.decided_at?.toISOString() ?? null,
    decidedBy: row.decided_by,
    ledgerIndex: row.ledger_index,
    decisionLedgerIndex: row.decision_ledger_index,
    usage: transferUsage(row),
  };
}

function transferPending(transferId: string | undefined): PlatformError {
  return new PlatformError('TRANSFER_PENDING', 'the robot already has an open transfer offer', {
    ...(transferId ? { transferId } : {}),
  });
}

/** The owner offers its robot to `toOrgId`; 201 with the pending transfer. */
export async function offerTransfer(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  input: { toOrgId: string; usage?: UsageClaim | undefined },
): Promise<Transfer> {
  const now = ctx.clock();
  try {
    return await ctx.ledger.run(async (tx, ledger) => {
      const { robot } = await robotForAction(tx, actor, robotIdInput, 'robot.transfer.offer', now, {
        forUpdate: true,
      });
      if (input.toOrgId === robot.owner_id) {
        throw new PlatformError('TRANSFER_TO_SELF', 'the robot already belongs to this organisation', {
          field: 'toOrgId',
        });
      }
      const recipient = await organisationRecord.load(tx, input.toOrgId);
      if (!recipient)
        throw new PlatformError('ORG_NOT_FOUND', 'no such organisation', { orgId: input.toOrgId });
      if (NON_RECIPIENT_KINDS.includes(recipient.kind)) {
        throw new PlatformError(
          'TRANSFER_RECIPIENT_INVALID',
          `${withArticle(recipient.kind)} cannot own robots`,
          {
            orgKind: recipient.kind,
          },
        );
      }
      if (robot.status === 'recycled') {
        throw new PlatformError('ILLEGAL_TRANSITION', 'a recycled robot cannot change hands', {
          from: robot.status,
          type: 'ownership_transfer',
        });
      }
      await assertNoIncidentHold(tx, robot.id, 'ownership offer');
      const open = await tx.query<{ id: string }>(
        "SELECT id FROM transfers WHERE robot_uuid = $1 AND status = 'pending'",
        [robot.id],
      );
      if (open.rows[0]) throw transferPending(open.rows[0].id);
      if (input.usage) await checkUsageDisclosure(tx, robot.id, input.usage, now);
      const { rows } = await tx.query<TransferRow>(
        `INSERT INTO transfers (id, robot_uuid, robot_id, from_org_id, to_org_id, status, created_at, ledger_index,
           usage_operating_hours, usage_status)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9) RETURNING *`,
        [
          randomUUID(),
          robot.id,
          robot.robot_id,
          robot.owner_id,
          recipient.id,
          now,
          ledger.nextIndex,
          input.usage?.operatingHours ?? null,
          input.usage?.status ?? null,
        ],
      );
      const row = rows[0]!;
      await appendRecord(tx, ledger, transferRecord, row.id, row);
      await notify(tx, {
        orgIds: [recipient.id],
        type: 'transfer.offered',
        subject: row.id,
        data: { transferId: row.id, robotId: robot.robot_id, fromOrgId: row.from_org_id },
        at: now,
      });
      return toTransfer(row, robot.robot_id);
    });
  } catch (error) {
    // The robot's row lock already serialises offers; the index is the last word.
    if (sqlState(error) === SQLSTATE.uniqueViolation) throw transferPending(undefined);
    throw error;
  }
}

/**
 * Usage disclosed as `actual` must agree with the robot's last signed operating-hours reading
 * (core/usage-disclosure.ts); 409 USAGE_DISCLOSURE_CONFLICT names the reading. Without telemetry
 * nothing contradicts the claim.
 */
async function checkUsageDisclosure(tx: SqlClient, robotUuid: string, usage: UsageClaim, now: Date) {
  const { rows } = await tx.query<{ operating_hours: number; sample_at: Date }>(
    'SELECT operating_hours, sample_at FROM telemetry_usage_counters WHERE robot_uuid = $1',
    [robotUuid],
  );
  const last = rows[0] ? { operatingHours: rows[0].operating_hours, at: rows[0].sample_at } : null;
  const conflict = usageConflict(usage, last, now);
  if (conflict && last) {
    throw new PlatformError(
      'USAGE_DISCLOSURE_CONFLICT',
      conflict.kind === 'below_last_reading'
        ? "the disclosed hours are fewer than the robot's last signed reading"
        : 'the disclosed hours are more than the robot can have run since its last signed reading',
      {
        claimedOperatingHours: usage.operatingHours,
        lastReading: { operatingHours: last.operatingHours, at: last.at.toISOString() },
        ...(conflict.kind === 'below_last_reading'
          ? { lowest: conflict.lowest }
          : { highest: conflict.highest }),
      },
    );
  }
}

const ROLE_OF_DECISION: Record<TransferDecision, 'recipient' | 'offerer'> = {
  accept: 'recipient',
  reject: 'recipient',
  cancel: 'offerer',
};

const STATUS_OF_DECISION: Record<TransferDecision, TransferStatus> = {
  accept: 'accepted',
  reject: 'rejected',
  cancel: 'cancelled',
};

function notFound(transferId: string): PlatformError {
  return new PlatformError('TRANSFER_NOT_FOUND', 'no such transfer is visible to you', { transferId });
}

function isParty(actor: Actor, row: TransferRow): boolean {
  return row.from_org_id === actor.orgId || row.to_org_id === actor.orgId;
}

/** The robot row of a transfer, locked; taken before the transfer's row, as offers do. */
async function lockRobot(tx: SqlClient, robotUuid: string): Promise<RobotRow> {
  const { rows } = await tx.query<RobotRow>('SELECT * FROM robots WHERE id = $1 FOR UPDATE', [robotUuid]);
  return rows[0]!;
}

async function applyAcceptance(
  tx: SqlClient,
  ledger: LedgerAppender,
  robot: RobotRow,
  transfer: TransferRow,
  now: Date,
): Promise<void> {
  await tx.query('UPDATE robots SET owner_id = $2, updated_at = $3 WHERE id = $1', [
    robot.id,
    transfer.to_org_id,
    now,
  ]);
  await insertRobotEvent(tx, ledger, robot, {
    type: 'ownership_transfer',
    occurredAt: now,
    recordedAt: now,
    actorOrgId: transfer.to_org_id,
    fromStatus: robot.status,
    toStatus: robot.status,
    data: { transferId: transfer.id, fromOrgId: transfer.from_org_id, toOrgId: transfer.to_org_id },
  });
  await revokeLiveGrants(tx, ledger, robot.id, now);
}

/**
 * The recipient accepts or rejects, the offering owner cancels. A non-party gets 404 (an
 * authority, which may read the transfer, 403); the other party 403; a decided transfer 409.
 */
export async function decideTransfer(
  ctx: AppContext,
  actor: Actor,
  transferId: string,
  decision: TransferDecision,
): Promise<Transfer> {
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    const seen = await loadTransfer(tx, transferId);
    if (!seen) throw notFound(transferId);
    if (!isParty(actor, seen)) {
      if (seesEverything(actor.kind)) {
        throw new PlatformError('FORBIDDEN', 'only the parties decide a transfer');
      }
      throw notFound(transferId);
    }
    const role = ROLE_OF_DECISION[decision];
    if ((role === 'recipient' ? seen.to_org_id : seen.from_org_id) !== actor.orgId) {
      throw new PlatformError(
        'FORBIDDEN',
        role === 'recipient'
          ? `only the recipient can ${decision} a transfer`
          : 'only the offering owner cancels',
      );
    }
    const robot = await lockRobot(tx, seen.robot_uuid);
    const transfer = (await loadTransfer(tx, transferId, true))!;
    if (transfer.status !== 'pending') {
      throw new PlatformError('TRANSFER_NOT_PENDING', `the transfer is already ${transfer.status}`, {
        status: transfer.status,
      });
    }
    if (decision === 'accept') {
      if (robot.status === 'recycled') {
        throw new PlatformError('ILLEGAL_TRANSITION', 'a recycled robot cannot change hands', {
          from: robot.status,
          type: 'ownership_transfer',
        });
      }
      if (robot.owner_id !== transfer.from_org_id) {
        throw new PlatformError('CONFLICT', 'the robot no longer belongs to the offering organisation');
      }
      await assertNoIncidentHold(tx, robot.id, 'change of owner');
    }
    const { rows } = await tx.query<TransferRow>(
      `UPDATE transfers SET status = $2, decided_at = $3, decided_by = $4, decision_ledger_index = $5,
              decision_robot_id = $6
        WHERE id = $1 RETURNING *`,
      [transferId, STATUS_OF_DECISION[decision], now, actor.orgId, ledger.nextIndex, robot.robot_id],
    );
    const decided = rows[0]!;
    await appendRecord(tx, ledger, transferDecisionRecord, decided.id, decided);
    if (decision === 'accept') await applyAcceptance(tx, ledger, robot, decided, now);
    // The party that did not decide: the offerer of an acceptance or rejection, the recipient
    // of a cancellation.
    await notify(tx, {
      orgIds: [role === 'recipient' ? decided.from_org_id : decided.to_org_id],
      type: 'transfer.decided',
      subject: decided.id,
      data: {
        transferId: decided.id,
        robotId: robot.robot_id,
        status: decided.status,
        decidedBy: actor.orgId,
      },
      at: now,
    });
    return toTransfer(decided, robot.robot_id);
  });
}

/** One transfer, for its parties and authorities. */
export async function getTransfer(ctx: AppContext, actor: Actor, transferId: string): Promise<Transfer> {
  const { rows } = await ctx.db.query<TransferRow & { current_robot_id: string }>(
    `SELECT t.*, r.robot_id AS current_robot_id FROM transfers t JOIN robots r ON r.id = t.robot_uuid
      WHERE t.id = $1`,
    [transferId],
  );
  const row = rows[0];
  if (!row || !(isParty(actor, row) || seesEverything(actor.kind))) throw notFound(transferId);
  return toTransfer(row, row.current_robot_id);
}

export interface TransferQuery {
  direction: 'incoming' | 'outgoing' | undefined;
  status: TransferStatus | undefined;
  robotId: string | undefined;
  limit: number;
  cursor: string | undefined;
}

/**
 * Transfers the caller is a party to (`direction` narrows to one side); an authority without a
 * `direction` sees every transfer. Oldest first; the cursor is a ledger index.
 */
export async function listTransfers(
  ctx: AppContext,
  actor: Actor,
  query: TransferQuery,
): Promise<{ items: Transfer[]; nextCursor: string | null }> {
  if (query.cursor !== undefined && !/^\d{1,15}$/.test(query.cursor)) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is not one this list returned', { field: 'cursor' });
  }
  let robotUuid: string | null = null;
  if (query.robotId !== undefined) {
    const robot = await findRobot(ctx.db, canonicalRobotId(query.robotId));
    // An unknown robot has no transfers; saying so would not tell it apart from an invisible one.
    if (!robot) return { items: [], nextCursor: null };
    robotUuid = robot.id;
  }
  const everything = seesEverything(actor.kind) && query.direction === undefined;
  const { rows } = await ctx.db.query<TransferRow & { current_robot_id: string }>(
    `SELECT t.*, r.robot_id AS current_robot_id FROM transfers t JOIN robots r ON r.id = t.robot_uuid
      WHERE ($1::boolean
             OR ($2::text IS DISTINCT FROM 'outgoing' AND t.to_org_id = $3)
             OR ($2::text IS DISTINCT FROM 'incoming' AND t.from_org_id = $3))
        AND ($4::text IS NULL OR t.status = $4)
        AND ($5::uuid IS NULL OR t.robot_uuid = $5::uuid)
        AND ($6::bigint IS NULL OR t.ledger_index > $6::bigint)
      ORDER BY t.ledger_index LIMIT $7`,
    [
      everything,
      query.direction ?? null,
      actor.orgId,
      query.status ?? null,
      robotUuid,
      query.cursor ?? null,
      query.limit + 1,
    ],
  );
  const items = rows.slice(0, query.limit).map((row) => toTransfer(row, row.current_robot_id));
  return {
    items,
    nextCursor: rows.length > query.limit ? String(items[items.length - 1]!.ledgerIndex) : null,
  };
}
