import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { EVENT_TYPES, ROBOT_STATUSES, type RobotStatus } from '../../../src/core/lifecycle.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { StoppableClock } from '../../support/clock.js';
import { backend } from '../../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  grantAccess,
  newDeviceKey,
  type OrgRef,
  postEvent,
  recordEvent,
  registrySnapshot,
  SAMPLE_EVENT_DATA,
  transferRobot,
} from '../../support/fleet.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';

describe(`lifecycle events (${backend})`, () => {
  let p: TestPlatform;
  let maker: OrgRef;
  let owner: OrgRef;
  let regulator: OrgRef;
  let assessor: OrgRef;
  let stranger: OrgRef;

  // Stopped by the test of the 5-minute boundary, so that "4 minutes ahead" stays 4 minutes ahead.
  const clock = new StoppableClock();

  beforeAll(async () => {
    p = await startTestPlatform({ clock: clock.now });
    [maker, owner, regulator, assessor, stranger] = await Promise.all([
      createOrg(p, 'manufacturer'),
      createOrg(p, 'operator'),
      createOrg(p, 'regulator'),
      createOrg(p, 'assessor'),
      createOrg(p, 'operator'),
    ]);
  });
  afterAll(async () => {
    await p?.close();
  });

  /** A robot of `maker`, sold to `owner`. */
  async function ownedRobot(): Promise<FiledRobot> {
    const robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    return robot;
  }

  /** The events (and who records them) that bring a filed robot to each status. */
  const PATH_TO: Record<RobotStatus, [string, () => OrgRef, Record<string, unknown>][]> = {
    filed: [],
    in_service: [['deployment', () => owner, {}]],
    maintenance: [
      ['deployment', () => owner, {}],
      ['maintenance', () => owner, { phase: 'started', description: 'gearbox' }],
    ],
    suspended: [
      ['deployment', () => owner, {}],
      ['suspension', () => regulator, { reason: 'regulator' }],
    ],
    decommissioned: [['decommission', () => owner, { reason: 'worn out' }]],
    recycled: [
      ['decommission', () => owner, { reason: 'worn out' }],
      ['recycling', () => owner, {}],
    ],
  };

  async function robotIn(status: RobotStatus): Promise<FiledRobot> {
    const robot = await ownedRobot();
    for (const [type, actor, data] of PATH_TO[status])
      await recordEvent(p, robot.robotId, actor(), type, data);
    return robot;
  }

  // Each event as posted in the state-machine sweep: who may post it and data that fits.
  const SWEEP: { name: string; type: string; actor: () => OrgRef; data: () => Record<string, unknown> }[] = [
    { name: 'deployment', type: 'deployment', actor: () => owner, data: () => SAMPLE_EVENT_DATA.deployment! },
    ...(['started', 'completed', 'performed'] as const).map((phase) => ({
      name: `maintenance:${phase}`,
      type: 'maintenance',
      actor: () => owner,
      data: () => ({ phase, description: 'service' }),
    })),
    {
      name: 'software_update',
      type: 'software_update',
      actor: () => owner,
      data: () => SAMPLE_EVENT_DATA.software_update!,
    },
    {
      name: 'evaluation',
      type: 'evaluation',
      actor: () => regulator,
      data: () => SAMPLE_EVENT_DATA.evaluation!,
    },
    {
      name: 'certification',
      type: 'certification',
      actor: () => regulator,
      data: () => SAMPLE_EVENT_DATA.certification!,
    },
    { name: 'suspension', type: 'suspension', actor: () => owner, data: () => ({ reason: 'owner' }) },
    { name: 'reinstatement', type: 'reinstatement', actor: () => regulator, data: () => ({}) },
    {
      name: 'decommission',
      type: 'decommission',
      actor: () => owner,
      data: () => SAMPLE_EVENT_DATA.decommission!,
    },
    { name: 'recycling', type: 'recycling', actor: () => owner, data: () => SAMPLE_EVENT_DATA.recycling! },
    {
      name: 'key_rotation',
      type: 'key_rotation',
      actor: () => owner,
      data: () => ({ devicePublicKey: newDeviceKey().publicKey }),
    },
  ];

  // The expected outcome per status, in SWEEP order (`-` = 409 ILLEGAL_TRANSITION); the same
  // table as test/core/lifecycle.test.ts, here through the API.
  const S = 'suspended';
  const D = 'decommissioned';
  // biome-ignore format: the table reads as a table
  const EXPECTED: Record<RobotStatus, string[]> = {
    filed:          ['in_service', 'maintenance', '-', 'filed', 'filed', 'filed', 'filed', S, '-', D, '-', 'filed'],
    in_service:     ['in_service', 'maintenance', '-', 'in_service', 'in_service', 'in_service', 'in_service', S, '-', D, '-', 'in_service'],
    maintenance:    ['in_service', '-', 'in_service', 'maintenance', 'maintenance', 'maintenance', 'maintenance', S, '-', D, '-', 'maintenance'],
    suspended:      ['-', '-', '-', S, S, S, S, '-', 'in_service', D, '-', S],
    decommissioned: ['-', '-', '-', '-', '-', '-', '-', '-', '-', '-', 'recycled', '-'],
    recycled:       ['-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-'],
  };

  for (const status of ROBOT_STATUSES) {
    it(`from ${status}: every legal event moves the robot, every illegal one is a 409 that changes nothing`, async () => {
      // Refusals leave the robot as it was, so one robot serves them all.
      const refusing = await robotIn(status);
      for (const [column, event] of SWEEP.entries()) {
        const expected = EXPECTED[status][column]!;
        const label = `${status} + ${event.name}`;
        if (expected === '-') {
          const before = await registrySnapshot(p);
          const res = await postEvent(p, refusing.robotId, event.actor(), event.type, event.data());
          expect(res.statusCode, `${label}: ${res.body}`).toBe(409);
          expect(res.json().error).toMatchObject({
            code: 'ILLEGAL_TRANSITION',
            details: { from: status, type: event.type },
          });
          expect(await registrySnapshot(p), label).toEqual(before);
          continue;
        }
        const robot = await robotIn(status);
        const res = await postEvent(p, robot.robotId, event.actor(), event.type, event.data());
        expect(res.statusCode, `${label}: ${res.body}`).toBe(201);
        expect(res.json()).toMatchObject({
          robotId: robot.robotId,
          type: event.type,
          fromStatus: status,
          toStatus: expected,
        });
        const stored = await p.ctx.db.query<{ status: string }>(
          'SELECT status FROM robots WHERE robot_id = $1',
          [robot.robotId],
        );
        expect(stored.rows[0]?.status, label).toBe(expected);
      }
    });
  }

  it('answers 201 with the event, its ledger leaf holding exactly the stored record', async () => {
    const robot = await ownedRobot();
    const res = await postEvent(p, robot.robotId, owner, 'deployment', {
      siteName: 'Dock 7',
      location: 'Wuhan',
    });
    expect(res.statusCode).toBe(201);
    const event = res.json();
    expect(Object.keys(event).sort()).toEqual(
      [
        'actorOrgId',
        'data',
        'eventId',
        'fromStatus',
        'late',
        'ledgerIndex',
        'occurredAt',
        'recordedAt',
        'robotId',
        'toStatus',
        'type',
      ].sort(),
    );
    expect(event).toMatchObject({ actorOrgId: owner.id, data: { siteName: 'Dock 7', location: 'Wuhan' } });
    const leaf = await p.ctx.db.query<{ entry: Uint8Array; record_kind: string; record_id: string }>(
      'SELECT entry, record_kind, record_id FROM ledger_entries WHERE idx = $1',
      [event.ledgerIndex],
    );
    expect(leaf.rows[0]).toMatchObject({ record_kind: 'robot_event', record_id: event.eventId });
    const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, event.ledgerIndex);
    expect(record).toMatchObject({ kind: 'robot_event', id: event.eventId, robotId: robot.robotId });
  });

  it('occurredAt defaults to now, may be past, and at most 5 minutes ahead (400 OCCURRED_AT_IN_FUTURE)', async () => {
    const robot = await ownedRobot();
    const past = '2026-06-01T10:00:00.000Z';
    const res = await postEvent(p, robot.robotId, owner, 'deployment', {}, past);
    expect(res.statusCode).toBe(201);
    expect(res.json().occurredAt).toBe(past);
    expect(Date.parse(res.json().recordedAt)).toBeGreaterThan(Date.parse(past));

    const now = clock.stop();
    onTestFinished(() => clock.resume());
    const soon = new Date(now.getTime() + 4 * 60_000).toISOString();
    expect(
      (await postEvent(p, robot.robotId, owner, 'maintenance', SAMPLE_EVENT_DATA.maintenance!, soon))
        .statusCode,
    ).toBe(201);

    const before = await registrySnapshot(p);
    const late = new Date(now.getTime() + 6 * 60_000).toISOString();
    const refused = await postEvent(
      p,
      robot.robotId,
      owner,
      'maintenance',
      SAMPLE_EVENT_DATA.maintenance!,
      late,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('OCCURRED_AT_IN_FUTURE');
    expect((await postEvent(p, robot.robotId, owner, 'deployment', {}, 'yesterday')).json().error.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(await registrySnapshot(p)).toEqual(before);
  });

  it('refuses data that does not fit the type with 400 EVENT_DATA_INVALID naming the type and the paths', async () => {
    const robot = await ownedRobot();
    await recordEvent(p, robot.robotId, owner, 'deployment');
    const cases: [string, Record<string, unknown>, string][] = [
      ['deployment', { site: 'x' }, '/'],
      ['maintenance', { phase: 'started' }, '/'],
      ['maintenance', { description: 'x', phase: 'halfway' }, '/phase'],
      ['maintenance', { description: 'x', parts: [{ quantity: 2 }] }, '/parts/0'],
      ['software_update', { component: 'nav' }, '/'],
      ['evaluation', { intelligenceLevel: 6 }, '/intelligenceLevel'],
      ['evaluation', { intelligenceLevel: 2.5 }, '/intelligenceLevel'],
      ['evaluation', { intelligenceLevel: 3, standard: 'ISO 1' }, '/standard'],
      ['certification', { certificate: 'C', scheme: 'S', validUntil: 'soon' }, '/validUntil'],
      ['certification', { certificate: 'C', scheme: 'S', validUntil: '2020-01-01' }, '/validUntil'],
      ['certification', { certificate: 'C', scheme: 'S', validUntil: '2031-02-30' }, '/validUntil'],
      ['suspension', { reason: 'bored' }, '/reason'],
      ['suspension', {}, '/'],
      ['reinstatement', { note: 1 }, '/note'],
      ['decommission', {}, '/'],
      ['recycling', { recycler: '' }, '/recycler'],
      ['key_rotation', {}, '/'],
    ];
    const before = await registrySnapshot(p);
    for (const [type, data, path] of cases) {
      const res = await postEvent(
        p,
        robot.robotId,
        type === 'evaluation' || type === 'certification' ? regulator : owner,
        type,
        data,
      );
      expect(res.statusCode, `${type} ${JSON.stringify(data)}: ${res.body}`).toBe(400);
      const { error } = res.json();
      expect(error.code).toBe('EVENT_DATA_INVALID');
      expect(error.details.type).toBe(type);
      expect(error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const unknownType = await p.call('POST', `/v1/robots/${robot.robotId}/events`, {
      token: owner.apiKey,
      body: { type: 'teleportation', data: {} },
    });
    expect(unknownType.json().error.code).toBe('VALIDATION_FAILED');
    // The refusal names the types there are.
    expect(unknownType.json().error.message).toContain(EVENT_TYPES.join(', '));
    expect(unknownType.json().error.details.issues[0].allowed).toEqual([...EVENT_TYPES]);
    expect(await registrySnapshot(p)).toEqual(before);
  });

  it('records maintenance with its phase and parts, defaulting the phase to started', async () => {
    const robot = await robotIn('in_service');
    const started = await recordEvent(p, robot.robotId, owner, 'maintenance', {
      description: 'replace knee actuator',
      parts: ['bolt kit', { name: 'knee actuator', partNumber: 'KA-7', quantity: 1 }],
    });
    expect(started).toMatchObject({ toStatus: 'maintenance', data: { phase: 'started' } });
    const done = await recordEvent(p, robot.robotId, owner, 'maintenance', {
      phase: 'completed',
      description: 'done',
    });
    expect(done).toMatchObject({ fromStatus: 'maintenance', toStatus: 'in_service' });
  });

  it('the current intelligence level follows evaluation events', async () => {
    const robot = await ownedRobot();
    await grantAccess(p, robot.robotId, owner, assessor, ['evaluation']);
    const levelOf = async () =>
      (
        await p.ctx.db.query<{ intelligence_level: number; intelligence_level_filed: number }>(
          'SELECT intelligence_level, intelligence_level_filed FROM robots WHERE robot_id = $1',
          [robot.robotId],
        )
      ).rows[0];
    expect(await levelOf()).toEqual({ intelligence_level: 3, intelligence_level_filed: 3 });
    await recordEvent(p, robot.robotId, assessor, 'evaluation', {
      intelligenceLevel: 5,
      report: 'https://example.org/r/1',
    });
    expect(await levelOf()).toEqual({ intelligence_level: 5, intelligence_level_filed: 3 });
    await recordEvent(p, robot.robotId, regulator, 'evaluation', { intelligenceLevel: 0 });
    expect(await levelOf()).toEqual({ intelligence_level: 0, intelligence_level_filed: 3 });
    const read = await p.call('GET', `/v1/robots/${robot.robotId}`, { token: owner.apiKey });
    expect(read.json()).toMatchObject({ intelligenceLevel: 0, intelligenceLevelFiled: 3 });
    // The owner does not grade its own robot.
    const self = await postEvent(p, robot.robotId, owner, 'evaluation', { intelligenceLevel: 5 });
    expect(self.statusCode).toBe(403);
    expect(await levelOf()).toEqual({ intelligence_level: 0, intelligence_level_filed: 3 });
  });

  it('key rotation retires the live device key and makes the new one live', async () => {
    const robot = await ownedRobot();
    const next = newDeviceKey();
    const event = await recordEvent(p, robot.robotId, owner, 'key_rotation', {
      devicePublicKey: next.publicKey,
    });
    expect(event.data).toEqual({ devicePublicKey: next.publicKey, retiredPublicKey: robot.device.publicKey });
    const keys = await p.ctx.db.query<{ public_key: Uint8Array; valid_from: Date; retired_at: Date | null }>(
      `SELECT k.public_key, k.valid_from, k.retired_at FROM device_keys k JOIN robots r ON r.id = k.robot_uuid
        WHERE r.robot_id = $1 ORDER BY k.valid_from, k.retired_at NULLS LAST`,
      [robot.robotId],
    );
    expect(keys.rows).toHaveLength(2);
    const [old, live] = keys.rows;
    expect(Buffer.from(old!.public_key).toString('base64url')).toBe(robot.device.publicKey);
    expect(old!.retired_at?.toISOString()).toBe(event.recordedAt);
    expect(Buffer.from(live!.public_key).toString('base64url')).toBe(next.publicKey);
    expect(live!.retired_at).toBeNull();
    expect(live!.valid_from.toISOString()).toBe(event.recordedAt);
  });

  it('refuses a device key that is malformed, not a curve point, of small order, or used before', async () => {
    const robot = await ownedRobot();
    const other = await fileRobot(p, maker);
    const before = await registrySnapshot(p);
    const invalid = [
      'not-base64!',
      Buffer.alloc(31, 7).toString('base64url'),
      `${Buffer.alloc(32, 7).toString('base64url')}=`,
      // All zeros is a point of order 4; 0x01 then zeros is the neutral element.
      Buffer.alloc(32).toString('base64url'),
      Buffer.from([1, ...Array(31).fill(0)]).toString('base64url'),
      // y = 2^255 - 1 ≥ p: no point at all.
      Buffer.alloc(32, 0xff).toString('base64url'),
    ];
    for (const devicePublicKey of invalid) {
      const res = await postEvent(p, robot.robotId, owner, 'key_rotation', { devicePublicKey });
      expect(res.statusCode, devicePublicKey).toBe(400);
      expect(res.json().error.code, devicePublicKey).toMatch(/^(DEVICE_KEY_INVALID|EVENT_DATA_INVALID)$/);
    }
    expect(
      (await postEvent(p, robot.robotId, owner, 'key_rotation', { devicePublicKey: invalid[3] })).json().error
        .code,
    ).toBe('DEVICE_KEY_INVALID');
    for (const devicePublicKey of [robot.device.publicKey, other.device.publicKey]) {
      const res = await postEvent(p, robot.robotId, owner, 'key_rotation', { devicePublicKey });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('DEVICE_KEY_TAKEN');
    }
    expect(await registrySnapshot(p)).toEqual(before);
  });

  it('suspension: owner lifts its own, not a regulator’s; the manufacturer recalls and lifts its recall', async () => {
    const robot = await robotIn('maintenance');
    const suspendedBy = async () =>
      (
        await p.ctx.db.query<{
          suspended_by: string | null;
          status_before_suspension: string | null;
          status: string;
        }>('SELECT status, suspended_by, status_before_suspension FROM robots WHERE robot_id = $1', [
          robot.robotId,
        ])
      ).rows[0];

    await recordEvent(p, robot.robotId, owner, 'suspension', { reason: 'owner', note: 'site closed' });
    expect(await suspendedBy()).toEqual({
      status: 'suspended',
      suspended_by: owner.id,
      status_before_suspension: 'maintenance',
    });
    expect(await recordEvent(p, robot.robotId, owner, 'reinstatement')).toMatchObject({
      toStatus: 'maintenance',
    });
    expect(await suspendedBy()).toEqual({
      status: 'maintenance',
      suspended_by: null,
      status_before_suspension: null,
    });

    await recordEvent(p, robot.robotId, regulator, 'suspension', { reason: 'regulator' });
    const refused = await postEvent(p, robot.robotId, owner, 'reinstatement');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('FORBIDDEN');
    // Work on a suspended robot leaves it suspended, by the same organisation.
    await recordEvent(p, robot.robotId, owner, 'software_update', SAMPLE_EVENT_DATA.software_update!);
    expect(await suspendedBy()).toEqual({
      status: 'suspended',
      suspended_by: regulator.id,
      status_before_suspension: 'maintenance',
    });
    await recordEvent(p, robot.robotId, regulator, 'reinstatement', { note: 'investigation closed' });

    const notARecall = await postEvent(p, robot.robotId, maker, 'suspension', { reason: 'incident' });
    expect(notARecall.statusCode).toBe(403);
    await recordEvent(p, robot.robotId, maker, 'suspension', {
      reason: 'recall',
      note: 'firmware recall R-12',
    });
    expect((await suspendedBy())?.suspended_by).toBe(maker.id);
    expect((await postEvent(p, robot.robotId, owner, 'reinstatement')).statusCode).toBe(403);
    expect(await recordEvent(p, robot.robotId, maker, 'reinstatement')).toMatchObject({
      toStatus: 'maintenance',
    });
  });

  it('404 for a robot the caller may not see, 403 for one it sees but may not act on, 400 for a malformed ID', async () => {
    const robot = await ownedRobot();
    const hidden = await postEvent(p, robot.robotId, stranger, 'deployment');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('ROBOT_NOT_FOUND');
    const forbidden = await postEvent(p, robot.robotId, maker, 'deployment');
    expect(forbidden.statusCode).toBe(403);
    const malformed = await postEvent(p, `${robot.robotId.slice(0, 28)}*`, owner, 'deployment');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toMatch(/^ID_/);
    const wrongCheck = robot.robotId.slice(0, 28) + (robot.robotId[28] === '0' ? '1' : '0');
    expect((await postEvent(p, wrongCheck, owner, 'deployment')).json().error.code).toBe('ID_CHECK_MISMATCH');
    expect(
      (await p.call('POST', `/v1/robots/${robot.robotId}/events`, { body: { type: 'deployment' } }))
        .statusCode,
    ).toBe(401);
  });

  it('serialises concurrent events on one robot: of five decommissions exactly one succeeds', async () => {
    const robot = await robotIn('in_service');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        postEvent(p, robot.robotId, owner, 'decommission', { reason: 'fleet renewal' }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    const events = await p.call('GET', `/v1/robots/${robot.robotId}/events?type=decommission`, {
      token: owner.apiKey,
    });
    expect(events.json().items).toHaveLength(1);
  });

  it('lists every event in recorded order, system ones included, with a type filter and a cursor', async () => {
    const robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    await recordEvent(p, robot.robotId, owner, 'deployment');
    await recordEvent(p, robot.robotId, owner, 'maintenance', { phase: 'performed', description: 'check' });
    await recordEvent(p, robot.robotId, regulator, 'certification', SAMPLE_EVENT_DATA.certification!);

    const all = await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: owner.apiKey });
    expect(all.statusCode).toBe(200);
    const { items, nextCursor } = all.json();
    expect(items.map((e: { type: string }) => e.type)).toEqual([
      'filing',
      'ownership_transfer',
      'deployment',
      'maintenance',
      'certification',
    ]);
    expect(nextCursor).toBeNull();
    const indices = items.map((e: { ledgerIndex: number }) => e.ledgerIndex);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));

    const filtered = await p.call('GET', `/v1/robots/${robot.robotId}/events?type=ownership_transfer`, {
      token: regulator.apiKey,
    });
    expect(filtered.json().items).toHaveLength(1);
    expect(filtered.json().items[0].data).toMatchObject({ fromOrgId: maker.id, toOrgId: owner.id });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await p.call('GET', `/v1/robots/${robot.robotId}/events${query}`, { token: maker.apiKey });
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((e: { eventId: string }) => e.eventId));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(items.map((e: { eventId: string }) => e.eventId));

    expect(
      (await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: stranger.apiKey })).statusCode,
    ).toBe(404);
    expect(
      (await p.call('GET', `/v1/robots/${robot.robotId}/events?cursor=abc`, { token: owner.apiKey }))
        .statusCode,
    ).toBe(400);
  });

  it('keeps one history across re-coding: events under the old ID are listed under the new one', async () => {
    const robot = await fileRobot(p, maker);
    await recordEvent(p, robot.robotId, maker, 'deployment');
    const recode = await p.call('POST', `/v1/robots/${robot.robotId}/recode`, {
      token: maker.apiKey,
      body: { intelligenceLevel: 4 },
    });
    expect(recode.statusCode, recode.body).toBe(201);
    const newId: string = recode.json().robotId;
    expect(newId).not.toBe(robot.robotId);
    await recordEvent(p, robot.robotId, maker, 'maintenance', {
      phase: 'performed',
      description: 'by old ID',
    });
    const events = await p.call('GET', `/v1/robots/${newId}/events`, { token: maker.apiKey });
    const types = events.json().items.map((e: { type: string; robotId: string }) => `${e.type}@${e.robotId}`);
    expect(types).toEqual([
      `filing@${robot.robotId}`,
      `deployment@${robot.robotId}`,
      `recoding@${newId}`,
      `maintenance@${newId}`,
    ]);
  });
});
