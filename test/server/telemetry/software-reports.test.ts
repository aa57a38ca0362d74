// What a robot attests in its signed telemetry besides its measurements (docs/telemetry.md
// "Software and control"): the batch's `software` is kept as a row of
// telemetry_software_reports, written in the batch's own transaction (so there is none for a
// refused, duplicate or rolled-back batch); each sample's `control` stays in the retained JWS,
// where decodeBatchPayload reads it back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetrySample } from '../../../src/core/telemetry/index.js';
import { decodeBatchPayload } from '../../../src/core/telemetry/index.js';
import { checkBatch } from '../../../src/server/features/telemetry/batch-check.js';
import { loadIngestRobot } from '../../../src/server/features/telemetry/robot-directory.js';
import { maintainPartitions } from '../../../src/server/features/telemetry/telemetry-runtime.js';
import {
  type VerifiedBatch,
  writeCopiedGroup,
  writeGroupSamples,
  writeTelemetryGroup,
} from '../../../src/server/features/telemetry/telemetry-writer.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  fileTelemetryFleet,
  healthySample,
  healthySamples,
  postBatch,
  signBatch,
  type TelemetryFleet,
  type TelemetryRobot,
} from '../../support/telemetry-fleet.js';

const JOINTS = 4;
const SOFTWARE = { locomotion: '2.3.1', perception: '5.0.0' };

describe(`telemetry software reports and control (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  /** The platform's clock runs with real time, this much ahead (the retention test moves it). */
  let offsetMs = 0;
  beforeAll(async () => {
    p = await startTestPlatform({ clock: () => new Date(Date.now() + offsetMs) });
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 4, jointCount: JOINTS });
  });
  afterAll(async () => {
    await p?.close();
  });

  async function reports(robot: TelemetryRobot) {
    const { rows } = await p.ctx.db.query<{ seq: number; reported_at: Date; software: unknown }>(
      `SELECT s.seq, s.reported_at, s.software FROM telemetry_software_reports s
         JOIN robot_ids i ON i.robot_uuid = s.robot_uuid WHERE i.robot_id = $1 ORDER BY s.seq`,
      [robot.robotId],
    );
    return rows;
  }

  function withControl(samples: TelemetrySample[], mode = 'autonomous', source = 'nav-stack 4.2.0') {
    return samples.map((s) => ({ ...s, control: { mode, source } })) as TelemetrySample[];
  }

  it('stores the software of an accepted batch at its first sample time; control stays in the JWS', async () => {
    const robot = fleet.robots[0]!;
    const end = Date.now() - 1000;
    const samples = withControl(healthySamples(JOINTS, 3, end));
    samples[2]!.control = { mode: 'teleoperated', source: 'teleop-station-2' };
    const jws = signBatch(robot, { seq: 1, samples, software: SOFTWARE });
    const res = await postBatch(p, jws);
    expect(res.statusCode, res.body).toBe(202);
    expect(await reports(robot)).toEqual([{ seq: 1, reported_at: new Date(end - 2000), software: SOFTWARE }]);

    // A batch without software adds no report; its samples' control is accepted all the same.
    const plain = signBatch(robot, { seq: 2, samples: withControl(healthySamples(JOINTS, 2, end + 500)) });
    expect((await postBatch(p, plain)).statusCode).toBe(202);
    expect(await reports(robot)).toHaveLength(1);

    // The retained JWS gives the control of each sample back.
    const batches = await p.call('GET', `/v1/robots/${robot.robotId}/telemetry/batches`, {
      token: fleet.manufacturer.apiKey,
    });
    expect(batches.statusCode, batches.body).toBe(200);
    const first = batches.json().items.find((b: { seq: number }) => b.seq === 1);
    const decoded = decodeBatchPayload(first.jws);
    expect(decoded.software).toEqual(SOFTWARE);
    expect(decoded.samples.map((s) => s.control)).toEqual([
      { mode: 'autonomous', source: 'nav-stack 4.2.0' },
      { mode: 'autonomous', source: 'nav-stack 4.2.0' },
      { mode: 'teleoperated', source: 'teleop-station-2' },
    ]);
  });

  it('writes no report for a duplicate, a seq conflict or a batch refused by its checks', async () => {
    const robot = fleet.robots[1]!;
    const end = Date.now() - 1000;
    const jws = signBatch(robot, { seq: 5, samples: healthySamples(JOINTS, 2, end), software: SOFTWARE });
    expect((await postBatch(p, jws)).statusCode).toBe(202);
    const again = await postBatch(p, jws);
    expect(again.json()).toMatchObject({ duplicate: true });
    // Other bytes under the same seq: refused, the first report stands.
    const other = signBatch(robot, {
      seq: 5,
      samples: healthySamples(JOINTS, 2, end),
      software: { ...SOFTWARE, perception: '6.0.0' },
    });
    const conflict = await postBatch(p, other);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('TELEMETRY_SEQ_CONFLICT');
    // Refused by its checks (a value out of range): nothing at all.
    const bad = signBatch(robot, {
      seq: 6,
      samples: [healthySample(JOINTS, end, { battery: { socPct: 101, sohPct: 90, cycles: 1, tempC: 20 } })],
      software: { locomotion: '9.9.9' },
    });
    expect((await postBatch(p, bad)).statusCode).toBe(422);
    // A software map that breaks the rules refuses the batch with its path.
    const malformed = signBatch(robot, {
      seq: 7,
      samples: healthySamples(JOINTS, 1, end),
      software: { locomotion: '' },
    });
    const refused = await postBatch(p, malformed);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'TELEMETRY_MALFORMED_PAYLOAD',
      details: { path: '/software/locomotion' },
    });
    expect(await reports(robot)).toEqual([{ seq: 5, reported_at: new Date(end - 1000), software: SOFTWARE }]);
  });

  async function verified(robot: TelemetryRobot, seq: number, software?: Record<string, string>) {
    const nowMs = Date.now();
    const ingestRobot = (await loadIngestRobot(p.ctx.db, robot.robotId, nowMs))!;
    const jws = signBatch(robot, {
      seq,
      samples: withControl(healthySamples(JOINTS, 2, nowMs - 2000)),
      ...(software ? { software } : {}),
    });
    const checked = checkBatch({
      jws,
      kid: robot.robotId,
      robotUuid: ingestRobot.robotUuid,
      keys: ingestRobot.keys,
      jointCount: ingestRobot.jointCount,
      limits: ingestRobot.limits,
      nowMs,
      oldestMs: nowMs - 10 * 86_400_000,
    });
    if (!checked.ok) throw new Error(`${checked.code}: ${checked.message}`);
    expect(checked.software).toEqual(software);
    await p.ctx.telemetryIngest.get().partitions.ensureRange(checked.firstMs, checked.lastMs);
    return { robot: ingestRobot, kid: robot.robotId, checked, jws } satisfies VerifiedBatch;
  }

  const write = (batches: VerifiedBatch[]) =>
    p.ctx.ledger.run((tx, ledger) =>
      writeTelemetryGroup(tx, ledger, batches, new Date(), { robotsWithActiveAlerts: new Set() }),
    );

  it('in a group: a report for each stored batch that carries software, none for the refused', async () => {
    const [a, b, , d] = fleet.robots as TelemetryRobot[];
    const inactive = await verified(d!, 1, { locomotion: '1.0.0' });
    const decommission = await p.call('POST', `/v1/robots/${d!.robotId}/events`, {
      token: fleet.manufacturer.apiKey,
      body: { type: 'decommission', data: { reason: 'end of life' } },
    });
    expect(decommission.statusCode).toBe(201);
    // All new: the optimistic statement's path.
    const fresh = [await verified(a!, 10, { locomotion: '2.4.0' }), await verified(b!, 10)];
    expect((await write(fresh)).map((o) => o.status)).toEqual(['stored', 'stored']);
    // With a refusal in it: the careful path writes the fresh batches only.
    const mixed = [await verified(b!, 11, { perception: '5.1.0' }), inactive];
    expect((await write(mixed)).map((o) => (o.status === 'refused' ? o.code : o.status))).toEqual([
      'stored',
      'TELEMETRY_ROBOT_INACTIVE',
    ]);
    expect((await reports(a!)).map((r) => [r.seq, r.software])).toContainEqual([10, { locomotion: '2.4.0' }]);
    expect((await reports(b!)).map((r) => [r.seq, r.software])).toEqual([
      [5, SOFTWARE],
      [11, { perception: '5.1.0' }],
    ]);
    expect(await reports(d!)).toEqual([]);
  });

  it('a group whose samples were loaded before the lock keeps its reports only if it commits', async () => {
    const [a, , c] = fleet.robots as TelemetryRobot[];
    const writeCopied = (batches: VerifiedBatch[]) =>
      p.ctx.ledger.runWithPrelude(
        (tx) => writeGroupSamples(tx, batches),
        async (tx, ledger) => {
          const written = await writeCopiedGroup(tx, ledger, batches, new Date(), {
            robotsWithActiveAlerts: new Set(),
          });
          if (!written) throw new Error('redo');
          return written;
        },
      );
    const stored = await verified(c!, 20, { locomotion: '3.0.0' });
    expect((await writeCopied([stored]))[0]!.status).toBe('stored');
    expect((await reports(c!)).map((r) => r.seq)).toEqual([20]);
    // A duplicate in the group: the whole transaction is rolled back, reports included.
    const fresh = await verified(a!, 21, { locomotion: '3.1.0' });
    await expect(writeCopied([fresh, { ...stored }])).rejects.toThrow('redo');
    expect((await reports(a!)).map((r) => r.seq)).not.toContain(21);
  });

  it('raw retention drops the samples and the JWS, never the software reports', async () => {
    // Runs last: the platform's clock moves on past the raw retention of every batch above.
    const robot = fleet.robots[0]!;
    const before = await reports(robot);
    expect(before.length).toBeGreaterThan(0);
    offsetMs += (p.ctx.telemetryIngest.get().rawRetentionDays + 2) * 86_400_000;
    const { dropped } = await maintainPartitions(p.ctx);
    expect(dropped.length).toBeGreaterThan(0);
    const jws = await p.ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM telemetry_batch_jws j JOIN robot_ids i ON i.robot_uuid = j.robot_uuid
        WHERE i.robot_id = $1`,
      [robot.robotId],
    );
    expect(jws.rows[0]!.n).toBe(0);
    expect(await reports(robot)).toEqual(before);
  });
});
