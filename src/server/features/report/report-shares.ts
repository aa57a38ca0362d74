// Report shares (docs/history-report.md "Shares"): the owner gives a prospective buyer a token
// that reads the buyer tier of the robot's report with no API key. The token is 32 random
// bytes (base64url) shown once; only its SHA-256 is stored. A share is live until it expires
// (at most SHARE_MAX_LIFETIME_MS after it is made) or is revoked, and only while the
// organisation that made it still owns the robot: a sale ends the seller's shares.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { decideShareManagement } from '../../../core/report/report-access.js';
import type { HistoryReport } from '../../../core/report/report-format.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import type { AppContext } from '../../app-context.js';
import type { LedgerReader } from '../../ledger/ledger-reader.js';
import { recordRobotAccess } from '../access-log/access-log.js';
import { enforce } from '../policy-enforcement.js';
import { canonicalRobotId, findRobot, robotForAction } from '../robots/robot-access.js';
import { buildReport } from './report-service.js';

/** The longest a share may live: long enough for a sale, short enough that a leaked link dies. */
export const SHARE_MAX_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

interface ShareRow {
  id: string;
  robot_uuid: string;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest();

function shareView(row: ShareRow, now: Date) {
  return {
    shareId: row.id,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    live: row.revoked_at === null && row.expires_at > now,
  };
}

/** The robot, if `actor` owns it (not found or forbidden otherwise, as the access policy says). */
async function ownedRobot(ctx: AppContext, actor: Actor, robotIdInput: string, now: Date) {
  const { robot, relation } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.read', now);
  enforce(decideShareManagement(relation));
  return robot;
}

/** POST /v1/robots/{robotId}/report-shares: a new share and its token (shown this once). */
export async function createShare(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  expiresAtText: string,
) {
  const now = ctx.clock();
  const robot = await ownedRobot(ctx, actor, robotIdInput, now);
  const expiresMs = parseTimestamp(expiresAtText);
  const latest = new Date(now.getTime() + SHARE_MAX_LIFETIME_MS);
  if (expiresMs === undefined || expiresMs <= now.getTime() || expiresMs > latest.getTime()) {
    throw new PlatformError(
      'REPORT_SHARE_LIFETIME',
      'expiresAt must be an RFC 3339 time in the future, at most 30 days ahead',
      { field: 'expiresAt', latest: latest.toISOString() },
    );
  }
  // The token names its robot before a tilde (not a dot, which would make a console path look
  // like a file), so a share link needs nothing but the token
  // (`/report/{token}` in the console); only its SHA-256 is kept, secret part included.
  const token = `${robot.robot_id}~${randomBytes(32).toString('base64url')}`;
  const { rows } = await ctx.db.query<ShareRow>(
    `INSERT INTO report_shares (id, robot_uuid, token_sha256, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, robot_uuid, created_by, created_at, expires_at, revoked_at`,
    [randomUUID(), robot.id, tokenHash(token), actor.orgId, now, new Date(expiresMs)],
  );
  const row = rows[0]!;
  return { shareId: row.id, token, expiresAt: row.expires_at.toISOString() };
}

/** GET /v1/robots/{robotId}/report-shares: the robot's shares, newest first, never their tokens. */
export async function listShares(ctx: AppContext, actor: Actor, robotIdInput: string) {
  const now = ctx.clock();
  const robot = await ownedRobot(ctx, actor, robotIdInput, now);
  const { rows } = await ctx.db.query<ShareRow>(
    `SELECT id, robot_uuid, created_by, created_at, expires_at, revoked_at FROM report_shares
      WHERE robot_uuid = $1 AND created_by = $2 ORDER BY created_at DESC, id`,
    [robot.id, actor.orgId],
  );
  return { items: rows.map((r) => shareView(r, now)) };
}

/** DELETE /v1/robots/{robotId}/report-shares/{shareId}: the token stops working at once. */
export async function revokeShare(ctx: AppContext, actor: Actor, robotIdInput: string, shareId: string) {
  const now = ctx.clock();
  const robot = await ownedRobot(ctx, actor, robotIdInput, now);
  const { rows } = await ctx.db.query<{ id: string }>(
    `UPDATE report_shares SET revoked_at = coalesce(revoked_at, $4)
      WHERE id = $1 AND robot_uuid = $2 AND created_by = $3 RETURNING id`,
    [shareId, robot.id, actor.orgId, now],
  );
  if (!rows[0]) throw new PlatformError('REPORT_SHARE_NOT_FOUND', `no report share ${shareId} of this robot`);
}

/**
 * GET /v1/robots/{robotId}/report with X-Report-Token: the buyer tier, if the token is a live
 * share of this robot made by its current owner. The read is in the robot's access log, under
 * the owner that made the share and the share's ID.
 */
export async function reportByShare(
  ctx: AppContext,
  reader: LedgerReader,
  robotIdInput: string,
  token: string,
): Promise<HistoryReport> {
  const now = ctx.clock();
  const robotId = canonicalRobotId(robotIdInput);
  const { rows } = await ctx.db.query<ShareRow & { owner_id: string }>(
    `SELECT s.id, s.robot_uuid, s.created_by, s.created_at, s.expires_at, s.revoked_at, r.owner_id
       FROM report_shares s JOIN robots r ON r.id = s.robot_uuid WHERE s.token_sha256 = $1`,
    [tokenHash(token)],
  );
  const share = rows[0];
  if (!share || share.revoked_at !== null || share.expires_at <= now || share.owner_id !== share.created_by) {
    throw new PlatformError('REPORT_TOKEN_INVALID', 'the report token is unknown, expired or revoked');
  }
  const robot = await findRobot(ctx.db, robotId);
  if (!robot || robot.id !== share.robot_uuid) {
    throw new PlatformError('ROBOT_NOT_FOUND', `no robot ${robotId} is visible to you`);
  }
  const report = await buildReport(ctx, reader, robot, 'buyer', now);
  await recordRobotAccess(ctx.db, {
    robotUuid: robot.id,
    orgId: share.created_by,
    keyId: `share:${share.id}`,
    what: 'report_share',
    at: now,
  });
  return report;
}
