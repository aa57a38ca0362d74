// Period shares (docs/lifecycle.md "Ownership periods"): the telemetry of an ownership period is
// its owner's; a former owner may share its ended periods' telemetry with a later owner, which
// then reads it as its own. One unit of work: every period shared, each with its ledger record.
import { randomUUID } from 'node:crypto';
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { endedPeriodsOf, readingPeriods } from '../../../core/ownership-periods.js';
import type { AppContext } from '../../app-context.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { robotForAction } from '../robots/robot-access.js';
import { loadOwnershipPeriods } from '../robots/robot-periods.js';
import { type PeriodShareRow, periodShareRecord } from './period-share-records.js';

export interface PeriodShare {
  robotId: string;
  fromOrgId: string;
  toOrgId: string;
  /** Each shared period: null `from` is the robot's beginning. */
  periods: { from: string | null; to: string; ledgerIndex: number }[];
}

const iso = (t: number) => new Date(t).toISOString();

/** POST /v1/robots/{robotId}/period-shares: share the caller's ended periods with `toOrgId`. */
export async function sharePeriods(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  input: { toOrgId: string },
): Promise<PeriodShare> {
  const now = ctx.clock();
  return ctx.ledger.run(async (tx, ledger) => {
    const { robot } = await robotForAction(tx, actor, robotIdInput, 'robot.periods.share', now, {
      forUpdate: true,
    });
    const periods = readingPeriods(await loadOwnershipPeriods(tx, robot), robot.manufacturer_id);
    const mine = endedPeriodsOf(periods, actor.orgId);
    const firstEnd = Math.min(...mine.map((p) => p.to!));
    // A later owner: one whose period starts once one of the caller's has ended.
    const later = periods.some((p) => p.ownerOrgId === input.toOrgId && p.from >= firstEnd);
    if (input.toOrgId === actor.orgId || !later) {
      throw new PlatformError(
        'PERIOD_SHARE_RECIPIENT_INVALID',
        'periods are shared with an organisation that owned the robot after them',
        { field: 'toOrgId' },
      );
    }
    const shared: PeriodShare['periods'] = [];
    for (const period of mine) {
      const from = Number.isFinite(period.from) ? new Date(period.from) : null;
      const { rows } = await tx.query<PeriodShareRow>(
        `INSERT INTO period_shares (id, robot_uuid, robot_id, from_org_id, to_org_id, period_from, period_to,
                                    created_at, ledger_index)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (robot_uuid, to_org_id, from_org_id, period_to) DO NOTHING RETURNING *`,
        [
          randomUUID(),
          robot.id,
          robot.robot_id.trim(),
          actor.orgId,
          input.toOrgId,
          from,
          new Date(period.to!),
          now,
          ledger.nextIndex,
        ],
      );
      const row = rows[0];
      if (!row) continue;
      await appendRecord(tx, ledger, periodShareRecord, row.id, row);
      shared.push({
        from: from ? iso(period.from) : null,
        to: iso(period.to!),
        ledgerIndex: row.ledger_index,
      });
    }
    // Sharing again what is shared adds nothing: refused, so the ledger records each share once.
    if (shared.length === 0) {
      throw new PlatformError(
        'PERIOD_SHARE_DUPLICATE',
        'these periods are already shared with this organisation',
      );
    }
    return {
      robotId: robot.robot_id.trim(),
      fromOrgId: actor.orgId,
      toOrgId: input.toOrgId,
      periods: shared,
    };
  });
}
