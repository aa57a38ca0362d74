// Organisations and their API keys (docs/api.md "Organisations and keys").
import { randomInt, randomUUID } from 'node:crypto';
import { decideKeyAccess, decideRegistryAccess } from '../../../core/access-policy.js';
import { PlatformError } from '../../../core/errors.js';
import type { Actor, OrgKind } from '../../../core/organisation.js';
import { ISO_3166_ALPHA2_COUNTRIES, S34 } from '../../../robot-id/index.js';
import type { AppContext } from '../../app-context.js';
import { generateApiKey } from '../../auth/api-keys.js';
import { SQLSTATE, type SqlClient, sqlState } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import { enforce } from '../policy-enforcement.js';
import {
  type ApiKeyRow,
  apiKeyRecord,
  apiKeyRevocationRecord,
  type OrganisationRow,
  organisationRecord,
} from './org-records.js';

export interface Organisation {
  id: string;
  name: string;
  kind: OrgKind;
  country: string;
  enterpriseCode?: string;
  createdAt: string;
  ledgerIndex: number;
}

export function toOrganisation(row: OrganisationRow): Organisation {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    country: row.country,
    ...(row.enterprise_code ? { enterpriseCode: row.enterprise_code } : {}),
    createdAt: row.created_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

export interface NewOrganisation {
  name: string;
  kind: Exclude<OrgKind, 'registry'>;
  country: string;
  enterpriseCode?: string | undefined;
}

function randomEnterpriseCode(): string {
  let code = '';
  for (let i = 0; i < 4; i++) code += S34[randomInt(S34.length)];
  return code;
}

async function insertOrganisation(
  tx: SqlClient,
  ledger: LedgerAppender,
  org: {
    id: string;
    name: string;
    kind: OrgKind;
    country: string;
    enterpriseCode: string | null;
    createdAt: Date;
  },
): Promise<OrganisationRow> {
  const { rows } = await tx.query<OrganisationRow>(
    `INSERT INTO organisations (id, name, kind, country, enterprise_code, created_at, ledger_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [org.id, org.name, org.kind, org.country, org.enterpriseCode, org.createdAt, ledger.nextIndex],
  );
  const row = rows[0]!;
  await appendRecord(tx, ledger, organisationRecord, row.id, row);
  return row;
}

async function insertApiKey(
  tx: SqlClient,
  ledger: LedgerAppender,
  orgId: string,
  label: string | null,
  now: Date,
): Promise<{ keyId: string; apiKey: string }> {
  const { apiKey, secretHash } = generateApiKey();
  const { rows } = await tx.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, org_id, secret_hash, label, created_at, ledger_index)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [randomUUID(), orgId, secretHash, label, now, ledger.nextIndex],
  );
  const row = rows[0]!;
  await appendRecord(tx, ledger, apiKeyRecord, row.id, row);
  return { keyId: row.id, apiKey };
}

/** Creates the registry operator organisation on first start; returns its id. */
export async function ensureRegistryOrganisation(
  ctx: Pick<AppContext, 'db' | 'ledger' | 'clock'>,
  country: string,
) {
  const existing = await ctx.db.query<{ id: string }>("SELECT id FROM organisations WHERE kind = 'registry'");
  if (existing.rows[0]) return existing.rows[0].id;
  const row = await ctx.ledger.run((tx, ledger) =>
    insertOrganisation(tx, ledger, {
      id: randomUUID(),
      name: 'Registry operator',
      kind: 'registry',
      country,
      enterpriseCode: null,
      createdAt: ctx.clock(),
    }),
  );
  return row.id;
}

export async function createOrganisation(
  ctx: AppContext,
  actor: Actor,
  input: NewOrganisation,
): Promise<Organisation & { apiKey: string; keyId: string }> {
  enforce(decideRegistryAccess(actor, 'org.create'));
  if (!ISO_3166_ALPHA2_COUNTRIES[input.country]) {
    throw new PlatformError(
      'VALIDATION_FAILED',
      `${input.country} is not an assigned ISO 3166-1 alpha-2 code`,
      {
        field: 'country',
      },
    );
  }
  if (input.enterpriseCode !== undefined && input.kind !== 'manufacturer') {
    throw new PlatformError('VALIDATION_FAILED', 'only manufacturers have an enterprise code', {
      field: 'enterpriseCode',
    });
  }
  // A given code must be free; a drawn one is redrawn on collision (34^4 codes).
  for (let attempt = 0; ; attempt++) {
    const enterpriseCode =
      input.kind === 'manufacturer' ? (input.enterpriseCode ?? randomEnterpriseCode()) : null;
    try {
      return await ctx.ledger.run(async (tx, ledger) => {
        const now = ctx.clock();
        const row = await insertOrganisation(tx, ledger, {
          id: randomUUID(),
          name: input.name,
          kind: input.kind,
          country: input.country,
          enterpriseCode,
          createdAt: now,
        });
        const key = await insertApiKey(tx, ledger, row.id, 'initial', now);
        return { ...toOrganisation(row), ...key };
      });
    } catch (error) {
      if (sqlState(error) !== SQLSTATE.uniqueViolation || enterpriseCode === null) throw error;
      if (input.enterpriseCode !== undefined) {
        throw new PlatformError(
          'ENTERPRISE_CODE_TAKEN',
          `enterprise code ${enterpriseCode} is already assigned`,
        );
      }
      if (attempt > 20) throw error;
    }
  }
}

/** An organisation's public facts (name, kind, country, code): any organisation may read them,
 *  for instance to offer a robot to another. */
export async function getOrganisation(ctx: AppContext, orgId: string): Promise<Organisation> {
  const row = await organisationRecord.load(ctx.db, orgId);
  if (!row) throw new PlatformError('NOT_FOUND', 'no such organisation');
  return toOrganisation(row);
}

/** Who is calling: its organisation, its kind (the role the access policy reads) and the key used. */
export async function whoAmI(ctx: AppContext, actor: Actor) {
  return { org: await getOrganisation(ctx, actor.orgId), role: actor.kind, keyId: actor.keyId ?? null };
}

/** What the directory shows of an organisation: what it is and where, nothing else. */
export interface DirectoryEntry {
  id: string;
  name: string;
  kind: OrgKind;
  country: string;
}

/**
 * The organisation directory, for any authenticated caller: finds a counterparty (a buyer, a
 * maintainer to grant) by a part of its name, so its id need not be passed out of band. Only
 * public fields; name order, then id.
 */
export async function searchDirectory(
  ctx: AppContext,
  query: { q: string | undefined; kind: OrgKind | undefined; limit: number; cursor: string | undefined },
): Promise<{ items: DirectoryEntry[]; nextCursor: string | null }> {
  let after: { name: string; id: string } | null = null;
  if (query.cursor !== undefined) after = parseDirectoryCursor(query.cursor);
  // The search text is matched literally: LIKE's wildcards in it are escaped.
  const pattern = query.q === undefined ? null : `%${query.q.replace(/[\\%_]/g, '\\$&')}%`;
  const { rows } = await ctx.db.query<{ id: string; name: string; kind: OrgKind; country: string }>(
    `SELECT id, name, kind, country FROM organisations
      WHERE kind <> 'registry'
        AND ($1::text IS NULL OR name ILIKE $1 ESCAPE '\\')
        AND ($2::text IS NULL OR kind = $2)
        AND ($3::text IS NULL OR (name, id) > ($3::text, $4::uuid))
      ORDER BY name, id LIMIT $5`,
    [pattern, query.kind ?? null, after?.name ?? null, after?.id ?? null, query.limit + 1],
  );
  const items = rows.slice(0, query.limit).map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    country: r.country.trim(),
  }));
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > query.limit && last
        ? Buffer.from(JSON.stringify([last.name, last.id])).toString('base64url')
        : null,
  };
}

function parseDirectoryCursor(cursor: string): { name: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value[1])
    ) {
      return { name: value[0], id: value[1] };
    }
  } catch {
    // falls through to the coded refusal
  }
  throw new PlatformError('VALIDATION_FAILED', 'malformed cursor', { field: 'cursor' });
}

export async function listOrganisations(
  ctx: AppContext,
  actor: Actor,
  page: { limit: number; cursor: string | undefined; kind: OrgKind | undefined },
): Promise<{ items: Organisation[]; nextCursor: string | null }> {
  enforce(decideRegistryAccess(actor, 'org.list'));
  const { rows } = await ctx.db.query<OrganisationRow>(
    `SELECT * FROM organisations
      WHERE ($1::uuid IS NULL OR id > $1::uuid) AND ($2::text IS NULL OR kind = $2)
      ORDER BY id LIMIT $3`,
    [page.cursor ?? null, page.kind ?? null, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toOrganisation);
  return { items, nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null };
}

export async function createApiKey(
  ctx: AppContext,
  actor: Actor,
  orgId: string,
  label: string | undefined,
): Promise<{ keyId: string; apiKey: string; orgId: string; createdAt: string }> {
  enforce(decideKeyAccess(actor, orgId));
  return ctx.ledger.run(async (tx, ledger) => {
    const org = await organisationRecord.load(tx, orgId);
    if (!org) throw new PlatformError('NOT_FOUND', 'no such organisation');
    if (org.kind === 'registry') {
      throw new PlatformError('FORBIDDEN', 'the registry acts through ROBOLEDGER_ADMIN_TOKEN');
    }
    const now = ctx.clock();
    const key = await insertApiKey(tx, ledger, orgId, label ?? null, now);
    return { ...key, orgId, createdAt: now.toISOString() };
  });
}

export async function listApiKeys(ctx: AppContext, actor: Actor, orgId: string) {
  enforce(decideKeyAccess(actor, orgId));
  const { rows } = await ctx.db.query<ApiKeyRow>(
    'SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at, id',
    [orgId],
  );
  return {
    items: rows.map((r) => ({
      keyId: r.id,
      label: r.label,
      createdAt: r.created_at.toISOString(),
      revokedAt: r.revoked_at?.toISOString() ?? null,
      ledgerIndex: r.ledger_index,
    })),
    nextCursor: null,
  };
}

export async function revokeApiKey(
  ctx: AppContext,
  actor: Actor,
  orgId: string,
  keyId: string,
): Promise<void> {
  enforce(decideKeyAccess(actor, orgId));
  await ctx.ledger.run(async (tx, ledger) => {
    const { rows } = await tx.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = $3, revoke_ledger_index = $4
        WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL RETURNING *`,
      [keyId, orgId, ctx.clock(), ledger.nextIndex],
    );
    const row = rows[0];
    if (!row) {
      const exists = await tx.query('SELECT 1 FROM api_keys WHERE id = $1 AND org_id = $2', [keyId, orgId]);
      if (exists.rows.length === 0) throw new PlatformError('NOT_FOUND', 'no such key');
      throw new PlatformError('KEY_ALREADY_REVOKED', 'the key was already revoked');
    }
    await appendRecord(tx, ledger, apiKeyRevocationRecord, row.id, row);
  });
}
