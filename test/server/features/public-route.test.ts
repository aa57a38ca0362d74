import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { formatRobotId } from '../../../src/robot-id/index.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';

// docs/robot-id.md "Worked examples": valid RID-1 IDs that no test platform has issued.
const WORKED_EXAMPLES = [
  'CNB7K2B0A3T511000000000123455',
  'CNH4W9W1C2TCA30000000000A7Z96',
  'UST5N8B020V1210000F03K2A7Q81O',
];

const devicePublicKey = () => generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;

describe(`public robot check (${backend})`, () => {
  let p: TestPlatform;
  let maker: { id: string; apiKey: string; enterpriseCode?: string };
  let robotId: string;
  let makerName: string;

  beforeAll(async () => {
    p = await startTestPlatform();
    maker = await createOrg(p, 'manufacturer', { country: 'DE' });
    makerName = (await p.call('GET', `/v1/orgs/${maker.id}`, { token: maker.apiKey })).json().name;
    const model = await p.call('POST', '/v1/models', {
      token: maker.apiKey,
      body: {
        modelCode: '1C',
        category: 'W',
        name: 'Courier W',
        jointCount: 12,
        hardwareRevisions: [{ code: 'A', params: {} }],
        limits: { minBatterySohPct: 75, maxJointWear: 0.3, maxPositionErrorMm: 3 },
      },
    });
    await p.call('POST', '/v1/sites', {
      token: maker.apiKey,
      body: { code: '3', name: 'Munich', region: 'DE-BY' },
    });
    const filed = await p.call('POST', '/v1/robots', {
      token: maker.apiKey,
      body: {
        modelId: model.json().id,
        hardwareRevision: 'A',
        siteCode: '3',
        productionDate: '2026-01-20',
        intelligenceLevel: 2,
        devicePublicKey: devicePublicKey(),
      },
    });
    expect(filed.statusCode).toBe(201);
    robotId = filed.json().robotId;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('answers a registered robot without credentials, with exactly the public fields', async () => {
    const res = await p.call('GET', `/v1/public/robots/${robotId}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(
      [
        'brands',
        'filedAt',
        'incidents',
        'manufacturer',
        'model',
        'openRecalls',
        'registered',
        'robotId',
        'status',
        'wellFormed',
      ].sort(),
    );
    expect(body).toEqual({
      robotId,
      wellFormed: true,
      registered: true,
      status: 'filed',
      manufacturer: { name: makerName, country: 'DE' },
      model: { name: 'Courier W' },
      filedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      incidents: { count: 0, serious: 0 },
      openRecalls: 0,
      brands: [],
    });
    const robot = await p.call('GET', `/v1/robots/${robotId}`, { token: maker.apiKey });
    expect(body.filedAt).toBe(robot.json().filedAt);
    // A credential is neither needed nor looked at.
    const withJunk = await p.call('GET', `/v1/public/robots/${robotId}`, { token: 'rlk_not_a_key' });
    expect(withJunk.statusCode).toBe(200);
  });

  it('accepts the display form, hyphens and lower case, answering with the canonical ID', async () => {
    for (const form of [
      formatRobotId(robotId),
      formatRobotId(robotId).replaceAll(' ', '-'),
      robotId.toLowerCase(),
    ]) {
      const res = await p.call('GET', `/v1/public/robots/${encodeURIComponent(form)}`);
      expect(res.statusCode, form).toBe(200);
      expect(res.json().robotId).toBe(robotId);
      expect(res.json().registered).toBe(true);
    }
  });

  it("answers the spec's worked examples as well-formed but unregistered", async () => {
    for (const id of WORKED_EXAMPLES) {
      const res = await p.call('GET', `/v1/public/robots/${id}`);
      expect(res.statusCode, id).toBe(200);
      expect(res.json()).toEqual({
        robotId: id,
        wellFormed: true,
        registered: false,
        status: null,
        manufacturer: null,
        model: null,
        incidents: null,
        openRecalls: null,
        brands: null,
        filedAt: null,
      });
    }
  });

  it("400 with the validator's code, position and suggestion for malformed IDs", async () => {
    const typo = await p.call('GET', '/v1/public/robots/CNB7K2B0A3T51100000000O123455');
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error).toMatchObject({
      code: 'ID_ALPHABET',
      details: { position: 23, suggestion: 'CNB7K2B0A3T511000000000123455' },
    });
    const check = await p.call('GET', '/v1/public/robots/CNB7K2B0A3T511000000000123456');
    expect(check.statusCode).toBe(400);
    expect(check.json().error).toMatchObject({
      code: 'ID_CHECK_MISMATCH',
      details: { position: 29, expected: '5' },
    });
    const short = await p.call('GET', '/v1/public/robots/CNB7K2');
    expect(short.json().error.code).toBe('ID_LENGTH');
    const country = await p.call('GET', `/v1/public/robots/ZZ${WORKED_EXAMPLES[0]!.slice(2)}`);
    expect(country.json().error).toMatchObject({ code: 'ID_COUNTRY_UNASSIGNED', details: { position: 1 } });
  });

  it('shows a status change at once, and a superseded ID as registered with supersededBy', async () => {
    await p.ctx.db.query("UPDATE robots SET status = 'suspended' WHERE robot_id = $1", [robotId]);
    expect((await p.call('GET', `/v1/public/robots/${robotId}`)).json().status).toBe('suspended');
    await p.ctx.db.query("UPDATE robots SET status = 'filed' WHERE robot_id = $1", [robotId]);

    const recoded = await p.call('POST', `/v1/robots/${robotId}/recode`, {
      token: maker.apiKey,
      body: { intelligenceLevel: 3 },
    });
    expect(recoded.statusCode).toBe(201);
    const newId = recoded.json().robotId;
    const old = await p.call('GET', `/v1/public/robots/${robotId}`);
    expect(old.json()).toMatchObject({ robotId, registered: true, status: 'filed', supersededBy: newId });
    const current = await p.call('GET', `/v1/public/robots/${newId}`);
    expect(current.json().registered).toBe(true);
    expect(current.json().supersededBy).toBeUndefined();
    expect(current.json().filedAt).toBe(old.json().filedAt);
  });

  it('answers many concurrent lookups each with its own robot', async () => {
    const asks = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? robotId : WORKED_EXAMPLES[i % 3]!));
    const answers = await Promise.all(asks.map((id) => p.call('GET', `/v1/public/robots/${id}`)));
    answers.forEach((res, i) => {
      expect(res.statusCode).toBe(200);
      expect(res.json().robotId).toBe(asks[i]);
      expect(res.json().registered).toBe(asks[i] === robotId);
    });
  });
});

describe(`public robot check rate limit (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ env: { ROBOLEDGER_PUBLIC_RATE_LIMIT: '3' } });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('429 RATE_LIMITED in the error envelope once an address exceeds the limit', async () => {
    // The limit counts per minute of Date.now(): stop that clock (timers stay real, for the
    // database), so that a slow machine cannot spread these requests over two windows.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const id = WORKED_EXAMPLES[0]!;
    for (let i = 0; i < 3; i++) expect((await p.call('GET', `/v1/public/robots/${id}`)).statusCode).toBe(200);
    const limited = await p.call('GET', `/v1/public/robots/${id}`);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    // Malformed IDs count too: the limit is per address, not per answer.
    expect((await p.call('GET', '/v1/public/robots/nope')).statusCode).toBe(429);
  });
});
