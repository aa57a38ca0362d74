// Health and prognosis (docs/health.md) end to end: telemetry through the real ingest, trends
// and projections from the rollups and samples, advisories raised by the sweep (ledgered,
// once each), closed by a coded maintenance naming them, pack swaps, and the fleet view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepHealth } from '../../../src/server/features/health/health-service.js';
import { auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';
import {
  fileTelemetryFleet,
  healthySample,
  postBatch,
  signBatch,
  type TelemetryFleet,
  type TelemetryRobot,
} from '../../support/telemetry-fleet.js';

const HOUR = 3_600_000;
const DAYS = 10;

describe(`health and prognosis (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  let worn: TelemetryRobot;
  let steady: TelemetryRobot;
  let maker: { id: string; apiKey: string };
  let endMs: number;

  /**
   * Hourly samples over the last DAYS days, one batch a day, at one operating hour an hour:
   * on `worn`, joint 2 wears 0.001/h from 0.3 and SoH fades 0.01 %/h from 83; `steady` holds.
   */
  async function stream(robot: TelemetryRobot, wearing: boolean, firstSeq = 1) {
    const startMs = endMs - DAYS * 24 * HOUR;
    for (let d = 0; d < DAYS; d++) {
      const samples = Array.from({ length: 24 }, (_, i) => {
        const h = d * 24 + i;
        const wear = Array.from({ length: robot.jointCount }, (_, j) =>
          wearing && j === 2 ? 0.3 + 0.001 * h : 0.1,
        );
        return healthySample(robot.jointCount, startMs + h * HOUR, {
          battery: {
            socPct: 70,
            sohPct: wearing ? 83 - 0.01 * h : 95,
            cycles: 100 + Math.floor(h / 10),
            tempC: 30,
          },
          joints: { wear, tempC: wear.map(() => 40) },
          accuracy: { positionErrorMm: 1.5, taskSuccessRate: 0.98 },
          operatingHours: 1000 + h,
        });
      });
      const res = await postBatch(p, signBatch(robot, { seq: firstSeq + d, samples }));
      expect(res.statusCode, res.body).toBe(202);
    }
  }

  const health = (robot: TelemetryRobot, token = maker.apiKey) =>
    p.call('GET', `/v1/robots/${robot.robotId}/health`, { token });

  beforeAll(async () => {
    p = await startTestPlatform();
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 2, jointCount: 4 });
    [worn, steady] = fleet.robots as [TelemetryRobot, TelemetryRobot];
    maker = fleet.manufacturer;
    // The last sample an hour ago, on an hour edge; samples lie within raw retention.
    endMs = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    await stream(worn, true);
    await stream(steady, false);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('fits trends over operating hours and projects when each reaches its limit', async () => {
    const res = await health(worn);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.robotId).toBe(worn.robotId);
    // 240 hourly points: SoH 83 - 0.01 h reaches 80 at h = 300, 61 h after the last (h = 239).
    expect(body.battery.sohFadePctPer1000h).toBeCloseTo(10, 3);
    expect(body.battery.packId).toBeNull();
    const lastSampleMs = endMs - HOUR;
    expect(Date.parse(body.battery.projectedMinSohAt)).toBeCloseTo(lastSampleMs + 61 * HOUR, -4);
    expect(body.battery.cycles).toBe(123);
    // Joint 2: 0.3 + 0.001 h reaches 0.6 at h = 300; the others hold.
    expect(body.joints).toHaveLength(4);
    expect(body.joints[2].wearPer1000h).toBeCloseTo(1, 4);
    expect(body.joints[2].remainingUsefulLifeHours).toBeCloseTo(61, 0);
    expect(body.joints[0]).toMatchObject({ wear: 0.1, wearPer1000h: 0, remainingUsefulLifeHours: null });
    expect(body.accuracy).toEqual({ positionErrorMmP95: 1.5, trendMmPer1000h: 0, taskSuccessRate: 0.98 });
    expect(body.operatingHours).toBe(1239);
    expect(body.grade).toBe('watch');
    // Reading writes nothing: no advisory until the sweep.
    expect(body.advisories).toEqual([]);
    expect(body.basis).toEqual({
      from: new Date(endMs - DAYS * 24 * HOUR).toISOString(),
      to: new Date(lastSampleMs).toISOString(),
      batches: DAYS,
    });

    const calm = (await health(steady)).json();
    expect(calm.grade).toBe('good');
    expect(calm.battery.projectedMinSohAt).toBeNull();
    expect(
      calm.joints.every((j: { remainingUsefulLifeHours: null }) => j.remainingUsefulLifeHours === null),
    ).toBe(true);
  });

  it('the sweep raises each advisory once, ledgered and naming the robot', async () => {
    const first = await sweepHealth(p.ctx);
    expect(first).toEqual({ assessed: 2, raised: 2 });
    // Nothing due again; forced to reassess, it raises nothing new either.
    expect(await sweepHealth(p.ctx)).toEqual({ assessed: 0, raised: 0 });
    await p.ctx.db.query('DELETE FROM robot_health');
    expect(await sweepHealth(p.ctx)).toEqual({ assessed: 2, raised: 0 });

    const body = (await health(worn)).json();
    const advisories = body.advisories.map((a: Record<string, unknown>) => [a.kind, a.component, a.status]);
    expect(advisories).toEqual(
      expect.arrayContaining([
        ['battery_soh', 'battery', 'open'],
        ['joint_wear', 'joint:2', 'open'],
      ]),
    );
    expect(advisories).toHaveLength(2);
    // Each reaches the owner's feed, in the sweep's own unit of work.
    const feed = await p.call('GET', '/v1/notifications?limit=500', { token: maker.apiKey });
    const told = feed
      .json()
      .items.filter((n: { type: string }) => n.type === 'advisory.raised')
      .map((n: { subject: string }) => n.subject)
      .sort();
    expect(told).toEqual(body.advisories.map((a: { advisoryId: string }) => a.advisoryId).sort());
    for (const a of body.advisories) {
      const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, a.ledgerIndex);
      expect(record).toMatchObject({ kind: 'health_advisory', id: a.advisoryId, robotId: worn.robotId });
    }
    expect((await health(steady)).json().advisories).toEqual([]);
  });

  it('a corrective maintenance must be coded; naming an advisory closes it', async () => {
    const joint = (await health(worn))
      .json()
      .advisories.find((a: { kind: string }) => a.kind === 'joint_wear');
    const post = (data: Record<string, unknown>) =>
      p.call('POST', `/v1/robots/${worn.robotId}/events`, {
        token: maker.apiKey,
        body: { type: 'maintenance', data: { phase: 'performed', description: 'knee gearbox', ...data } },
      });
    const uncoded = await post({ trigger: 'corrective', advisoryId: joint.advisoryId });
    expect(uncoded.statusCode).toBe(400);
    expect(uncoded.json().error.code).toBe('EVENT_DATA_INVALID');
    expect(uncoded.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual([
      '/item',
      '/failureMode',
      '/failureMechanism',
      '/failureCause',
    ]);
    const coded = {
      trigger: 'corrective',
      item: 'leg.left.knee.gearbox',
      failureMode: 'backlash',
      failureMechanism: 'wear',
      failureCause: 'operation',
      activity: 'replace',
      workOrderId: 'WO-1',
      partsRemoved: [{ partNumber: 'GB-7', serial: 'GB7-001' }],
      partsInstalled: [{ partNumber: 'GB-7', serial: 'GB7-002' }],
      downtimeHours: 3.5,
      operatingHoursAtEvent: 1239,
    };
    const badItem = await post({ ...coded, item: 'wing.left' });
    expect(badItem.statusCode).toBe(400);
    expect(badItem.json().error.details.issues[0]).toEqual({
      path: '/item',
      message: 'must start with one of leg, arm, hand, torso, head, power, compute, sensor, safety',
    });
    const unknown = await post({ ...coded, advisoryId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('ADVISORY_NOT_FOUND');
    const other = await p.call('POST', `/v1/robots/${steady.robotId}/events`, {
      token: maker.apiKey,
      body: {
        type: 'maintenance',
        data: { phase: 'performed', description: 'x', advisoryId: joint.advisoryId },
      },
    });
    expect(other.statusCode, 'an advisory of another robot').toBe(404);
    const { rows: before } = await p.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM robot_events WHERE type = 'maintenance'",
    );
    expect(before[0]!.n, 'refused events left nothing').toBe(0);

    const done = await post({ ...coded, advisoryId: joint.advisoryId });
    expect(done.statusCode, done.body).toBe(201);
    const event = done.json();
    expect(event.data).toMatchObject(coded);
    const after = (await health(worn))
      .json()
      .advisories.find((a: { advisoryId: string }) => a.advisoryId === joint.advisoryId);
    expect(after).toMatchObject({ status: 'closed', closedByEventId: event.eventId });
    // Naming it again (a later phase of the same work) changes nothing.
    expect((await post({ advisoryId: joint.advisoryId })).statusCode).toBe(201);
    // An uncoded maintenance is still valid, as before.
    expect((await post({})).statusCode).toBe(201);
  });

  it('a battery pack swap starts a new pack: SoH and cycles per pack', async () => {
    const swap = await p.call('POST', `/v1/robots/${worn.robotId}/events`, {
      token: maker.apiKey,
      body: {
        type: 'maintenance',
        occurredAt: new Date(endMs - 48 * HOUR - HOUR / 2).toISOString(),
        data: {
          phase: 'performed',
          description: 'new pack',
          trigger: 'preventive',
          partsInstalled: [{ partNumber: 'BP-48V', serial: 'PACK-77', kind: 'battery_pack' }],
        },
      },
    });
    expect(swap.statusCode, swap.body).toBe(201);
    // The pack installed counts as a replaced pack (its cycles may start afresh).
    expect(swap.json().data.replaced).toEqual(['battery_pack']);
    const body = (await health(worn)).json();
    expect(body.battery.packId).toBe('PACK-77');
    // Only the 48 hours since the swap: cycles 123 - 119 (the swap's hour, h = 191), still fading.
    expect(body.battery.cycles).toBe(123 - 119);
    expect(body.battery.sohFadePctPer1000h).toBeCloseTo(10, 3);
    expect(body.battery.sohPct).toBeCloseTo(83 - 2.39, 2);
  });

  it('the fleet view: owners their fleet, authorities all, others nothing of it', async () => {
    const regulator = await createOrg(p, 'regulator');
    const operator = await createOrg(p, 'operator');
    const list = (token: string, query = '') => p.call('GET', `/v1/fleet/health${query}`, { token });

    const mine = await list(maker.apiKey);
    expect(mine.statusCode, mine.body).toBe(200);
    const byId = new Map(mine.json().items.map((i: { robotId: string }) => [i.robotId, i]));
    expect(new Set(byId.keys())).toEqual(new Set([worn.robotId, steady.robotId]));
    expect(byId.get(worn.robotId)).toMatchObject({ grade: 'watch', ownerOrgId: maker.id });
    expect((byId.get(worn.robotId) as { advisories: unknown[] }).advisories).toHaveLength(1);
    expect(byId.get(steady.robotId)).toMatchObject({ grade: 'good', advisories: [] });

    const watch = await list(maker.apiKey, '?grade=watch');
    expect(watch.json().items.map((i: { robotId: string }) => i.robotId)).toEqual([worn.robotId]);

    const page1 = await list(ADMIN_TOKEN, `?orgId=${maker.id}&limit=1`);
    expect(page1.json().items).toHaveLength(1);
    const page2 = await list(ADMIN_TOKEN, `?orgId=${maker.id}&limit=1&cursor=${page1.json().nextCursor}`);
    expect(page2.json()).toMatchObject({ nextCursor: null });
    expect([page1.json().items[0].robotId, page2.json().items[0].robotId].sort()).toEqual(
      [worn.robotId, steady.robotId].sort(),
    );

    expect((await list(regulator.apiKey)).json().items).toHaveLength(2);
    expect((await list(operator.apiKey)).json().items).toEqual([]);
    const nosy = await list(operator.apiKey, `?orgId=${maker.id}`);
    expect(nosy.statusCode).toBe(403);
    expect(nosy.json().error.code).toBe('FORBIDDEN');
    // A robot's own health: only those who read its telemetry.
    expect((await health(worn, operator.apiKey)).statusCode).toBe(404);
    expect((await health(worn, regulator.apiKey)).statusCode).toBe(200);
  });

  it('audit rebuilds every advisory from its row', async () => {
    const report = await auditLedger(p.ctx.db, { recordKinds: p.ctx.recordKinds });
    expect(report.findings).toEqual([]);
  });
});
