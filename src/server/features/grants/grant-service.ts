// Access grants (docs/api.md "Lifecycle"): the owner lets a maintainer, assessor, software
// provider or recycler act on one robot, for some scopes, until a time. The access policy reads
// live grants through robotRelation; this service gives, lists and revokes them.
import { randomUUID } from 'node:crypto';
import { GRANT_SCOPES, type GrantScope, ungrantableScopes } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { parseTimestamp } from '../../../core/timestamp.js';
import { withArticle } from '../../../core/wording.js';
import type { AppContext } from '../../app-context.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { organisationRecord } from '../orgs/org-records.js';
import { robotForAction } from '../robots/robot-access.js';
import { type GrantRow, grantRecord, grantRevocationRecord } from './grant-records.js';

/** The longest a grant may run: an owner renews access rather than giving it for good. */
export const MAX_GRANT_YEARS = 5;

export interface Grant {
  grantId: string;
  robotId: string;
  orgId: string;
  grantedBy: string;
  scopes: GrantScope[];
  expiresAt: string;
  createdAt: string;
  revokedAt: string | null;
  /** Unexpired and unrevoked at the time of the answer. */
  live: boolean;
  ledgerIndex: number;
  revokeLedgerIndex: number | null;
}

export function toGrant(row: GrantRow, robotId: string, now: Date): Grant {
  return {
    grantId: row.id,
    robotId,
    orgId: row.org_id,
    grantedBy: row.granted_by,
    scopes: row.scopes as GrantScope[],
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    live: row.revoked_at === null && row.expires_at > now,
    ledgerIndex: row.ledger_index,
    revokeLedgerIndex: row.revoke_ledger_index,
  };
}

export interface NewGrant {
  orgId: string;
  scopes: GrantScope[];
  expiresAt: string;
}

function expiryOf(text: string, now: Date): Date {
  const expiresAt = new Date(parseTimestamp(text) ?? Number.NaN); // strict: no calendar roll-over
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_GRANT_YEARS);
  if (Number.isNaN(expiresAt.getTime()) || expiresAt <= now || expiresAt > latest) {
    throw new PlatformError(
      'GRANT_EXPIRY_INVALID',
      `expiresAt must be in the future and at most ${MAX_GRANT_YEARS} years ahead`,
      {
        expiresAt: text,
        latest: latest.toISOString(),
      },
    );
  }
  return expiresAt;
}

/** The owner grants `input.orgId` access to a robot; 201 with the grant. */
export async function createGrant(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  input: NewGrant,
): Promise<Grant> {
  const now = ctx.clock();
  const expiresAt = expiryOf(input.expiresAt, now);
  // Stored in the registry's order, so that equal grants have equal ledger entries.
  const scopes = GRANT_SCOPES.filter((s) => input.scopes.includes(s));
  return ctx.ledger.run(async (tx, ledger) => {
    const { robot } = await robotForAction(tx, actor, robotIdInput, 'robot.grants.manage', now, {
      forUpdate: true,
    });
    const grantee = await organisationRecord.load(tx, input.orgId);
    if (!grantee) throw new PlatformError('ORG_NOT_FOUND', 'no such organisation', { orgId: input.orgId });
    if (grantee.id === robot.owner_id) {
      throw new PlatformError('VALIDATION_FAILED', 'the owner needs no grant on its own robot', {
        field: 'orgId',
      });
    }
    const refused = ungrantableScopes(grantee.kind, scopes);
    if (refused.length > 0) {
      throw new PlatformError(
        'GRANT_SCOPE_NOT_ALLOWED',
        `${withArticle(grantee.kind)} cannot be granted ${refused.join(', ')}`,
        {
          refused,
          orgKind: grantee.kind,
        },
      );
    }
    // A grant that adds nothing to a live one (same or fewer scopes, no later expiry) is a
    // mistake or a replay, not a decision: refused, so the ledger records each access once.
    // The robot's row is locked, so two identical requests cannot both pass this check.
    const covering = await tx.query<{ id: string }>(
      `SELECT id FROM grants
        WHERE robot_uuid = $1 AND org_id = $2 AND revoked_at IS NULL AND expires_at > $3
          AND expires_at >= $4 AND scopes @> $5::text[]
        ORDER BY ledger_index LIMIT 1`,
      [robot.id, grantee.id, now, expiresAt, scopes],
    );
    if (covering.rows[0]) {
      throw new PlatformError(
        'GRANT_DUPLICATE',
        'a live grant to this organisation already gives these scopes for as long',
        { grantId: covering.rows[0].id },
      );
    }
    const { rows } = await tx.query<GrantRow>(
      `INSERT INTO grants (id, robot_uuid, robot_id, org_id, granted_by, scopes, expires_at, created_at, ledger_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        randomUUID(),
        robot.id,
        robot.robot_id,
        grantee.id,
        actor.orgId,
        scopes,
        expiresAt,
        now,
        ledger.nextIndex,
      ],
    );
    const row = rows[0]!;
    await appendRecord(tx, ledger, grantRecord, row.id, row);
    return toGrant(row, robot.robot_id, now);
  });
}

/** A robot's grants, live and past, oldest first (owner and authorities). */
export async function listGrants(
  ctx: AppContext,
  actor: Actor,
  robotIdInput: string,
  filter: { live: boolean | undefined },
): Promise<{ items: Grant[]; nextCursor: null }> {
  const now = ctx.clock();
  const { robot } = await robotForAction(ctx.db, actor, robotIdInput, 'robot.grants.read', now);
  const { rows } = await ctx.db.query<GrantRow>(
    'SELECT * FROM grants WHERE robot_uuid = $1 ORDER BY ledger_index',
    [robot.id],
  );
  const items = rows.map((row) => toGrant(row, robot.robot_id, now));
  return {
    items: filter.live === undefined ? items : items.filter((g) => g.live === filter.live),
    nextCursor: null,
  };
}

async function revokeRow(tx: SqlClient, ledger: LedgerAppender, grantId: string, now: Date) {
  const { rows } = await tx.query<GrantRow>(
    `UPDATE grants SET revoked_at = $2, revoke_ledger_index = $3,
            revoke_robot_id = (SELECT r.robot_id FROM robots r WHERE r.id = grants.robot_uuid)
      WHERE id = $1 AND revoked_at IS NULL RETURNING *`,
    [grantId, now, ledger.nextIndex],
  );
  const row = rows[0];
  if (row) await appendRecord(tx, ledger, grantRevocationRecord, row.id, row);
  return row;
}

/** The owner revokes a grant; it stops working at once. */
export async function revokeGrant(ctx: AppContext, actor: Actor, robotIdInput: string, grantId: string) {
  const now = ctx.clock();
  await ctx.ledger.run(async (tx, ledger) => {
    const { robot } = await robotForAction(tx, actor, robotIdInput, 'robot.grants.manage', now, {
      forUpdate: true,
    });
    const found = await tx.query<GrantRow>('SELECT * FROM grants WHERE id = $1 AND robot_uuid = $2', [
      grantId,
      robot.id,
    ]);
    if (!found.rows[0])
      throw new PlatformError('GRANT_NOT_FOUND', 'no such grant on this robot', { grantId });
    if (!(await revokeRow(tx, ledger, grantId, now))) {
      throw new PlatformError('GRANT_ALREADY_REVOKED', 'the grant was already revoked', { grantId });
    }
  });
}

/**
 * Ends every live grant on a robot, each with its own ledgered revocation: grants are the
 * owner's to give, so they end with its ownership (called when a transfer is accepted).
 */
export async function revokeLiveGrants(
  tx: SqlClient,
  ledger: LedgerAppender,
  robotUuid: string,
  now: Date,
): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM grants WHERE robot_uuid = $1 AND revoked_at IS NULL AND expires_at > $2
      ORDER BY ledger_index`,
    [robotUuid, now],
  );
  const revoked: string[] = [];
  for (const { id } of rows) if (await revokeRow(tx, ledger, id, now)) revoked.push(id);
  return revoked;
}
