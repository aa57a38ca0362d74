// Which tier of the history report a caller gets (docs/history-report.md "Tiers"). Pure: the
// caller's kind and relation to the robot in, the tier or a refusal out. A share token is
// decided by the share's own rules (live, of this robot), never here.
import { type Decision, decideRobotAccess, type RobotRelation } from '../access-policy.js';
import { type Actor, seesEverything } from '../organisation.js';
import type { ReportTier } from './report-format.js';

export type ReportDecision = { allow: true; tier: ReportTier } | Extract<Decision, { allow: false }>;

/**
 * The tier of `actor`: authorities read the authority tier, the owner and the manufacturer the
 * owner tier, the recipient of a pending transfer of the robot the buyer tier. Anyone else is
 * told what the robot access policy tells it: not found if it may not see the robot, forbidden
 * if it sees it (a grantee: a maintainer's grant is not a buyer's look at the whole history).
 */
export function decideReportTier(
  actor: Actor,
  relation: RobotRelation,
  pendingTransferRecipient: boolean,
): ReportDecision {
  if (seesEverything(actor.kind)) return { allow: true, tier: 'authority' };
  if (relation.isOwner || relation.isManufacturer) return { allow: true, tier: 'owner' };
  if (pendingTransferRecipient) return { allow: true, tier: 'buyer' };
  const seen = decideRobotAccess(actor, 'robot.read', relation);
  if (!seen.allow) return seen;
  return {
    allow: false,
    conceal: false,
    reason: 'the history report is for authorities, the owner, the manufacturer and a prospective buyer',
  };
}

/** May `actor` manage the report shares of a robot? The owner only: a share gives its history away. */
export function decideShareManagement(relation: RobotRelation): Decision {
  return relation.isOwner
    ? { allow: true, reason: 'the owner shares its robot’s report' }
    : { allow: false, conceal: false, reason: 'only the owner shares a robot’s history report' };
}
