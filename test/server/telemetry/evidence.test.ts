// Telemetry as evidence (docs/telemetry.md "Evidence"): each accepted batch's JWS kept byte for
// byte and read back from the batches route (verifying with the robot's key, matching its
// ledger leaf) until raw retention drops it; a different batch under an accepted seq refused
// with an anomaly record and one alert; usage counters running backwards stored, alerted and
// marked, unless a replacement of the part was recorded.

import { createHash, createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecord } from '../../../src/ledger/index.js';
import { maintainPartitions } from '../../../src/server/features/telemetry/telemetry-runtime.js';
import { auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';
import {
  fileTelemetryFleet,
  healthySample,
  healthySamples,
  postBatch,
  signBatch,
  type TelemetryFleet,
  type TelemetryRobot,
} from '../../support/telemetry-fleet.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const JOINTS = 4;

describe(`telemetry evidence (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  let nowMs = Date.UTC(2026, 10, 26, 12);
  beforeAll(async () => {
    p = await startTestPlatform({
      clock: () => new Date(nowMs),
      env: { MQTT_PORT: '-1', ROBOLEDGER_TELEMETRY_RETENTION_DAYS: '7' },
    });
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 4, jointCount: JOINTS });
  });
  afterAll(async () => {
    await p?.close();
  });

  const owner = () => fleet.manufacturer.apiKey;
  const batches = (robot: TelemetryRobot, query = '', token = owner()) =>
    p.call('GET', `/v1/robots/${robot.robotId}/telemetry/batches${query}`, { token });
  const count = async (sql: string, params: unknown[]) =>
    (await p.ctx.db.query<{ n: number }>(sql, params)).rows[0]!.n;
  const alertsOf = async (robot: TelemetryRobot) =>
    (await p.call('GET', `/v1/alerts?robotId=${robot.robotId}`, { token: owner() })).json().items as {
      condition: string;
      seq: number;
      detail: Record<string, unknown>;
      ledgerIndex: number;
      state: string;
    }[];

  it('gives back a stored batch’s JWS byte for byte: it verifies with the robot’s key and matches its leaf', async () => {
    const robot = fleet.robots[0]!;
    const jws = signBatch(robot, { seq: 1, samples: healthySamples(JOINTS, 3, nowMs - HOUR) });
    const sent = await postBatch(p, jws);
    expect(sent.statusCode).toBe(202);
    const res = await batches(robot);
    expect(res.statusCode).toBe(200);
    const [item] = res.json().items;
    expect(item).toEqual({
      seq: 1,
      ledgerIndex: sent.json().ledgerIndex,
      jws,
      receivedAt: new Date(nowMs).toISOString(),
      firstSampleAt: new Date(nowMs - HOUR - 2000).toISOString(),
      lastSampleAt: new Date(nowMs - HOUR).toISOString(),
      opening: {
        index: sent.json().ledgerIndex,
        kind: 'telemetry_batch',
        salt: expect.any(String),
        record: expect.any(String),
      },
      leafHash: expect.any(String),
    });
    const [header, payload, signature] = (item.jws as string).split('.') as [string, string, string];
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: robot.device.publicKey },
      format: 'jwk',
    });
    expect(verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(
      true,
    );
    // The opening served with it is of the logged leaf, and its record digests these very bytes.
    const opened = openRecord(item.opening);
    const leaf = await p.call('GET', `/v1/ledger/entries/${item.ledgerIndex}`);
    expect(Buffer.from(leaf.json().entry, 'base64')).toEqual(Buffer.from(opened.entry));
    const entry = opened.record as { jwsSha256: string; batchChain: { seq: number } };
    expect(entry.jwsSha256).toBe(createHash('sha256').update(item.jws).digest('hex'));
    expect(entry.batchChain.seq).toBe(0);
  });

  it('lists batches overlapping [from, to) by first sample then seq, page by page; others get 404', async () => {
    const robot = fleet.robots[1]!;
    const base = nowMs - 3 * HOUR;
    // seq 3 starts first; seq 1 and 2 start together; seq 4 ends exactly at `to`'s edge.
    const sent = [
      { seq: 3, start: base },
      { seq: 2, start: base + 60_000 },
      { seq: 1, start: base + 60_000 },
      { seq: 4, start: base + 2 * HOUR },
    ];
    for (const s of sent) {
      const samples = [healthySample(JOINTS, s.start), healthySample(JOINTS, s.start + 30_000)];
      expect((await postBatch(p, signBatch(robot, { seq: s.seq, samples }))).statusCode).toBe(202);
    }
    const all = (await batches(robot)).json();
    expect(all.items.map((i: { seq: number }) => i.seq)).toEqual([3, 1, 2, 4]);
    const page1 = (await batches(robot, '?limit=2')).json();
    expect(page1.items.map((i: { seq: number }) => i.seq)).toEqual([3, 1]);
    const page2 = (await batches(robot, `?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items.map((i: { seq: number }) => i.seq)).toEqual([2, 4]);
    expect(page2.nextCursor).toBeNull();
    // [base + 20 s, base + 2 h): seq 3 reaches into it; seq 4 starts at its end, outside.
    const from = new Date(base + 20_000).toISOString();
    const to = new Date(base + 2 * HOUR).toISOString();
    const window = (await batches(robot, `?from=${from}&to=${to}`)).json();
    expect(window.items.map((i: { seq: number }) => i.seq)).toEqual([3, 1, 2]);
    const later = (await batches(robot, `?from=${new Date(base + 31_000).toISOString()}&to=${to}`)).json();
    expect(later.items.map((i: { seq: number }) => i.seq)).toEqual([1, 2]);
    expect((await batches(robot, `?from=${to}&to=${from}`)).json().error.code).toBe(
      'TELEMETRY_RANGE_INVALID',
    );
    const stranger = await createOrg(p, 'operator');
    const refused = await batches(robot, '', stranger.apiKey);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('ROBOT_NOT_FOUND');
  });

  it('refuses a different batch under an accepted seq (409), stores none of it, records it and raises one alert', async () => {
    const robot = fleet.robots[2]!;
    const accepted = signBatch(robot, { seq: 9, samples: healthySamples(JOINTS, 3, nowMs - 2 * HOUR) });
    expect((await postBatch(p, accepted)).statusCode).toBe(202);
    const samplesBefore = await count(
      'SELECT count(*)::int AS n FROM telemetry_samples s JOIN robots r ON r.id = s.robot_uuid WHERE r.robot_id = $1',
      [robot.robotId],
    );
    const forged = signBatch(robot, { seq: 9, samples: healthySamples(JOINTS, 2, nowMs - HOUR) });
    const res = await postBatch(p, forged);
    expect(res.statusCode).toBe(409);
    const sha = (jws: string) => createHash('sha256').update(jws).digest('hex');
    expect(res.json().error).toMatchObject({
      code: 'TELEMETRY_SEQ_CONFLICT',
      details: { seq: 9, jwsSha256: sha(forged), acceptedJwsSha256: sha(accepted) },
    });
    expect(
      await count(
        'SELECT count(*)::int AS n FROM telemetry_samples s JOIN robots r ON r.id = s.robot_uuid WHERE r.robot_id = $1',
        [robot.robotId],
      ),
    ).toBe(samplesBefore);
    // The accepted batch stays the one listed.
    expect((await batches(robot)).json().items.map((i: { jws: string }) => i.jws)).toEqual([accepted]);

    // The anomaly, in the ledger as its own record kind.
    const { rows } = await p.ctx.db.query<{ ledger_index: number; accepted_jws_sha256: Uint8Array }>(
      'SELECT ledger_index, accepted_jws_sha256 FROM telemetry_seq_conflicts WHERE robot_id = $1 AND seq = 9',
      [robot.robotId],
    );
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.accepted_jws_sha256).toString('hex')).toBe(sha(accepted));
    expect(await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, rows[0]!.ledger_index)).toMatchObject({
      kind: 'telemetry_seq_conflict',
      seq: 9,
      jwsSha256: sha(forged),
      acceptedJwsSha256: sha(accepted),
    });
    let alerts = (await alertsOf(robot)).filter((a) => a.condition === 'seq_conflict');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ seq: 9, state: 'open', detail: { jwsSha256: sha(forged) } });

    // The same forgery again, and another: each refused; a record per distinct digest, still one open alert.
    expect((await postBatch(p, forged)).statusCode).toBe(409);
    const forged2 = signBatch(robot, { seq: 9, samples: healthySamples(JOINTS, 1, nowMs - HOUR) });
    expect((await postBatch(p, forged2)).statusCode).toBe(409);
    expect(
      await count('SELECT count(*)::int AS n FROM telemetry_seq_conflicts WHERE robot_id = $1', [
        robot.robotId,
      ]),
    ).toBe(2);
    alerts = (await alertsOf(robot)).filter((a) => a.condition === 'seq_conflict');
    expect(alerts).toHaveLength(1);
    // The accepted bytes again are still a duplicate.
    expect((await postBatch(p, accepted)).json()).toEqual({ accepted: 3, duplicate: true });
  });

  it('within one group the first of two batches under one seq wins; the other is a conflict', async () => {
    const robot = fleet.robots[2]!;
    const one = signBatch(robot, { seq: 20, samples: healthySamples(JOINTS, 2, nowMs - HOUR) });
    const two = signBatch(robot, { seq: 20, samples: healthySamples(JOINTS, 3, nowMs - HOUR) });
    const answers = await Promise.all([postBatch(p, one), postBatch(p, two)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409]);
    const winner = answers[0]!.statusCode === 202 ? one : two;
    const listed = (await batches(robot)).json().items.filter((i: { seq: number }) => i.seq === 20);
    expect(listed.map((i: { jws: string }) => i.jws)).toEqual([winner]);
  });

  it('stores hours running backwards (3,177.7 h -> 1 h), raises usage_counter_rollback and marks the sample', async () => {
    const robot = fleet.robots[3]!;
    const at = (ms: number, hours: number, cycles = 400) =>
      healthySample(JOINTS, ms, {
        operatingHours: hours,
        battery: { socPct: 80, sohPct: 95, cycles, tempC: 30 },
      });
    const t0 = nowMs - 5 * HOUR;
    const ok = signBatch(robot, { seq: 1, samples: [at(t0, 3177.6), at(t0 + 60_000, 3177.7)] });
    expect((await postBatch(p, ok)).statusCode).toBe(202);
    expect((await alertsOf(robot)).filter((a) => a.condition === 'usage_counter_rollback')).toEqual([]);
    const back = signBatch(robot, { seq: 2, samples: [at(t0 + HOUR, 1), at(t0 + HOUR + 60_000, 1.1)] });
    const res = await postBatch(p, back);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 2, duplicate: false });
    const alerts = (await alertsOf(robot)).filter((a) => a.condition === 'usage_counter_rollback');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      seq: 2,
      detail: { counter: 'operatingHours', previous: 3177.7, value: 1 },
    });
    expect(await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, alerts[0]!.ledgerIndex)).toMatchObject({
      kind: 'telemetry_alert',
      condition: 'usage_counter_rollback',
    });
    const raw = (
      await p.call(
        'GET',
        `/v1/robots/${robot.robotId}/telemetry?resolution=raw&from=${new Date(t0).toISOString()}&to=${new Date(nowMs).toISOString()}`,
        { token: owner() },
      )
    ).json();
    expect(
      raw.items.map((s: { operatingHours: number; counterRollback?: boolean }) => [
        s.operatingHours,
        s.counterRollback,
      ]),
    ).toEqual([
      [3177.6, undefined],
      [3177.7, undefined],
      [1, true],
      [1.1, undefined],
    ]);

    // A controller replacement recorded between two samples lets the hours start again; the
    // battery's cycles still may not, and a decrease of them is alerted.
    const maintenance = await p.call('POST', `/v1/robots/${robot.robotId}/events`, {
      token: owner(),
      body: {
        type: 'maintenance',
        occurredAt: new Date(t0 + 2 * HOUR).toISOString(),
        data: { phase: 'performed', description: 'controller swapped', replaced: ['controller'] },
      },
    });
    expect(maintenance.statusCode).toBe(201);
    const fresh = signBatch(robot, { seq: 3, samples: [at(t0 + 3 * HOUR, 0.2, 390)] });
    expect((await postBatch(p, fresh)).statusCode).toBe(202);
    const after = (await alertsOf(robot)).filter((a) => a.condition === 'usage_counter_rollback');
    expect(after.map((a) => [a.seq, a.detail.counter])).toEqual(
      expect.arrayContaining([
        [2, 'operatingHours'],
        [3, 'cycles'],
      ]),
    );
    expect(after).toHaveLength(2);
    // The last known counters are the latest sample's, in the database (they outlive a restart).
    const { rows } = await p.ctx.db.query<{ operating_hours: number; cycles: number; seq: number }>(
      `SELECT u.operating_hours, u.cycles, u.seq FROM telemetry_usage_counters u JOIN robots r ON r.id = u.robot_uuid
        WHERE r.robot_id = $1`,
      [robot.robotId],
    );
    expect(rows).toEqual([{ operating_hours: 0.2, cycles: 390, seq: 3 }]);
  });

  it('a maintenance event names only known parts as replaced', async () => {
    const robot = fleet.robots[3]!;
    const res = await p.call('POST', `/v1/robots/${robot.robotId}/events`, {
      token: owner(),
      body: { type: 'maintenance', data: { phase: 'performed', description: 'x', replaced: ['gearbox'] } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('EVENT_DATA_INVALID');
  });

  it('drops a batch’s JWS with its samples: the batches route no longer lists it, its row stays', async () => {
    const robot = fleet.robots[0]!;
    const old = signBatch(robot, { seq: 50, samples: healthySamples(JOINTS, 2, nowMs - 5 * DAY) });
    expect((await postBatch(p, old)).statusCode).toBe(202);
    const seqs = async () => (await batches(robot)).json().items.map((i: { seq: number }) => i.seq);
    expect(await seqs()).toContain(50);
    nowMs += 3 * DAY;
    try {
      await maintainPartitions(p.ctx);
      expect(await seqs()).not.toContain(50);
      expect(await seqs()).toContain(1);
      expect(
        await count('SELECT count(*)::int AS n FROM telemetry_batches WHERE robot_id = $1 AND seq = 50', [
          robot.robotId,
        ]),
      ).toBe(1);
    } finally {
      nowMs -= 3 * DAY;
    }
  });

  it('leaves a ledger that audit rebuilds from the stored rows, new record kinds included', async () => {
    // Runs last (vitest runs a file's tests in order): every record the tests above wrote.
    const report = await auditLedger(p.ctx.db, { recordKinds: p.ctx.recordKinds });
    expect(report.findings).toEqual([]);
    const kinds = await p.ctx.db.query<{ kind: string }>(
      'SELECT DISTINCT record_kind AS kind FROM ledger_entries',
    );
    expect(kinds.rows.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['telemetry_seq_conflict', 'telemetry_alert']),
    );
  });
});
