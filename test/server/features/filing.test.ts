import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { decodeUnitSequence, encodeUnitSequence } from '../../../src/core/filing.js';
import { decodeRobotId, isValidRobotId } from '../../../src/robot-id/index.js';
import { buildApp } from '../../../src/server/app.js';
import { closeAppContext, createAppContext } from '../../../src/server/context.js';
import { openDatabase } from '../../../src/server/db/open-database.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { StoppableClock } from '../../support/clock.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';

type Org = { id: string; apiKey: string; enterpriseCode?: string };

function devicePublicKey(): string {
  return generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
}

// Stopped while the refusals are tried, so that "tomorrow" is tomorrow for the platform too,
// even across midnight.
const clock = new StoppableClock();

function tomorrow(): string {
  return new Date(clock.now().getTime() + 24 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Rows every filing writes, and the ledger: a refused filing must leave all of them unchanged. */
interface Snapshot {
  robots: number;
  ids: number;
  keys: number;
  events: number;
  leaves: number;
  counters: number;
}

async function snapshot(p: TestPlatform): Promise<Snapshot> {
  const { rows } = await p.ctx.db.query<Snapshot>(
    `SELECT (SELECT count(*) FROM robots)::int AS robots, (SELECT count(*) FROM robot_ids)::int AS ids,
            (SELECT count(*) FROM device_keys)::int AS keys, (SELECT count(*) FROM robot_events)::int AS events,
            (SELECT count(*) FROM ledger_entries)::int AS leaves,
            (SELECT coalesce(sum(next_value), 0)::int FROM unit_sequence_counters) AS counters`,
  );
  return rows[0]!;
}

async function registerCatalogue(p: TestPlatform, maker: Org, modelCode = '0A') {
  const model = await p.call('POST', '/v1/models', {
    token: maker.apiKey,
    body: {
      modelCode,
      category: 'B',
      name: `Walker ${modelCode}`,
      jointCount: 28,
      hardwareRevisions: [
        { code: '1', params: { battery: '2.1 kWh' } },
        { code: 'A', params: { battery: '2.4 kWh' } },
      ],
      limits: { minBatterySohPct: 70, maxJointWear: 0.4, maxPositionErrorMm: 5 },
    },
  });
  expect(model.statusCode).toBe(201);
  for (const [code, region] of [
    ['1', '420100'],
    ['3', 'CN-GD'],
  ] as const) {
    const site = await p.call('POST', '/v1/sites', {
      token: maker.apiKey,
      body: { code, name: `Plant ${code}`, region },
    });
    expect([201, 409]).toContain(site.statusCode);
  }
  return model.json().id as string;
}

describe(`filing robots and issuing IDs (${backend})`, () => {
  let p: TestPlatform;
  let maker: Org;
  let otherMaker: Org;
  let operator: Org;
  let regulator: Org;
  let modelId: string;
  let otherModelId: string;
  let firstRobotId: string;

  const filing = (overrides: Record<string, unknown> = {}) => ({
    modelId,
    hardwareRevision: '1',
    siteCode: '1',
    productionDate: '2026-05-14',
    intelligenceLevel: 3,
    devicePublicKey: devicePublicKey(),
    ...overrides,
  });

  beforeAll(async () => {
    p = await startTestPlatform({ clock: clock.now });
    maker = await createOrg(p, 'manufacturer', { enterpriseCode: 'B7K2' });
    otherMaker = await createOrg(p, 'manufacturer', { country: 'US' });
    operator = await createOrg(p, 'operator');
    regulator = await createOrg(p, 'regulator');
    modelId = await registerCatalogue(p, maker);
    otherModelId = await registerCatalogue(p, otherMaker);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('files a robot: 201 with an ID that decodes back to the filed facts, and every row in one unit', async () => {
    const key = devicePublicKey();
    const res = await p.call('POST', '/v1/robots', {
      token: maker.apiKey,
      body: filing({ devicePublicKey: key }),
    });
    expect(res.statusCode).toBe(201);
    const robot = res.json();
    firstRobotId = robot.robotId;
    expect(robot.status).toBe('filed');
    expect(isValidRobotId(robot.robotId)).toBe(true);
    expect(robot.robotId).toBe(`CNB7K2B0A3T51100000000000001${robot.robotId.at(-1)}`);
    const decoded = decodeRobotId(robot.robotId);
    expect(decoded).toMatchObject({
      country: 'CN',
      enterprise: 'B7K2',
      category: 'B',
      model: '0A',
      level: 3,
      productionYear: 2026,
      productionMonth: 5,
      hardwareRevision: '1',
      site: '1',
      unitSequencePadded: encodeUnitSequence(1),
    });
    expect(robot).toMatchObject({
      owner: { id: maker.id, kind: 'manufacturer' },
      manufacturer: { id: maker.id, country: 'CN', enterpriseCode: 'B7K2' },
      model: { id: modelId, modelCode: '0A', category: 'B', jointCount: 28 },
      intelligenceLevel: 3,
      intelligenceLevelFiled: 3,
      productionDate: '2026-05-14',
      devicePublicKey: key,
      previousRobotIds: [],
      decoded: { levelAsFiled: 3, productionYear: 2026, productionMonth: 5, unitSequence: '1' },
    });

    const event = await p.ctx.db.query<{ type: string; data: Record<string, unknown>; ledger_index: number }>(
      'SELECT type, data, ledger_index FROM robot_events WHERE robot_id = $1',
      [robot.robotId],
    );
    expect(event.rows).toHaveLength(1);
    expect(event.rows[0]!.type).toBe('filing');
    expect(event.rows[0]!.ledger_index).toBe(robot.ledgerIndex);
    const site = await p.ctx.db.query<{ id: string }>(
      'SELECT id FROM sites WHERE manufacturer_id = $1 AND code = $2',
      [maker.id, '1'],
    );
    expect(event.rows[0]!.data).toEqual({
      modelId,
      hardwareRevision: '1',
      siteId: site.rows[0]!.id,
      siteCode: '1',
      productionDate: '2026-05-14',
      intelligenceLevel: 3,
      unitSequence: encodeUnitSequence(1),
      unitSequenceSource: 'platform',
      devicePublicKey: key,
      ownerId: maker.id,
    });
    const ids = await p.ctx.db.query(
      'SELECT unit_sequence, superseded_at FROM robot_ids WHERE robot_id = $1',
      [robot.robotId],
    );
    expect(ids.rows).toEqual([{ unit_sequence: encodeUnitSequence(1), superseded_at: null }]);
    const keys = await p.ctx.db.query<{ public_key: Uint8Array }>(
      'SELECT k.public_key FROM device_keys k JOIN robots r ON r.id = k.robot_uuid WHERE r.robot_id = $1',
      [robot.robotId],
    );
    expect(Buffer.from(keys.rows[0]!.public_key).toString('base64url')).toBe(key);

    // One unit: every row of the filing, its ledger leaf included, was written by one
    // transaction (PostgreSQL stamps each row version with its writer's id, xmin).
    const writers = await p.ctx.db.query<{ row: string; xmin: string }>(
      `WITH r AS (SELECT id FROM robots WHERE robot_id = $1)
       SELECT 'robot' AS row, xmin::text FROM robots WHERE id = (SELECT id FROM r)
       UNION ALL SELECT 'robot_id', xmin::text FROM robot_ids WHERE robot_uuid = (SELECT id FROM r)
       UNION ALL SELECT 'event', xmin::text FROM robot_events WHERE robot_uuid = (SELECT id FROM r)
       UNION ALL SELECT 'device_key', xmin::text FROM device_keys WHERE robot_uuid = (SELECT id FROM r)
       UNION ALL SELECT 'ledger_entry', xmin::text FROM ledger_entries WHERE idx = $2`,
      [robot.robotId, robot.ledgerIndex],
    );
    expect(writers.rows.map((w) => w.row)).toEqual([
      'robot',
      'robot_id',
      'event',
      'device_key',
      'ledger_entry',
    ]);
    expect(new Set(writers.rows.map((w) => w.xmin)).size, JSON.stringify(writers.rows)).toBe(1);
  });

  it('the GET answer equals the filing answer; display form, hyphens and lower case resolve too', async () => {
    const filed = await p.call('GET', `/v1/robots/${firstRobotId}`, { token: maker.apiKey });
    expect(filed.statusCode).toBe(200);
    const display = decodeRobotId(firstRobotId).display;
    for (const form of [display, display.replaceAll(' ', '-'), firstRobotId.toLowerCase()]) {
      const res = await p.call('GET', `/v1/robots/${encodeURIComponent(form)}`, { token: maker.apiKey });
      expect(res.statusCode, form).toBe(200);
      expect(res.json()).toEqual(filed.json());
      expect(res.json().supersededBy).toBeUndefined();
    }
  });

  it('uses a given serial left-padded, then 409 SERIAL_TAKEN writing nothing; allocation skips it', async () => {
    const given = await p.call('POST', '/v1/robots', { token: maker.apiKey, body: filing({ serial: '2' }) });
    expect(given.statusCode).toBe(201);
    expect(decodeRobotId(given.json().robotId).unitSequencePadded).toBe('00000000000002');
    const before = await snapshot(p);
    const again = await p.call('POST', '/v1/robots', {
      token: maker.apiKey,
      body: filing({ serial: '00000000000002', productionDate: '2025-01-02' }),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'SERIAL_TAKEN', details: { field: 'serial' } });
    expect(await snapshot(p)).toEqual(before);

    // The counter stands at 2, which the manufacturer used: the platform skips to 3.
    const allocated = await p.call('POST', '/v1/robots', { token: maker.apiKey, body: filing() });
    expect(allocated.statusCode).toBe(201);
    expect(decodeRobotId(allocated.json().robotId).unitSequencePadded).toBe(encodeUnitSequence(3));

    const long = await p.call('POST', '/v1/robots', {
      token: maker.apiKey,
      body: filing({ serial: 'F03K2A7Q81ZZZZ' }),
    });
    expect(long.statusCode).toBe(201);
    expect(decodeRobotId(long.json().robotId).unitSequencePadded).toBe('F03K2A7Q81ZZZZ');
  });

  it('answers every refusal with its code and writes nothing', async () => {
    clock.stop();
    onTestFinished(() => clock.resume());
    const foreignSiteOnly = await p.call('POST', '/v1/sites', {
      token: otherMaker.apiKey,
      body: { code: '9', name: 'US plant', region: 'US-CA' },
    });
    expect(foreignSiteOnly.statusCode).toBe(201);
    const takenKey = (
      await p.ctx.db.query<{ public_key: Uint8Array }>('SELECT public_key FROM device_keys LIMIT 1')
    ).rows[0]!.public_key;
    const smallOrder = Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex');
    const offCurve = Buffer.alloc(32);
    offCurve[0] = 2; // y = 2 has no x on edwards25519
    const cases: [Record<string, unknown>, number, string][] = [
      [filing({ modelId: otherModelId }), 404, 'MODEL_NOT_FOUND'],
      [filing({ modelId: '00000000-0000-4000-8000-000000000000' }), 404, 'MODEL_NOT_FOUND'],
      [filing({ siteCode: '9' }), 404, 'SITE_NOT_FOUND'],
      [filing({ siteCode: '7' }), 404, 'SITE_NOT_FOUND'],
      [filing({ hardwareRevision: 'B' }), 422, 'HARDWARE_REVISION_UNKNOWN'],
      [filing({ productionDate: '2099-01-01' }), 422, 'PRODUCTION_DATE_INVALID'],
      [filing({ productionDate: tomorrow() }), 422, 'PRODUCTION_DATE_INVALID'],
      [filing({ productionDate: '2009-12-31' }), 422, 'PRODUCTION_DATE_INVALID'],
      [filing({ productionDate: '2026-02-30' }), 400, 'VALIDATION_FAILED'],
      [filing({ productionDate: '2026-5-1' }), 400, 'VALIDATION_FAILED'],
      [filing({ intelligenceLevel: 6 }), 400, 'VALIDATION_FAILED'],
      [filing({ intelligenceLevel: 2.5 }), 400, 'VALIDATION_FAILED'],
      [filing({ serial: '1O0' }), 400, 'VALIDATION_FAILED'],
      [filing({ serial: '123456789012345' }), 400, 'VALIDATION_FAILED'],
      [filing({ hardwareRevision: 'I' }), 400, 'VALIDATION_FAILED'],
      [filing({ extra: 1 }), 400, 'VALIDATION_FAILED'],
      [filing({ devicePublicKey: 'not-a-key' }), 400, 'DEVICE_KEY_INVALID'],
      [filing({ devicePublicKey: Buffer.alloc(31, 7).toString('base64url') }), 400, 'DEVICE_KEY_INVALID'],
      [filing({ devicePublicKey: `${devicePublicKey()}=` }), 400, 'DEVICE_KEY_INVALID'],
      [filing({ devicePublicKey: Buffer.alloc(32, 9).toString('base64') }), 400, 'DEVICE_KEY_INVALID'],
      [filing({ devicePublicKey: offCurve.toString('base64url') }), 400, 'DEVICE_KEY_INVALID'],
      [filing({ devicePublicKey: smallOrder.toString('base64url') }), 400, 'DEVICE_KEY_INVALID'],
      [filing({ devicePublicKey: Buffer.from(takenKey).toString('base64url') }), 409, 'DEVICE_KEY_TAKEN'],
    ];
    const before = await snapshot(p);
    for (const [body, status, code] of cases) {
      const res = await p.call('POST', '/v1/robots', { token: maker.apiKey, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
    }
    expect(await snapshot(p)).toEqual(before);
  });

  it('403 for an operator, a regulator or the registry filing; 401 without a key', async () => {
    for (const token of [operator.apiKey, regulator.apiKey, ADMIN_TOKEN]) {
      const res = await p.call('POST', '/v1/robots', { token, body: filing() });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect((await p.call('POST', '/v1/robots', { body: filing() })).statusCode).toBe(401);
  });

  it('hides a robot from organisations that may not see it (404), shows it to authorities', async () => {
    for (const org of [otherMaker, operator]) {
      const res = await p.call('GET', `/v1/robots/${firstRobotId}`, { token: org.apiKey });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('ROBOT_NOT_FOUND');
    }
    expect((await p.call('GET', `/v1/robots/${firstRobotId}`, { token: regulator.apiKey })).statusCode).toBe(
      200,
    );
    expect((await p.call('GET', `/v1/robots/${firstRobotId}`, { token: ADMIN_TOKEN })).statusCode).toBe(200);
    const malformed = await p.call('GET', `/v1/robots/${firstRobotId.slice(0, 28)}X`, {
      token: maker.apiKey,
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('ID_CHECK_MISMATCH');
    expect(malformed.json().error.details.position).toBe(29);
    expect((await p.call('GET', '/v1/robots/CN12', { token: maker.apiKey })).json().error.code).toBe(
      'ID_LENGTH',
    );
  });

  it('200 filings in parallel get 200 distinct valid IDs, unit sequences one after another, no 5xx', async () => {
    const before = await snapshot(p);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        p.call('POST', '/v1/robots', {
          token: i % 2 === 0 ? maker.apiKey : otherMaker.apiKey,
          body: i % 2 === 0 ? filing() : filing({ modelId: otherModelId }),
        }),
      ),
    );
    expect(answers.filter((a) => a.statusCode !== 201).map((a) => a.body)).toEqual([]);
    const ids = answers.map((a) => a.json().robotId as string);
    expect(new Set(ids).size).toBe(200);
    expect(ids.every((id) => isValidRobotId(id))).toBe(true);
    // Per model, the counter handed out 100 distinct values, one after another: no value twice,
    // and (no filing failed) none skipped.
    for (const prefix of ['CNB7K2', 'US']) {
      const values = ids
        .filter((id) => id.startsWith(prefix))
        .map((id) => decodeUnitSequence(decodeRobotId(id).unitSequencePadded))
        .sort((a, b) => (a < b ? -1 : 1));
      expect(new Set(values).size).toBe(100);
      expect(values.at(-1)! - values[0]!).toBe(99n);
    }
    const after = await snapshot(p);
    expect(after.robots - before.robots).toBe(200);
    expect(after.leaves - before.leaves).toBe(200);
  });

  it('two platform instances over one database allocate without collisions (on PostgreSQL: two pools)', async () => {
    const db = p.database.url
      ? await openDatabase({ databaseUrl: p.database.url, maxConnections: 10 })
      : p.ctx.db;
    const ctx2 = await createAppContext(db, p.ctx.config);
    const app2 = await buildApp(ctx2);
    try {
      const post = (app: typeof app2) =>
        app.inject({
          method: 'POST',
          url: '/v1/robots',
          headers: { authorization: `Bearer ${maker.apiKey}` },
          payload: filing(),
        });
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => post(i % 2 === 0 ? p.app : app2)),
      );
      expect(answers.filter((a) => a.statusCode !== 201).map((a) => a.body)).toEqual([]);
      const ids = answers.map((a) => a.json().robotId as string);
      expect(new Set(ids).size).toBe(60);
      const { rows } = await p.ctx.db.query<{ idx: number }>('SELECT idx FROM ledger_entries ORDER BY idx');
      expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
    } finally {
      await app2.close();
      await closeAppContext(ctx2);
      if (db !== p.ctx.db) await db.close();
    }
  });

  it('the same serial filed 10 times at once: exactly one is issued, the rest 409 SERIAL_TAKEN', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        p.call('POST', '/v1/robots', { token: maker.apiKey, body: filing({ serial: 'RACE1' }) }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(
      answers.filter((a) => a.statusCode === 409 && a.json().error.code === 'SERIAL_TAKEN'),
    ).toHaveLength(9);
  });

  it('lists what each caller may see, with status and model filters and keyset paging on robot ID', async () => {
    const total = (await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM robots')).rows[0]!.n;
    const own = (
      await p.ctx.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM robots WHERE manufacturer_id = $1',
        [maker.id],
      )
    ).rows[0]!.n;

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await p.call('GET', `/v1/robots?limit=37${cursor ? `&cursor=${cursor}` : ''}`, {
        token: regulator.apiKey,
      });
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((r: { robotId: string }) => r.robotId));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(total);
    expect([...seen].sort()).toEqual(seen);

    const mine = await p.call('GET', '/v1/robots?limit=500', { token: maker.apiKey });
    expect(mine.json().items).toHaveLength(own);
    expect(
      mine.json().items.every((r: { manufacturer: { id: string } }) => r.manufacturer.id === maker.id),
    ).toBe(true);
    expect((await p.call('GET', '/v1/robots', { token: operator.apiKey })).json().items).toEqual([]);

    const byModel = await p.call('GET', `/v1/robots?limit=500&modelId=${otherModelId}`, {
      token: ADMIN_TOKEN,
    });
    expect(byModel.json().items).toHaveLength(total - own);
    const filed = await p.call('GET', '/v1/robots?limit=500&status=filed', { token: ADMIN_TOKEN });
    expect(filed.json().items).toHaveLength(total);
    expect(
      (await p.call('GET', '/v1/robots?status=in_service', { token: ADMIN_TOKEN })).json().items,
    ).toEqual([]);
    expect((await p.call('GET', '/v1/robots?status=flying', { token: ADMIN_TOKEN })).statusCode).toBe(400);
  });

  it('re-codes a robot: new ID, the old one superseded, both resolve to one robot and one history', async () => {
    const res = await p.call('POST', `/v1/robots/${firstRobotId}/recode`, {
      token: maker.apiKey,
      body: { hardwareRevision: 'A', siteCode: '3' },
    });
    expect(res.statusCode).toBe(201);
    const robot = res.json();
    const newId: string = robot.robotId;
    expect(newId).not.toBe(firstRobotId);
    expect(decodeRobotId(newId)).toMatchObject({
      hardwareRevision: 'A',
      site: '3',
      level: 3,
      productionMonth: 5,
    });
    expect(robot.previousRobotIds).toEqual([firstRobotId]);
    expect(robot.hardwareRevision).toBe('A');
    expect(robot.site.code).toBe('3');

    const byOld = await p.call('GET', `/v1/robots/${firstRobotId}`, { token: maker.apiKey });
    expect(byOld.statusCode).toBe(200);
    expect(byOld.json().robotId).toBe(newId);
    expect(byOld.json().supersededBy).toBe(newId);
    const byNew = await p.call('GET', `/v1/robots/${newId}`, { token: maker.apiKey });
    expect(byNew.json().supersededBy).toBeUndefined();
    expect(byNew.json().ledgerIndex).toBe(byOld.json().ledgerIndex);

    const ids = await p.ctx.db.query<{ robot_id: string; superseded: boolean; robot_uuid: string }>(
      `SELECT robot_id, superseded_at IS NOT NULL AS superseded, robot_uuid FROM robot_ids
        WHERE robot_id = ANY($1::bpchar[]) ORDER BY issued_at`,
      [[firstRobotId, newId]],
    );
    expect(ids.rows.map((r) => [r.robot_id, r.superseded])).toEqual([
      [firstRobotId, true],
      [newId, false],
    ]);
    expect(new Set(ids.rows.map((r) => r.robot_uuid)).size).toBe(1);
    const history = await p.ctx.db.query<{ type: string; data: Record<string, unknown> }>(
      'SELECT type, data FROM robot_events WHERE robot_uuid = $1 ORDER BY recorded_at, ledger_index',
      [ids.rows[0]!.robot_uuid],
    );
    expect(history.rows.map((e) => e.type)).toEqual(['filing', 'recoding']);
    expect(history.rows[1]!.data).toMatchObject({ previousRobotId: firstRobotId, newRobotId: newId });

    // A second re-coding keeps the chain; the first ID still resolves.
    const again = await p.call('POST', `/v1/robots/${firstRobotId}/recode`, {
      token: maker.apiKey,
      body: { intelligenceLevel: 4 },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json().previousRobotIds).toEqual([firstRobotId, newId]);
    expect(again.json()).toMatchObject({ intelligenceLevel: 4, intelligenceLevelFiled: 4 });
    firstRobotId = again.json().robotId;
  });

  it('refuses re-coding by others, with bad facts, and of a recycled robot, changing nothing', async () => {
    const before = await snapshot(p);
    const others: [Org | string, number, string][] = [
      [otherMaker, 404, 'ROBOT_NOT_FOUND'],
      [operator, 404, 'ROBOT_NOT_FOUND'],
      [regulator, 403, 'FORBIDDEN'],
      [ADMIN_TOKEN, 403, 'FORBIDDEN'],
    ];
    for (const [org, status, code] of others) {
      const res = await p.call('POST', `/v1/robots/${firstRobotId}/recode`, {
        token: typeof org === 'string' ? org : org.apiKey,
        body: { siteCode: '3' },
      });
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const bad: [Record<string, unknown>, number, string][] = [
      [{ hardwareRevision: 'Z' }, 422, 'HARDWARE_REVISION_UNKNOWN'],
      [{ siteCode: '8' }, 404, 'SITE_NOT_FOUND'],
      [{ productionDate: '2099-01-01' }, 422, 'PRODUCTION_DATE_INVALID'],
      [{}, 400, 'VALIDATION_FAILED'],
      [{ serial: '5' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of bad) {
      const res = await p.call('POST', `/v1/robots/${firstRobotId}/recode`, { token: maker.apiKey, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    await p.ctx.db.query("UPDATE robots SET status = 'recycled' WHERE robot_id = $1", [firstRobotId]);
    const recycled = await p.call('POST', `/v1/robots/${firstRobotId}/recode`, {
      token: maker.apiKey,
      body: { siteCode: '1' },
    });
    expect(recycled.statusCode).toBe(409);
    expect(recycled.json().error.code).toBe('ILLEGAL_TRANSITION');
    const after = await snapshot(p);
    expect(after).toEqual(before);
  });

  it('the database allocator writes unit sequences exactly as encodeUnitSequence does', async () => {
    const values = [
      0,
      1,
      33,
      34,
      1155,
      39303,
      2 ** 31,
      2 ** 53 - 1,
      ...Array.from({ length: 50 }, () => Math.floor(Math.random() * 2 ** 48)),
    ];
    const { rows } = await p.ctx.db.query<{ v: string; s: string }>(
      'SELECT v::text AS v, rl_s34_unit_sequence(v) AS s FROM unnest($1::bigint[]) AS v',
      [values.map(String)],
    );
    for (const row of rows) expect(row.s, row.v).toBe(encodeUnitSequence(BigInt(row.v)));
    expect(rows).toHaveLength(values.length);
  });

  it('every robot_event leaf rebuilds from its stored row (what audit recomputes)', async () => {
    const { rows } = await p.ctx.db.query<{ idx: number }>(
      "SELECT idx FROM ledger_entries WHERE record_kind = 'robot_event'",
    );
    expect(rows.length).toBeGreaterThan(200);
    for (const row of rows) await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, row.idx);
  });
});
