// Ownership periods on the real database (docs/lifecycle.md "Ownership periods"): owner A
// operates its robot with telemetry, hands it to B, which operates it too. A keeps reading its
// own period, clipped, and writes nothing; B reads its own period's telemetry, not A's until A
// shares it; the manufacturer and the authorities are as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTelemetryBatch } from '../../../src/core/simulation/index.js';
import { auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN, createOrg } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  grantAccess,
  type OrgRef,
  recordEvent,
  SAMPLE_EVENT_DATA,
  transferRobot,
} from '../../support/fleet.js';
import { type LedgerTestPlatform, startLedgerPlatform } from '../ledger/support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe(`ownership periods (${backend})`, () => {
  // A clock moved by hand: a few days back, so that every day has its own partitions.
  const t0 = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
  let nowMs = t0;
  const at = (ms: number) => {
    nowMs = ms;
  };
  // A hands the robot to B a quarter into the next day: that day's 1-day rollup holds both owners'.
  const t1 = t0 + DAY + 6 * HOUR;
  let p: LedgerTestPlatform;
  let maker: OrgRef;
  let a: OrgRef;
  let b: OrgRef;
  let stranger: OrgRef;
  let maintainer: OrgRef;
  let robot: FiledRobot;
  let seq = 1;

  /** `count` samples a second apart ending at `endMs`, sent as one batch when the clock reads `endMs`. */
  async function sendSamples(endMs: number, count: number, sohPct = 96): Promise<void> {
    at(endMs + 1000);
    const samples = Array.from({ length: count }, (_, i) => ({
      t: new Date(endMs - (count - 1 - i) * 1000).toISOString(),
      battery: { socPct: 80, sohPct, cycles: 10, tempC: 30 },
      joints: { wear: [0.01, 0.02], tempC: [38, 39] },
      accuracy: { positionErrorMm: 1.2, taskSuccessRate: 0.99 },
      operatingHours: 10 + seq,
      faults: [],
    }));
    const jws = signTelemetryBatch({ robotId: robot.robotId, seq: seq++, samples }, robot.device.privateKey);
    const res = await p.call('POST', '/v1/telemetry', {
      body: jws,
      headers: { 'content-type': 'application/jose' },
    });
    expect(res.statusCode, res.body).toBe(202);
  }

  const get = (org: OrgRef | string, url: string) =>
    p.call('GET', url, { token: typeof org === 'string' ? org : org.apiKey });
  const raw = (org: OrgRef | string) =>
    get(org, `/v1/robots/${robot.robotId}/telemetry?from=${new Date(t0 - DAY).toISOString()}&resolution=raw`);
  const sampleDays = (res: { json(): { items: { t: string }[] } }) => [
    ...new Set(res.json().items.map((s) => Math.floor((Date.parse(s.t) - t0) / DAY))),
  ];

  beforeAll(async () => {
    p = await startLedgerPlatform({ clock: () => new Date(nowMs) });
    maker = await createOrg(p, 'manufacturer');
    a = await createOrg(p, 'operator');
    b = await createOrg(p, 'operator');
    stranger = await createOrg(p, 'operator');
    maintainer = await createOrg(p, 'maintainer');
    robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, a);
    at(t0 + HOUR);
    await recordEvent(p, robot.robotId, a, 'deployment', SAMPLE_EVENT_DATA.deployment);
    // A's period: 10 healthy samples on day 0 and one with a worn battery (an alert).
    await sendSamples(t0 + 2 * HOUR, 10);
    await sendSamples(t0 + 3 * HOUR, 1, 40);
    at(t1);
    await transferRobot(p, robot.robotId, a, b);
    // B's period: samples on day 1 (after the hand-over) and day 2, and its maintenance.
    await sendSamples(t1 + 2 * HOUR, 5);
    await sendSamples(t0 + 2 * DAY + 2 * HOUR, 5);
    await recordEvent(p, robot.robotId, b, 'maintenance', SAMPLE_EVENT_DATA.maintenance);
    await grantAccess(p, robot.robotId, b, maintainer, ['maintenance', 'telemetry']);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('the former owner reads the robot’s identity, not who owns it now', async () => {
    const res = await get(a, `/v1/robots/${robot.robotId}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ robotId: robot.robotId, owner: null });
    expect((await get(b, `/v1/robots/${robot.robotId}`)).json().owner.id).toBe(b.id);
    // An operator that never owned it is told it does not exist, as before.
    expect((await get(stranger, `/v1/robots/${robot.robotId}`)).statusCode).toBe(404);
  });

  it('the former owner reads the events of its period only; the new owner the whole chain', async () => {
    const types = async (org: OrgRef) =>
      (await get(org, `/v1/robots/${robot.robotId}/events?limit=100`))
        .json()
        .items.map((e: { type: string }) => e.type);
    const ofA = await types(a);
    expect(ofA).toContain('deployment');
    expect(ofA).not.toContain('maintenance');
    // The transfer that gave it the robot is in its period; the one that ended it is not.
    expect(ofA.filter((t: string) => t === 'ownership_transfer')).toHaveLength(1);
    const ofB = await types(b);
    expect(ofB).toEqual(expect.arrayContaining(['filing', 'deployment', 'maintenance']));
    expect(ofB.filter((t: string) => t === 'ownership_transfer')).toHaveLength(2);
    expect(await types(maker)).toEqual(ofB);
  });

  it('telemetry is clipped to the caller’s periods: A gets day 0, B days 1 and 2, authorities all', async () => {
    const ofA = await raw(a);
    expect(ofA.statusCode, ofA.body).toBe(200);
    expect(ofA.json().items).toHaveLength(11);
    expect(sampleDays(ofA)).toEqual([0]);
    const ofB = await raw(b);
    expect(ofB.json().items).toHaveLength(10);
    expect(sampleDays(ofB)).toEqual([1, 2]);
    // B's maintainer reads for B.
    expect(sampleDays(await raw(maintainer))).toEqual([1, 2]);
    expect(sampleDays(await raw(ADMIN_TOKEN))).toEqual([0, 1, 2]);
    // Asked only for B's period, A gets an empty answer, not a refusal.
    const later = await get(
      a,
      `/v1/robots/${robot.robotId}/telemetry?from=${new Date(t1).toISOString()}&resolution=raw`,
    );
    expect(later.statusCode).toBe(200);
    expect(later.json().items).toEqual([]);
    // The manufacturer reads no telemetry after the sale, as before.
    expect((await raw(maker)).statusCode).toBe(403);
  });

  it('a rollup bucket is read only when it lies wholly in a readable period', async () => {
    const days = async (org: OrgRef | string) =>
      (
        await get(
          org,
          `/v1/robots/${robot.robotId}/telemetry?from=${new Date(t0 - DAY).toISOString()}&resolution=1d`,
        )
      )
        .json()
        .items.map((r: { bucket: string }) => (Date.parse(r.bucket) - t0) / DAY);
    // Day 1 holds both owners' samples: neither reads its rollup, the authorities do.
    expect(await days(a)).toEqual([0]);
    expect(await days(b)).toEqual([2]);
    expect(await days(ADMIN_TOKEN)).toEqual([0, 1, 2]);
    const hours = await get(
      a,
      `/v1/robots/${robot.robotId}/telemetry?from=${new Date(t0).toISOString()}&resolution=1h`,
    );
    expect(hours.json().items.map((r: { bucket: string }) => r.bucket)).toEqual([
      // The first batch's ten seconds straddle 02:00.
      new Date(t0 + HOUR).toISOString(),
      new Date(t0 + 2 * HOUR).toISOString(),
      new Date(t0 + 3 * HOUR).toISOString(),
    ]);
  });

  it('batches, the latest sample and alerts follow the same periods', async () => {
    const seqs = async (org: OrgRef | string) =>
      (await get(org, `/v1/robots/${robot.robotId}/telemetry/batches`))
        .json()
        .items.map((x: { seq: number }) => x.seq);
    expect(await seqs(a)).toEqual([1, 2]);
    expect(await seqs(b)).toEqual([3, 4]);
    expect(await seqs(ADMIN_TOKEN)).toEqual([1, 2, 3, 4]);
    const latestOfA = (await get(a, `/v1/robots/${robot.robotId}/telemetry/latest`)).json();
    expect(latestOfA.latest.t).toBe(new Date(t0 + 3 * HOUR).toISOString());
    const latestOfB = (await get(b, `/v1/robots/${robot.robotId}/telemetry/latest`)).json();
    expect(latestOfB.latest.t).toBe(new Date(t0 + 2 * DAY + 2 * HOUR).toISOString());
    // The worn battery was A's: A reads that alert; B, which holds the robot now, reads it too.
    const alerts = async (org: OrgRef) =>
      (await get(org, `/v1/alerts?robotId=${robot.robotId}`))
        .json()
        .items.map((x: { condition: string }) => x.condition);
    expect(await alerts(a)).toContain('battery_soh_low');
    expect(await alerts(b)).toContain('battery_soh_low');
  });

  it('the former owner writes nothing and reads nothing that cannot be clipped', async () => {
    const writes = [
      p.call('POST', `/v1/robots/${robot.robotId}/events`, {
        token: a.apiKey,
        body: { type: 'maintenance', data: SAMPLE_EVENT_DATA.maintenance },
      }),
      p.call('POST', `/v1/robots/${robot.robotId}/transfers`, {
        token: a.apiKey,
        body: { toOrgId: stranger.id },
      }),
      p.call('POST', `/v1/robots/${robot.robotId}/grants`, {
        token: a.apiKey,
        body: { orgId: maintainer.id, scopes: ['telemetry'], expiresAt: new Date(nowMs + DAY).toISOString() },
      }),
      p.call('POST', '/v1/incidents', {
        token: a.apiKey,
        body: {
          robotId: robot.robotId,
          occurredAt: new Date(t0 + 2 * HOUR).toISOString(),
          kind: 'collision',
          severity: 'minor',
          description: 'x',
        },
      }),
    ];
    for (const res of await Promise.all(writes)) expect(res.statusCode, res.body).toBe(403);
    for (const url of ['grants', 'access-log', 'health', 'history-proof', 'head']) {
      const res = await get(a, `/v1/robots/${robot.robotId}/${url}`);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 403 });
    }
  });

  it('A shares its period with B, once; then B reads A’s telemetry too', async () => {
    const share = (org: OrgRef, toOrgId: string) =>
      p.call('POST', `/v1/robots/${robot.robotId}/period-shares`, { token: org.apiKey, body: { toOrgId } });
    // Only a former owner shares, and only with a later owner.
    expect((await share(b, a.id)).statusCode).toBe(403);
    expect((await share(stranger, b.id)).statusCode).toBe(404);
    const toStranger = await share(a, stranger.id);
    expect(toStranger.statusCode).toBe(422);
    expect(toStranger.json().error.code).toBe('PERIOD_SHARE_RECIPIENT_INVALID');
    expect((await share(a, a.id)).json().error.code).toBe('PERIOD_SHARE_RECIPIENT_INVALID');
    const shared = await share(a, b.id);
    expect(shared.statusCode, shared.body).toBe(201);
    expect(shared.json()).toMatchObject({
      robotId: robot.robotId,
      fromOrgId: a.id,
      toOrgId: b.id,
      periods: [{ from: null, to: new Date(t1).toISOString() }],
    });
    const again = await share(a, b.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('PERIOD_SHARE_DUPLICATE');
    expect(sampleDays(await raw(b))).toEqual([0, 1, 2]);
    expect((await raw(b)).json().items).toHaveLength(21);
    // A still reads only its own.
    expect(sampleDays(await raw(a))).toEqual([0]);
    // The share is in the robot's chain, which B reads.
    const events = await get(b, `/v1/robots/${robot.robotId}/history-proof`);
    expect(events.statusCode).toBe(200);
  });

  it('the ledger audits clean', async () => {
    await p.ctx.checkpointer.checkpointNow();
    const report = await auditLedger(p.ctx.db, {
      recordKinds: p.ctx.recordKinds,
      verifierKey: p.verifierKey,
    });
    expect(report.findings).toEqual([]);
  });
});
