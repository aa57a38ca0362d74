// Reading telemetry back (raw and rollups), who may read it, alerts once per condition with
// their acknowledgement in the ledger, and raw retention dropping partitions while rollups stay.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPartitionDays } from '../../../src/server/features/telemetry/partitions.js';
import {
  maintainPartitions,
  startTelemetryRuntime,
  type TelemetryRuntime,
} from '../../../src/server/features/telemetry/telemetry-runtime.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';
import {
  fileTelemetryFleet,
  healthySample,
  postBatch,
  signBatch,
  type TelemetryFleet,
} from '../../support/telemetry-fleet.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe(`telemetry queries and alerts (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  // Samples start two hours ago, so buckets are in the past and complete.
  const start = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
  beforeAll(async () => {
    p = await startTestPlatform();
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, {
      count: 2,
      jointCount: 4,
      limits: { minBatterySohPct: 80, maxJointWear: 0.5, maxPositionErrorMm: 5 },
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('answers raw samples and 1m/1h/1d rollups (min/max/avg, worst joint wear)', async () => {
    const robot = fleet.robots[0]!;
    // 3 batches of 60 samples, one every 2 s: 6 minutes; SoC falls 0.1 per sample.
    for (let b = 0; b < 3; b++) {
      const samples = Array.from({ length: 60 }, (_, i) => {
        const k = b * 60 + i;
        return healthySample(4, start + k * 2000, {
          battery: { socPct: 90 - k * 0.1, sohPct: 95, cycles: 100, tempC: 30 },
          joints: { wear: [0.1, 0.2 + k * 0.001, 0.1, 0.1], tempC: [40, 41, 42, 43] },
        });
      });
      const res = await postBatch(p, signBatch(robot, { seq: b, samples }));
      expect(res.statusCode).toBe(202);
    }
    const from = new Date(start).toISOString();
    const to = new Date(start + 3_600_000).toISOString();
    const raw = await p.call(
      'GET',
      `/v1/robots/${robot.robotId}/telemetry?from=${from}&to=${to}&resolution=raw&limit=100`,
      {
        token: fleet.manufacturer.apiKey,
      },
    );
    expect(raw.statusCode).toBe(200);
    const page1 = raw.json();
    expect(page1.items).toHaveLength(100);
    expect(page1.items[0]).toMatchObject({
      t: from,
      seq: 0,
      battery: { socPct: 90 },
      joints: { wear: [0.1, 0.2, 0.1, 0.1] },
    });
    const page2 = (
      await p.call(
        'GET',
        `/v1/robots/${robot.robotId}/telemetry?from=${from}&to=${to}&resolution=raw&limit=100&cursor=${page1.nextCursor}`,
        { token: fleet.manufacturer.apiKey },
      )
    ).json();
    expect(page2.items).toHaveLength(80);
    expect(page2.nextCursor).toBeNull();

    const minutes = (
      await p.call('GET', `/v1/robots/${robot.robotId}/telemetry?from=${from}&to=${to}&resolution=1m`, {
        token: fleet.manufacturer.apiKey,
      })
    ).json();
    expect(minutes.items).toHaveLength(6);
    const m0 = minutes.items[0];
    expect(m0.bucket).toBe(from);
    expect(m0.samples).toBe(30);
    expect(m0.battery.socPct.max).toBeCloseTo(90, 4);
    expect(m0.battery.socPct.min).toBeCloseTo(87.1, 4);
    expect(m0.battery.socPct.avg).toBeCloseTo(88.55, 3);
    expect(m0.joints.worstWear.max).toBeCloseTo(0.229, 5);

    const hours = (
      await p.call('GET', `/v1/robots/${robot.robotId}/telemetry?from=${from}&to=${to}&resolution=1h`, {
        token: fleet.manufacturer.apiKey,
      })
    ).json();
    expect(hours.items).toHaveLength(1);
    expect(hours.items[0].samples).toBe(180);
    expect(hours.items[0].battery.socPct.min).toBeCloseTo(72.1, 3);
    const days = (
      await p.call(
        'GET',
        `/v1/robots/${robot.robotId}/telemetry?from=${new Date(start - DAY).toISOString()}&to=${to}&resolution=1d`,
        { token: fleet.manufacturer.apiKey },
      )
    ).json();
    expect(days.items.reduce((n: number, d: { samples: number }) => n + d.samples, 0)).toBe(180);
    // A range that starts inside a bucket includes that bucket (floored to the resolution's
    // bucket, not to the minute).
    for (const resolution of ['1h', '1d']) {
      const inside = (
        await p.call(
          'GET',
          `/v1/robots/${robot.robotId}/telemetry?from=${new Date(start + 30 * MINUTE).toISOString()}&to=${to}&resolution=${resolution}`,
          { token: fleet.manufacturer.apiKey },
        )
      ).json();
      expect({ resolution, samples: inside.items.map((b: { samples: number }) => b.samples) }).toEqual({
        resolution,
        samples: [180],
      });
    }

    // No resolution: chosen from the span (6 h → 1-minute rollups).
    const auto = (
      await p.call(
        'GET',
        `/v1/robots/${robot.robotId}/telemetry?from=${new Date(start - 3 * 3_600_000).toISOString()}&to=${to}`,
        { token: fleet.manufacturer.apiKey },
      )
    ).json();
    expect(auto.resolution).toBe('1m');
    const reversed = await p.call('GET', `/v1/robots/${robot.robotId}/telemetry?from=${to}&to=${from}`, {
      token: fleet.manufacturer.apiKey,
    });
    expect(reversed.json().error.code).toBe('TELEMETRY_RANGE_INVALID');
    // Read by the one strict parser (core/timestamp.ts): year 0000 (Date takes it, PostgreSQL
    // has no year 0) and an offset without its colon are not RFC 3339 times.
    for (const bad of ['0000-01-01T00:00:00Z', '2026-01-01T00:00:00+0100']) {
      const res = await p.call(
        'GET',
        `/v1/robots/${robot.robotId}/telemetry?from=${encodeURIComponent(bad)}`,
        {
          token: fleet.manufacturer.apiKey,
        },
      );
      expect({ bad, status: res.statusCode, code: res.json().error?.code }).toEqual({
        bad,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });

  it('lets the owner, regulators and granted organisations read; others not', async () => {
    const robot = fleet.robots[0]!;
    const regulator = await createOrg(p, 'regulator');
    const maintainer = await createOrg(p, 'maintainer');
    const stranger = await createOrg(p, 'operator');
    const url = `/v1/robots/${robot.robotId}/telemetry?resolution=1h&from=${new Date(start).toISOString()}`;
    expect((await p.call('GET', url, { token: regulator.apiKey })).statusCode).toBe(200);
    expect((await p.call('GET', url, { token: ADMIN_TOKEN })).statusCode).toBe(200);
    expect((await p.call('GET', url, { token: stranger.apiKey })).statusCode).toBe(404);
    expect((await p.call('GET', url, { token: maintainer.apiKey })).statusCode).toBe(404);
    expect((await p.call('GET', url)).statusCode).toBe(401);
    const grant = await p.call('POST', `/v1/robots/${robot.robotId}/grants`, {
      token: fleet.manufacturer.apiKey,
      body: {
        orgId: maintainer.id,
        scopes: ['telemetry'],
        expiresAt: new Date(Date.now() + DAY).toISOString(),
      },
    });
    expect(grant.statusCode).toBe(201);
    expect((await p.call('GET', url, { token: maintainer.apiKey })).statusCode).toBe(200);
    const latest = await p.call('GET', `/v1/robots/${robot.robotId}/telemetry/latest`, {
      token: maintainer.apiKey,
    });
    expect(latest.statusCode).toBe(200);
    expect(latest.json().health.grade).toBe('good');
  });

  it('raises an alert once per condition, not per sample, and ledgers who acknowledged it and when', async () => {
    const robot = fleet.robots[1]!;
    const lowSoh = (k: number) =>
      healthySample(4, start + k * 1000, { battery: { socPct: 50, sohPct: 70, cycles: 900, tempC: 30 } });
    const now = Date.now();
    // Two batches both below the SoH minimum, one with a fault code in two samples.
    const b1 = Array.from({ length: 10 }, (_, k) => lowSoh(k));
    const b2 = Array.from({ length: 10 }, (_, k) => ({
      ...lowSoh(10 + k),
      faults: k < 2 ? ['MOTOR_STALL'] : [],
    }));
    expect((await postBatch(p, signBatch(robot, { seq: 1, samples: b1 }))).statusCode).toBe(202);
    expect((await postBatch(p, signBatch(robot, { seq: 2, samples: b2 }))).statusCode).toBe(202);
    const list = await p.call('GET', `/v1/alerts?robotId=${robot.robotId}&state=open`, {
      token: fleet.manufacturer.apiKey,
    });
    expect(list.statusCode).toBe(200);
    const alerts = list.json().items as {
      alertId: string;
      condition: string;
      clearedAt: string | null;
      ledgerIndex: number;
    }[];
    expect(alerts.map((a) => a.condition).sort()).toEqual(['battery_soh_low', 'fault:MOTOR_STALL']);
    const soh = alerts.find((a) => a.condition === 'battery_soh_low')!;
    expect(soh.clearedAt).toBeNull();
    expect(alerts.find((a) => a.condition === 'fault:MOTOR_STALL')!.clearedAt).not.toBeNull();

    // Someone without the robot cannot see or acknowledge it.
    const stranger = await createOrg(p, 'operator');
    expect((await p.call('GET', '/v1/alerts', { token: stranger.apiKey })).json().items).toEqual([]);
    // A grant gives exactly its scopes: an assessor granted `evaluation` lists no alerts; a
    // maintainer granted `maintenance` (it acknowledges them) lists them.
    const assessor = await createOrg(p, 'assessor');
    const maintainer = await createOrg(p, 'maintainer');
    for (const [grantee, scopes] of [
      [assessor, ['evaluation']],
      [maintainer, ['maintenance']],
    ] as const) {
      const granted = await p.call('POST', `/v1/robots/${robot.robotId}/grants`, {
        token: fleet.manufacturer.apiKey,
        body: { orgId: grantee.id, scopes, expiresAt: new Date(Date.now() + DAY).toISOString() },
      });
      expect(granted.statusCode).toBe(201);
    }
    expect((await p.call('GET', '/v1/alerts', { token: assessor.apiKey })).json().items).toEqual([]);
    expect(
      (await p.call('GET', '/v1/alerts?state=open', { token: maintainer.apiKey }))
        .json()
        .items.map((a: { alertId: string }) => a.alertId),
    ).toContain(soh.alertId);
    const refused = await p.call('POST', `/v1/alerts/${soh.alertId}/ack`, {
      token: stranger.apiKey,
      body: {},
    });
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('ALERT_NOT_FOUND');

    const ack = await p.call('POST', `/v1/alerts/${soh.alertId}/ack`, {
      token: fleet.manufacturer.apiKey,
      body: { note: 'battery swap booked' },
    });
    expect(ack.statusCode).toBe(200);
    const acked = ack.json();
    expect(acked.state).toBe('acknowledged');
    expect(acked.acknowledgement.byOrgId).toBe(fleet.manufacturer.id);
    expect(new Date(acked.acknowledgement.at).getTime()).toBeGreaterThanOrEqual(now - 1000);
    const leaf = await p.ctx.db.query<{ entry: Uint8Array; record_kind: string }>(
      'SELECT entry, record_kind FROM ledger_entries WHERE idx = $1',
      [acked.acknowledgement.ledgerIndex],
    );
    expect(leaf.rows[0]!.record_kind).toBe('telemetry_alert_ack');
    expect(
      await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, acked.acknowledgement.ledgerIndex),
    ).toMatchObject({
      id: soh.alertId,
      ackedByOrg: fleet.manufacturer.id,
      note: 'battery swap booked',
    });
    const twice = await p.call('POST', `/v1/alerts/${soh.alertId}/ack`, {
      token: fleet.manufacturer.apiKey,
      body: {},
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('ALERT_ALREADY_ACKNOWLEDGED');
    // The note is optional, so is the body: `curl -X POST …/ack` acknowledges.
    const fault = alerts.find((a) => a.condition === 'fault:MOTOR_STALL')!;
    const bare = await p.call('POST', `/v1/alerts/${fault.alertId}/ack`, {
      token: fleet.manufacturer.apiKey,
    });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toMatchObject({ state: 'acknowledged', acknowledgement: { note: null } });

    // Still below the minimum: acknowledged, still active, so no second alert.
    expect((await postBatch(p, signBatch(robot, { seq: 3, samples: [lowSoh(30)] }))).statusCode).toBe(202);
    const all = (
      await p.call('GET', `/v1/alerts?robotId=${robot.robotId}`, { token: fleet.manufacturer.apiKey })
    ).json();
    expect(all.items.filter((a: { condition: string }) => a.condition === 'battery_soh_low')).toHaveLength(1);
    // Recovered, then below again: a new condition, a new alert. (The same battery's cycles: a
    // lower count without a recorded battery-pack replacement would raise usage_counter_rollback.)
    const healthy = healthySample(4, start + 40_000, {
      battery: { socPct: 87.5, sohPct: 96.2, cycles: 900, tempC: 31.2 },
    });
    expect((await postBatch(p, signBatch(robot, { seq: 4, samples: [healthy] }))).statusCode).toBe(202);
    expect((await postBatch(p, signBatch(robot, { seq: 5, samples: [lowSoh(50)] }))).statusCode).toBe(202);
    const open = (await p.call('GET', `/v1/alerts?state=open`, { token: fleet.manufacturer.apiKey })).json();
    expect(open.items.filter((a: { condition: string }) => a.condition === 'battery_soh_low')).toHaveLength(
      1,
    );
    const raised = await p.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ledger_entries WHERE record_kind = 'telemetry_alert'",
    );
    expect(raised.rows[0]!.n).toBe(3);
  });
});

describe(`telemetry partitions and retention (${backend})`, () => {
  let p: TestPlatform;
  let runtime: TelemetryRuntime;
  let nowMs = Date.UTC(2026, 10, 26, 12);
  beforeAll(async () => {
    p = await startTestPlatform({
      clock: () => new Date(nowMs),
      env: { MQTT_PORT: '-1', ROBOLEDGER_TELEMETRY_RETENTION_DAYS: '7' },
    });
    runtime = await startTelemetryRuntime(p.ctx);
  });
  afterAll(async () => {
    await runtime?.close();
    await p?.close();
  });

  it('creates partitions ahead, refuses samples older than retention, drops whole raw partitions while rollups stay', async () => {
    const days = await listPartitionDays(p.ctx.db);
    const today = Math.floor(nowMs / DAY) * DAY;
    expect(days).toEqual([today - DAY, today, today + DAY, today + 2 * DAY, today + 3 * DAY]);

    const fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 1, jointCount: 4 });
    const robot = fleet.robots[0]!;
    const tooOld = await postBatch(
      p,
      signBatch(robot, { seq: 1, samples: [healthySample(4, nowMs - 9 * DAY)] }),
    );
    expect(tooOld.json().error.code).toBe('TELEMETRY_TIMESTAMP_TOO_OLD');
    // Five days ago (a partition made on demand) and now.
    const old = Array.from({ length: 5 }, (_, i) => healthySample(4, nowMs - 5 * DAY + i * MINUTE));
    expect((await postBatch(p, signBatch(robot, { seq: 2, samples: old }))).statusCode).toBe(202);
    expect(
      (await postBatch(p, signBatch(robot, { seq: 3, samples: [healthySample(4, nowMs)] }))).statusCode,
    ).toBe(202);
    expect(await listPartitionDays(p.ctx.db)).toContain(today - 5 * DAY);

    // Three days later the five-day-old partition is past the 7-day retention.
    nowMs += 3 * DAY;
    const { dropped } = await maintainPartitions(p.ctx);
    expect(dropped).toContain(today - 5 * DAY);
    const raw = await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_samples');
    expect(raw.rows[0]!.n).toBe(1);
    const minutes = await p.ctx.db.query<{ n: number }>('SELECT sum(n)::int AS n FROM telemetry_rollup_1m');
    expect(minutes.rows[0]!.n).toBe(6);
    const batches = await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_batches');
    expect(batches.rows[0]!.n).toBe(2);
    const daysRollup = await p.call(
      'GET',
      `/v1/robots/${robot.robotId}/telemetry?resolution=1d&from=${new Date(nowMs - 10 * DAY).toISOString()}`,
      { token: fleet.manufacturer.apiKey },
    );
    expect(daysRollup.json().items.map((d: { samples: number }) => d.samples)).toEqual([5, 1]);
  });
});
