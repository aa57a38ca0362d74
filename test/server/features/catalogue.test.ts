import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds, openStoredRecord } from '../../support/ledger-records.js';

const limits = { minBatterySohPct: 70, maxJointWear: 0.35, maxPositionErrorMm: 5 };

function modelBody(overrides: Record<string, unknown> = {}) {
  return {
    modelCode: '0A',
    category: 'B',
    name: 'Walker One',
    jointCount: 28,
    hardwareRevisions: [
      { code: '1', params: { battery: 'LFP 2.1 kWh', actuators: { count: 28, vendor: 'in-house' } } },
      { code: '2', params: { battery: 'LFP 2.4 kWh' } },
    ],
    limits,
    ...overrides,
  };
}

async function count(p: TestPlatform, table: string): Promise<number> {
  const { rows } = await p.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

describe(`catalogue: models and sites (${backend})`, () => {
  let p: TestPlatform;
  let maker: { id: string; apiKey: string; enterpriseCode?: string };
  let otherMaker: { id: string; apiKey: string };
  let operator: { id: string; apiKey: string };
  let modelId: string;

  beforeAll(async () => {
    p = await startTestPlatform();
    maker = await createOrg(p, 'manufacturer');
    otherMaker = await createOrg(p, 'manufacturer');
    operator = await createOrg(p, 'operator');
  });
  afterAll(async () => {
    await p?.close();
  });

  it('files a model with its revisions and limits; the ledger entry carries the revisions', async () => {
    const res = await p.call('POST', '/v1/models', { token: maker.apiKey, body: modelBody() });
    expect(res.statusCode).toBe(201);
    const model = res.json();
    modelId = model.id;
    expect(model).toMatchObject({
      manufacturerId: maker.id,
      modelCode: '0A',
      category: 'B',
      name: 'Walker One',
      jointCount: 28,
      limits,
    });
    expect(model.hardwareRevisions.map((r: { code: string }) => r.code)).toEqual(['1', '2']);
    expect(model.hardwareRevisions[0].params.actuators).toEqual({ count: 28, vendor: 'in-house' });
    expect(model.hardwareRevisions[0].ledgerIndex).toBeNull();

    const { rows } = await p.ctx.db.query<{ entry: Uint8Array; record_kind: string; record_id: string }>(
      'SELECT entry, record_kind, record_id FROM ledger_entries WHERE idx = $1',
      [model.ledgerIndex],
    );
    expect(rows[0]!.record_kind).toBe('model');
    expect(rows[0]!.record_id).toBe(model.id);
    const entry = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, model.ledgerIndex);
    expect(entry).toMatchObject({ kind: 'model', id: model.id, modelCode: '0A', limits });
    expect(entry.hardwareRevisions).toEqual([
      { code: '1', params: { battery: 'LFP 2.1 kWh', actuators: { count: 28, vendor: 'in-house' } } },
      { code: '2', params: { battery: 'LFP 2.4 kWh' } },
    ]);
  });

  it('409 MODEL_CODE_TAKEN for the same code and category, but the code is free in another category or enterprise', async () => {
    const before = await count(p, 'models');
    const taken = await p.call('POST', '/v1/models', { token: maker.apiKey, body: modelBody() });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('MODEL_CODE_TAKEN');
    expect(await count(p, 'models')).toBe(before);
    const wheeled = await p.call('POST', '/v1/models', {
      token: maker.apiKey,
      body: modelBody({ category: 'W' }),
    });
    expect(wheeled.statusCode).toBe(201);
    const other = await p.call('POST', '/v1/models', { token: otherMaker.apiKey, body: modelBody() });
    expect(other.statusCode).toBe(201);
  });

  it('refuses malformed models with coded 400s and writes nothing', async () => {
    const before = [
      await count(p, 'models'),
      await count(p, 'hardware_revisions'),
      await count(p, 'ledger_entries'),
    ];
    const cases: Record<string, unknown>[] = [
      modelBody({ modelCode: 'I0' }),
      modelBody({ modelCode: 'A' }),
      modelBody({ modelCode: '0a' }),
      modelBody({ category: 'Q' }),
      modelBody({ hardwareRevisions: [] }),
      modelBody({ hardwareRevisions: [{ code: 'O', params: {} }] }),
      modelBody({ hardwareRevisions: [{ code: '12', params: {} }] }),
      modelBody({ hardwareRevisions: [{ code: '1', params: [1, 2] }] }),
      modelBody({ hardwareRevisions: [{ code: '1', params: 'x' }] }),
      modelBody({
        hardwareRevisions: [
          { code: '1', params: {} },
          { code: '1', params: {} },
        ],
      }),
      modelBody({ jointCount: 0 }),
      modelBody({ limits: { ...limits, maxJointWear: 2 } }),
      modelBody({ limits: { ...limits, maxPositionErrorMm: 0 } }),
      modelBody({ limits: { minBatterySohPct: 70 } }),
      modelBody({ extra: true }),
    ];
    for (const body of cases) {
      const res = await p.call('POST', '/v1/models', {
        token: maker.apiKey,
        body: { ...body, modelCode: body.modelCode ?? 'ZZ' },
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    const huge = await p.call('POST', '/v1/models', {
      token: maker.apiKey,
      body: modelBody({
        modelCode: 'ZY',
        hardwareRevisions: [{ code: '1', params: { blob: 'x'.repeat(17 * 1024) } }],
      }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: { field: 'hardwareRevisions/0/params' },
    });
    expect([
      await count(p, 'models'),
      await count(p, 'hardware_revisions'),
      await count(p, 'ledger_entries'),
    ]).toEqual(before);
  });

  it('403 for non-manufacturers filing models or sites; 401 without a key', async () => {
    for (const token of [operator.apiKey, ADMIN_TOKEN]) {
      const res = await p.call('POST', '/v1/models', { token, body: modelBody({ modelCode: '99' }) });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
      const site = await p.call('POST', '/v1/sites', {
        token,
        body: { code: '1', name: 'x', region: 'CN-HB' },
      });
      expect(site.statusCode).toBe(403);
    }
    expect((await p.call('GET', '/v1/models')).statusCode).toBe(401);
  });

  it('lists a manufacturer its own models, everyone else all of them, with a manufacturer filter and paging', async () => {
    const own = await p.call('GET', '/v1/models', { token: maker.apiKey });
    expect(own.statusCode).toBe(200);
    expect(own.json().items.every((m: { manufacturerId: string }) => m.manufacturerId === maker.id)).toBe(
      true,
    );
    expect(own.json().items).toHaveLength(2);
    const foreign = await p.call('GET', `/v1/models?manufacturerId=${otherMaker.id}`, {
      token: maker.apiKey,
    });
    expect(foreign.json().items).toEqual([]);

    const all = await p.call('GET', '/v1/models', { token: operator.apiKey });
    expect(all.json().items).toHaveLength(3);
    const filtered = await p.call('GET', `/v1/models?manufacturerId=${otherMaker.id}`, {
      token: operator.apiKey,
    });
    expect(filtered.json().items.map((m: { manufacturerId: string }) => m.manufacturerId)).toEqual([
      otherMaker.id,
    ]);

    const first = await p.call('GET', '/v1/models?limit=2', { token: operator.apiKey });
    expect(first.json().items).toHaveLength(2);
    expect(first.json().nextCursor).toBe(first.json().items[1].id);
    const second = await p.call('GET', `/v1/models?limit=2&cursor=${first.json().nextCursor}`, {
      token: operator.apiKey,
    });
    expect(second.json().items).toHaveLength(1);
    expect(second.json().nextCursor).toBeNull();
    const bad = await p.call('GET', '/v1/models?cursor=nope', { token: operator.apiKey });
    expect(bad.statusCode).toBe(400);
  });

  it('reads one model; another manufacturer gets 404 MODEL_NOT_FOUND', async () => {
    const mine = await p.call('GET', `/v1/models/${modelId}`, { token: maker.apiKey });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().id).toBe(modelId);
    expect((await p.call('GET', `/v1/models/${modelId}`, { token: operator.apiKey })).statusCode).toBe(200);
    const theirs = await p.call('GET', `/v1/models/${modelId}`, { token: otherMaker.apiKey });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error.code).toBe('MODEL_NOT_FOUND');
    const unknown = await p.call('GET', '/v1/models/00000000-0000-4000-8000-000000000000', {
      token: maker.apiKey,
    });
    expect(unknown.json().error.code).toBe('MODEL_NOT_FOUND');
  });

  it('adds a hardware revision later as its own ledger record; 409 for a taken code, 404 on another’s model', async () => {
    const res = await p.call('POST', `/v1/models/${modelId}/hardware-revisions`, {
      token: maker.apiKey,
      body: { code: 'A', params: { battery: 'solid state' } },
    });
    expect(res.statusCode).toBe(201);
    const revision = res.json();
    expect(revision).toMatchObject({ modelId, code: 'A', params: { battery: 'solid state' } });
    const leaf = await p.ctx.db.query<{ record_kind: string; record_id: string }>(
      'SELECT record_kind, record_id FROM ledger_entries WHERE idx = $1',
      [revision.ledgerIndex],
    );
    expect(leaf.rows[0]).toEqual({ record_kind: 'hardware_revision', record_id: `${modelId}/A` });

    const again = await p.call('POST', `/v1/models/${modelId}/hardware-revisions`, {
      token: maker.apiKey,
      body: { code: 'A', params: {} },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('HARDWARE_REVISION_TAKEN');
    const foreign = await p.call('POST', `/v1/models/${modelId}/hardware-revisions`, {
      token: otherMaker.apiKey,
      body: { code: 'B', params: {} },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('MODEL_NOT_FOUND');
    const operatorTry = await p.call('POST', `/v1/models/${modelId}/hardware-revisions`, {
      token: operator.apiKey,
      body: { code: 'B', params: {} },
    });
    expect(operatorTry.statusCode).toBe(403);

    const model = await p.call('GET', `/v1/models/${modelId}`, { token: maker.apiKey });
    expect(model.json().hardwareRevisions.map((r: { code: string }) => r.code)).toEqual(['1', '2', 'A']);
    // The model's own entry is unchanged: it still lists only the revisions filed with it.
    const json = (await openStoredRecord(p.ctx.db, model.json().ledgerIndex)).record as {
      hardwareRevisions: { code: string }[];
    };
    expect(json.hardwareRevisions.map((r: { code: string }) => r.code)).toEqual(['1', '2']);
  });

  it('registers sites with GB/T 2260 or ISO 3166-2 regions; 409 SITE_CODE_TAKEN; lists them', async () => {
    const a = await p.call('POST', '/v1/sites', {
      token: maker.apiKey,
      body: { code: '1', name: 'Wuhan plant', region: '420100' },
    });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({
      manufacturerId: maker.id,
      code: '1',
      name: 'Wuhan plant',
      region: '420100',
    });
    const b = await p.call('POST', '/v1/sites', {
      token: maker.apiKey,
      body: { code: '3', name: 'Hubei plant', region: 'CN-HB' },
    });
    expect(b.statusCode).toBe(201);
    const leaf = await p.ctx.db.query<{ record_kind: string }>(
      'SELECT record_kind FROM ledger_entries WHERE idx = $1',
      [b.json().ledgerIndex],
    );
    expect(leaf.rows[0]!.record_kind).toBe('site');

    const before = await count(p, 'sites');
    const taken = await p.call('POST', '/v1/sites', {
      token: maker.apiKey,
      body: { code: '1', name: 'x', region: 'CN-BJ' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('SITE_CODE_TAKEN');
    for (const body of [
      { code: 'I', name: 'x', region: 'CN-BJ' },
      { code: '12', name: 'x', region: 'CN-BJ' },
      { code: '5', name: 'x', region: 'ZZ-AB' },
      { code: '5', name: 'x', region: '12345' },
      { code: '5', name: 'x', region: '990000' },
      { code: '5', name: 'x', region: 'Hubei' },
      { code: '5', name: '', region: 'CN-HB' },
    ]) {
      const res = await p.call('POST', '/v1/sites', { token: maker.apiKey, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect(await count(p, 'sites')).toBe(before);
    // Another manufacturer may use the same code.
    const other = await p.call('POST', '/v1/sites', {
      token: otherMaker.apiKey,
      body: { code: '1', name: 'Shenzhen', region: '440300' },
    });
    expect(other.statusCode).toBe(201);

    const own = await p.call('GET', '/v1/sites', { token: maker.apiKey });
    expect(
      own
        .json()
        .items.map((s: { code: string }) => s.code)
        .sort(),
    ).toEqual(['1', '3']);
    const all = await p.call('GET', '/v1/sites', { token: operator.apiKey });
    expect(all.json().items).toHaveLength(3);
    const filtered = await p.call('GET', `/v1/sites?manufacturerId=${otherMaker.id}`, {
      token: operator.apiKey,
    });
    expect(filtered.json().items).toHaveLength(1);
  });

  it('every catalogue leaf rebuilds from the stored rows (what audit recomputes)', async () => {
    const { rows } = await p.ctx.db.query<{ idx: number }>(
      "SELECT idx FROM ledger_entries WHERE record_kind IN ('model', 'hardware_revision', 'site')",
    );
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const row of rows) await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, row.idx);
  });
});
