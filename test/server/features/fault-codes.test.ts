// A model's fault codes (docs/registry.md "Fault codes"): declared by the model's manufacturer,
// added but never changed, each a ledgered record audit rebuilds; read by whoever sees the model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFaultCodes } from '../../../src/server/features/catalogue/fault-codes.js';
import { auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';

const LOCO = {
  code: 'LOCO_BAL_SW',
  component: 'locomotion',
  origin: 'software',
  description: 'balance controller lost its estimate of the centre of mass',
};
const KNEE = {
  code: 'JOINT_OVERTEMP_HW',
  component: 'knee_actuator',
  origin: 'hardware',
  description: 'knee actuator winding above its rated temperature',
};

describe(`model fault codes (${backend})`, () => {
  let p: TestPlatform;
  let maker: { id: string; apiKey: string };
  let otherMaker: { id: string; apiKey: string };
  let operator: { id: string; apiKey: string };
  let modelId: string;

  const post = (token: string, faultCodes: unknown[], model = modelId) =>
    p.call('POST', `/v1/models/${model}/fault-codes`, { token, body: { faultCodes } });
  const ledgerSize = async () => (await p.ctx.ledger.head()).size;
  const rowCount = async () =>
    (await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM model_fault_codes')).rows[0]!.n;

  beforeAll(async () => {
    p = await startTestPlatform();
    maker = await createOrg(p, 'manufacturer');
    otherMaker = await createOrg(p, 'manufacturer');
    operator = await createOrg(p, 'operator');
    const model = await p.call('POST', '/v1/models', {
      token: maker.apiKey,
      body: {
        modelCode: '0A',
        category: 'B',
        name: 'Walker One',
        jointCount: 28,
        hardwareRevisions: [{ code: '1', params: {} }],
        limits: { minBatterySohPct: 70, maxJointWear: 0.35, maxPositionErrorMm: 5 },
      },
    });
    expect(model.statusCode, model.body).toBe(201);
    modelId = model.json().id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('201 with every code of the model, sorted, each a ledgered record that rebuilds', async () => {
    const before = await ledgerSize();
    const res = await post(maker.apiKey, [LOCO, KNEE]);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.modelId).toBe(modelId);
    expect(body.faultCodes.map((f: { code: string }) => f.code)).toEqual([
      'JOINT_OVERTEMP_HW',
      'LOCO_BAL_SW',
    ]);
    expect(body.faultCodes[1]).toMatchObject({ ...LOCO, createdAt: expect.any(String) });
    expect(await ledgerSize()).toBe(before + 2);
    const indices = body.faultCodes
      .map((f: { ledgerIndex: number }) => f.ledgerIndex)
      .sort((a: number, b: number) => a - b);
    expect(indices).toEqual([before, before + 1]);
    for (const f of body.faultCodes) {
      const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, f.ledgerIndex);
      expect(record).toMatchObject({
        kind: 'model_fault_code',
        id: `${modelId}/${f.code}`,
        modelId,
        code: f.code,
        component: f.component,
        origin: f.origin,
        description: f.description,
      });
      expect(record).not.toHaveProperty('robotChain');
    }
    expect(await loadFaultCodes(p.ctx.db, modelId)).toEqual([KNEE, LOCO]);
  });

  it('re-posting identical codes is idempotent: no new record; new ones next to them are added', async () => {
    const before = await ledgerSize();
    const again = await post(maker.apiKey, [KNEE, LOCO]);
    expect(again.statusCode).toBe(201);
    expect(again.json().faultCodes).toHaveLength(2);
    expect(await ledgerSize()).toBe(before);

    const encoder = {
      code: 'ENC.GLITCH-2',
      component: 'joint_encoders',
      origin: 'hardware',
      description: 'an encoder reading jumped',
    };
    const more = await post(maker.apiKey, [LOCO, encoder]);
    expect(more.statusCode).toBe(201);
    expect(more.json().faultCodes.map((f: { code: string }) => f.code)).toEqual([
      'ENC.GLITCH-2',
      'JOINT_OVERTEMP_HW',
      'LOCO_BAL_SW',
    ]);
    expect(await ledgerSize()).toBe(before + 1);
  });

  it('409 FAULT_CODE_CONFLICT for another definition of a code, and nothing of the request is kept', async () => {
    const before = { ledger: await ledgerSize(), rows: await rowCount() };
    const fresh = { code: 'PERC_MISS_SW', component: 'perception', origin: 'software', description: 'late' };
    for (const changed of [
      { ...LOCO, origin: 'hardware' },
      { ...LOCO, component: 'balance' },
      { ...LOCO, description: 'something else' },
    ]) {
      const res = await post(maker.apiKey, [fresh, changed]);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'FAULT_CODE_CONFLICT',
        details: { code: 'LOCO_BAL_SW' },
      });
    }
    expect(await ledgerSize()).toBe(before.ledger);
    expect(await rowCount()).toBe(before.rows);
    const listed = await p.call('GET', `/v1/models/${modelId}/fault-codes`, { token: maker.apiKey });
    expect(listed.json().faultCodes.find((f: { code: string }) => f.code === 'LOCO_BAL_SW')).toMatchObject(
      LOCO,
    );
  });

  it('refuses malformed codes and a code listed twice (400), writing nothing', async () => {
    const before = await rowCount();
    const cases: unknown[][] = [
      [],
      [{ ...LOCO, code: 'lower_case' }],
      [{ ...LOCO, code: 'A'.repeat(33) }],
      [{ ...LOCO, origin: 'firmware' }],
      [{ ...LOCO, component: '' }],
      [{ ...LOCO, component: 'c'.repeat(201) }],
      [{ ...LOCO, description: '' }],
      [{ ...LOCO, description: 'd'.repeat(2001) }],
      [{ ...LOCO, extra: true }],
      [{ code: 'X1', component: 'x', origin: 'software' }],
      Array.from({ length: 201 }, (_, i) => ({ ...LOCO, code: `C${i}` })),
      [
        { ...KNEE, code: 'TWICE' },
        { ...KNEE, code: 'TWICE' },
      ],
    ];
    for (const faultCodes of cases) {
      const res = await post(maker.apiKey, faultCodes);
      expect({ n: faultCodes.length, status: res.statusCode }).toEqual({ n: faultCodes.length, status: 400 });
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    // 200 codes at once is the limit, and fine.
    const many = Array.from({ length: 200 }, (_, i) => ({ ...KNEE, code: `BULK_${i}` }));
    expect((await post(maker.apiKey, many)).statusCode).toBe(201);
    expect(await rowCount()).toBe(before + 200);
  });

  it('only the model’s manufacturer declares: others 403, another manufacturer 404', async () => {
    const before = await rowCount();
    const newCode = [{ ...KNEE, code: 'NOT_YOURS' }];
    const byOperator = await post(operator.apiKey, newCode);
    expect(byOperator.statusCode).toBe(403);
    expect(byOperator.json().error.code).toBe('FORBIDDEN');
    const byOther = await post(otherMaker.apiKey, newCode);
    expect(byOther.statusCode).toBe(404);
    expect(byOther.json().error.code).toBe('MODEL_NOT_FOUND');
    const unknown = await post(maker.apiKey, newCode, '00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(await rowCount()).toBe(before);
  });

  it('GET for whoever reads the model: every organisation, but not another manufacturer', async () => {
    const ok = await p.call('GET', `/v1/models/${modelId}/fault-codes`, { token: operator.apiKey });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().modelId).toBe(modelId);
    const codes = ok.json().faultCodes.map((f: { code: string }) => f.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toContain('LOCO_BAL_SW');
    const hidden = await p.call('GET', `/v1/models/${modelId}/fault-codes`, { token: otherMaker.apiKey });
    expect(hidden.statusCode).toBe(404);
    expect((await p.call('GET', `/v1/models/${modelId}/fault-codes`)).statusCode).toBe(401);
  });

  it('audit rebuilds every fault code record and names one edited behind the platform’s back', async () => {
    expect((await auditLedger(p.ctx.db, { recordKinds: p.ctx.recordKinds })).findings).toEqual([]);
    await p.ctx.db.query(
      "UPDATE model_fault_codes SET origin = 'hardware' WHERE model_id = $1 AND code = 'LOCO_BAL_SW'",
      [modelId],
    );
    const findings = (await auditLedger(p.ctx.db, { recordKinds: p.ctx.recordKinds })).findings;
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'model_fault_code', recordId: `${modelId}/LOCO_BAL_SW` }),
    ]);
  });
});
