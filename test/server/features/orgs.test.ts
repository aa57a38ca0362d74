import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../src/server/auth/api-keys.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';

describe(`organisations and API keys (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('creates a manufacturer with an enterprise code and a working key, shown once and stored as a hash', async () => {
    const res = await p.call('POST', '/v1/orgs', {
      token: ADMIN_TOKEN,
      body: { name: 'Acme Robotics', kind: 'manufacturer', country: 'CN' },
    });
    expect(res.statusCode).toBe(201);
    const org = res.json();
    expect(org).toMatchObject({ name: 'Acme Robotics', kind: 'manufacturer', country: 'CN' });
    expect(org.enterpriseCode).toMatch(/^[0-9A-HJ-NP-Z]{4}$/);
    expect(org.apiKey).toMatch(/^rlk_/);
    expect(Number.isInteger(org.ledgerIndex)).toBe(true);

    const stored = await p.ctx.db.query<{ secret_hash: Uint8Array }>(
      'SELECT secret_hash FROM api_keys WHERE org_id = $1',
      [org.id],
    );
    expect(stored.rows).toHaveLength(1);
    expect(Buffer.from(stored.rows[0]!.secret_hash)).toEqual(Buffer.from(hashApiKey(org.apiKey)));
    const dump = await p.ctx.db.query(
      "SELECT count(*)::int AS n FROM api_keys WHERE encode(secret_hash, 'escape') LIKE '%rlk_%'",
    );
    expect(dump.rows[0]).toEqual({ n: 0 });

    const me = await p.call('GET', `/v1/orgs/${org.id}`, { token: org.apiKey });
    expect(me.statusCode).toBe(200);
    expect(me.json().enterpriseCode).toBe(org.enterpriseCode);
  });

  it('accepts a given enterprise code once, then 409 ENTERPRISE_CODE_TAKEN and nothing written', async () => {
    const first = await createOrg(p, 'manufacturer', { enterpriseCode: 'B7K2' });
    expect(first.enterpriseCode).toBe('B7K2');
    const before = await p.ctx.db.query('SELECT count(*)::int AS n FROM organisations');
    const res = await p.call('POST', '/v1/orgs', {
      token: ADMIN_TOKEN,
      body: { name: 'Copycat', kind: 'manufacturer', country: 'CN', enterpriseCode: 'B7K2' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('ENTERPRISE_CODE_TAKEN');
    const after = await p.ctx.db.query('SELECT count(*)::int AS n FROM organisations');
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses malformed bodies with coded 400s', async () => {
    const cases: unknown[] = [
      { name: 'x', kind: 'manufacturer', country: 'ZZ' },
      { name: 'x', kind: 'registry', country: 'CN' },
      { name: 'x', kind: 'operator', country: 'CN', enterpriseCode: 'AAAA' },
      { name: 'x', kind: 'manufacturer', country: 'CN', enterpriseCode: 'IO12' },
      { name: '', kind: 'operator', country: 'CN' },
      { name: 'x', kind: 'operator', country: 'CN', extra: 1 },
    ];
    for (const body of cases) {
      const res = await p.call('POST', '/v1/orgs', { token: ADMIN_TOKEN, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    const bad = await p.call('POST', '/v1/orgs', {
      token: ADMIN_TOKEN,
      body: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('MALFORMED_JSON');
  });

  it('401 without or with a bad key, 403 for a non-registry creating organisations', async () => {
    expect((await p.call('POST', '/v1/orgs', { body: {} })).json().error.code).toBe('UNAUTHENTICATED');
    const bad = await p.call('GET', '/v1/orgs', { token: 'rlk_nope' });
    expect(bad.statusCode).toBe(401);
    const operator = await createOrg(p, 'operator');
    const res = await p.call('POST', '/v1/orgs', {
      token: operator.apiKey,
      body: { name: 'x', kind: 'operator', country: 'CN' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('issues further keys and revokes one at once; another org cannot see the keys (404)', async () => {
    const operator = await createOrg(p, 'operator');
    const other = await createOrg(p, 'operator');
    const issued = await p.call('POST', `/v1/orgs/${operator.id}/keys`, {
      token: operator.apiKey,
      body: { label: 'ci' },
    });
    expect(issued.statusCode).toBe(201);
    const { keyId, apiKey } = issued.json();
    expect((await p.call('GET', `/v1/orgs/${operator.id}/keys`, { token: apiKey })).statusCode).toBe(200);
    expect((await p.call('GET', `/v1/orgs/${operator.id}/keys`, { token: other.apiKey })).statusCode).toBe(
      404,
    );
    expect(
      (await p.call('DELETE', `/v1/orgs/${operator.id}/keys/${keyId}`, { token: other.apiKey })).statusCode,
    ).toBe(404);

    const revoked = await p.call('DELETE', `/v1/orgs/${operator.id}/keys/${keyId}`, {
      token: operator.apiKey,
    });
    expect(revoked.statusCode).toBe(204);
    const after = await p.call('GET', `/v1/orgs/${operator.id}/keys`, { token: apiKey });
    expect(after.statusCode).toBe(401);
    const again = await p.call('DELETE', `/v1/orgs/${operator.id}/keys/${keyId}`, { token: operator.apiKey });
    expect(again.json().error.code).toBe('KEY_ALREADY_REVOKED');
  });

  it('GET /v1/me names the caller: its organisation, role and key', async () => {
    const operator = await createOrg(p, 'operator');
    const me = await p.call('GET', '/v1/me', { token: operator.apiKey });
    expect(me.statusCode).toBe(200);
    const keys = (await p.call('GET', `/v1/orgs/${operator.id}/keys`, { token: operator.apiKey })).json();
    expect(me.json()).toMatchObject({
      org: { id: operator.id, kind: 'operator', country: 'CN' },
      role: 'operator',
      keyId: keys.items[0].keyId,
    });
    const registry = (await p.call('GET', '/v1/me', { token: ADMIN_TOKEN })).json();
    expect(registry).toMatchObject({ role: 'registry', keyId: null, org: { kind: 'registry' } });
    expect((await p.call('GET', '/v1/me')).statusCode).toBe(401);
  });

  it('the directory finds organisations by part of their name, showing public fields only', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const names = [`Acme ${tag} Robotics`, `acme ${tag} Services`, `Globex ${tag}_x`, `Initech ${tag}%`];
    const made = [];
    for (const [i, name] of names.entries()) {
      const res = await p.call('POST', '/v1/orgs', {
        token: ADMIN_TOKEN,
        body: { name, kind: i === 1 ? 'maintainer' : 'operator', country: 'DE' },
      });
      expect(res.statusCode).toBe(201);
      made.push(res.json());
    }
    const asker = await createOrg(p, 'maintainer');
    const search = async (query: string) => {
      const res = await p.call('GET', `/v1/directory/orgs?${query}`, { token: asker.apiKey });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: Record<string, unknown>[]; nextCursor: string | null };
    };
    const acme = await search(`q=${encodeURIComponent(`ACME ${tag}`)}`);
    expect(acme.items).toEqual([
      { id: made[0].id, name: names[0], kind: 'operator', country: 'DE' },
      { id: made[1].id, name: names[1], kind: 'maintainer', country: 'DE' },
    ]);
    expect((await search(`q=${encodeURIComponent(`acme ${tag}`)}&kind=maintainer`)).items).toHaveLength(1);
    // LIKE's wildcards in the search text are literal.
    expect((await search(`q=${encodeURIComponent(`${tag}_`)}`)).items.map((o) => o.name)).toEqual([names[2]]);
    expect((await search(`q=${encodeURIComponent(`${tag}%`)}`)).items.map((o) => o.name)).toEqual([names[3]]);
    // Pages follow one another without gaps or repeats.
    const page1 = await search(`q=${tag}&limit=3`);
    const page2 = await search(`q=${tag}&limit=3&cursor=${page1.nextCursor}`);
    expect([...page1.items, ...page2.items].map((o) => o.name)).toEqual([...names].sort());
    expect(page2.nextCursor).toBeNull();
    const bad = await p.call('GET', '/v1/directory/orgs?cursor=nonsense', { token: asker.apiKey });
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    expect((await p.call('GET', `/v1/directory/orgs?q=${tag}`)).statusCode).toBe(401);
  });

  it('issues a key without a body, as the label is optional', async () => {
    const operator = await createOrg(p, 'operator');
    const issued = await p.call('POST', `/v1/orgs/${operator.id}/keys`, { token: operator.apiKey });
    expect(issued.statusCode).toBe(201);
    expect((await p.call('GET', '/v1/orgs/' + operator.id, { token: issued.json().apiKey })).statusCode).toBe(
      200,
    );
  });

  it('appends every organisation and key change to the ledger with gapless indices', async () => {
    const { rows } = await p.ctx.db.query<{ idx: number; record_kind: string }>(
      'SELECT idx, record_kind FROM ledger_entries ORDER BY idx',
    );
    expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
    expect(new Set(rows.map((r) => r.record_kind))).toEqual(
      new Set(['organisation', 'api_key', 'api_key_revocation']),
    );
    const head = await p.ctx.ledger.head();
    expect(head.size).toBe(rows.length);
  });
});
