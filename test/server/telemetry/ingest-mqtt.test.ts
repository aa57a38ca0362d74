// Telemetry over MQTT at QoS 1 through a real broker: the embedded aedes broker (no MQTT_URL) or
// Mosquitto with a shared subscription (MQTT_URL set, as the second CI pass does).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTelemetryRuntime,
  type TelemetryRuntime,
} from '../../../src/server/features/telemetry/telemetry-runtime.js';
import { rejectedTopic, telemetryTopic } from '../../../src/server/mqtt/topics.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { BROKER_HOOK_TIMEOUT_MS, holdExternalBroker } from '../../support/broker-lock.js';
import { backend } from '../../support/database.js';
import { type ConnectedRobots, connectRobots } from '../../support/mqtt-robots.js';
import {
  fileTelemetryFleet,
  healthySample,
  healthySamples,
  signBatch,
  type TelemetryFleet,
} from '../../support/telemetry-fleet.js';
import { EFFECT_DEADLINE_MS, eventually } from '../../support/wait.js';

const external = process.env.MQTT_URL;
const brokerName = external ? 'Mosquitto, shared subscription' : 'embedded aedes';

// Each test may wait up to EFFECT_DEADLINE_MS for the broker and the platform: its timeout is above that.
describe(`telemetry over MQTT (${backend}, ${brokerName})`, { timeout: EFFECT_DEADLINE_MS + 60_000 }, () => {
  let p: TestPlatform;
  let runtime: TelemetryRuntime;
  let fleet: TelemetryFleet;
  /** One connection per robot, logged in as that robot (username = robot ID, signed token). */
  let robots: ConnectedRobots;
  const clientOf = (robot: { robotId: string }) => robots.clientOf(robot);
  const rejections = () => robots.rejections;

  const storedBatches = async (robotId: string) => {
    const { rows } = await p.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry_batches WHERE robot_id = $1',
      [robotId],
    );
    return rows[0]!.n;
  };

  let releaseBroker: (() => void) | undefined;

  beforeAll(async () => {
    // Test files share one Mosquitto, and every subscribing platform gets every robot's
    // batches: files using it take turns (broker-lock.ts).
    if (external) releaseBroker = await holdExternalBroker();
    p = await startTestPlatform({
      env: {
        ...(external ? { MQTT_URL: external } : {}),
        MQTT_PORT: '0',
        HOST: '127.0.0.1',
        ROBOLEDGER_MQTT_SHARE_GROUP: `test${randomBytes(4).toString('hex')}`,
        ROBOLEDGER_MQTT_CONNECTIONS: '2',
      },
    });
    runtime = await startTelemetryRuntime(p.ctx);
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 2, jointCount: 4 });
    robots = await connectRobots(external ?? `mqtt://127.0.0.1:${runtime.mqttPort}`, fleet.robots, {
      external: external !== undefined,
    });
  }, BROKER_HOOK_TIMEOUT_MS); // it may wait for another file to release the broker
  afterAll(async () => {
    await robots?.close();
    await runtime?.close();
    await p?.close();
    releaseBroker?.();
  });

  it('stores a QoS 1 batch once; with the embedded broker the PUBACK comes only after the commit', async () => {
    const robot = fleet.robots[0]!;
    const jws = signBatch(robot, { seq: 1, samples: healthySamples(4, 5, Date.now()) });
    await clientOf(robot).publishAsync(telemetryTopic(robot.robotId), jws, { qos: 1 });
    if (!external) {
      // aedes wrote the PUBACK after authorizePublish called back, i.e. after the commit.
      expect(await storedBatches(robot.robotId)).toBe(1);
    }
    await eventually('the batch to be stored', async () =>
      (await storedBatches(robot.robotId)) === 1 ? true : undefined,
    );
    // Redelivered (same seq): stored once.
    await clientOf(robot).publishAsync(telemetryTopic(robot.robotId), jws, { qos: 1 });
    const samples = await p.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry_samples s JOIN telemetry_batches b USING (robot_uuid, seq) WHERE b.robot_id = $1',
      [robot.robotId],
    );
    expect(samples.rows[0]!.n).toBe(5);
    expect(await storedBatches(robot.robotId)).toBe(1);
  });

  it('publishes a coded refusal to the rejected topic and stores nothing', async () => {
    const [a, b] = fleet.robots as [TelemetryFleet['robots'][0], TelemetryFleet['robots'][0]];
    // Signed by robot a, published on robot b's topic.
    const misrouted = signBatch(a, { seq: 2, samples: [healthySample(4, Date.now())] });
    await clientOf(b).publishAsync(telemetryTopic(b.robotId), misrouted, { qos: 1 });
    const wrongJoints = signBatch(b, { seq: 1, samples: [healthySample(3, Date.now())] });
    await clientOf(b).publishAsync(telemetryTopic(b.robotId), wrongJoints, { qos: 1 });
    const got = await eventually(
      'two refusals on the rejected topic',
      () => (rejections().length >= 2 ? rejections().slice(0, 2) : undefined),
      { seen: rejections },
    );
    expect(got.map((r) => r.topic)).toEqual([rejectedTopic(b.robotId), rejectedTopic(b.robotId)]);
    expect(got.map((r) => r.body.error.code).sort()).toEqual([
      'TELEMETRY_JOINT_COUNT',
      'TELEMETRY_ROBOT_MISMATCH',
    ]);
    expect(got[0]!.body.jwsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await storedBatches(b.robotId)).toBe(0);
  });

  it('refuses a different batch under an accepted seq on the rejected topic (acknowledged, not stored)', async () => {
    const robot = fleet.robots[0]!;
    const accepted = signBatch(robot, { seq: 60, samples: healthySamples(4, 2, Date.now()) });
    await clientOf(robot).publishAsync(telemetryTopic(robot.robotId), accepted, { qos: 1 });
    await eventually('the batch to be stored', async () =>
      (await storedBatches(robot.robotId)) === 2 ? true : undefined,
    );
    const before = rejections().length;
    const other = signBatch(robot, { seq: 60, samples: healthySamples(4, 3, Date.now()) });
    // The PUBACK comes (the refusal is acknowledged) and the coded error follows on the rejected topic.
    await clientOf(robot).publishAsync(telemetryTopic(robot.robotId), other, { qos: 1 });
    const got = await eventually(
      'the seq conflict refusal',
      () =>
        rejections()
          .slice(before)
          .find((r) => r.body.error.code === 'TELEMETRY_SEQ_CONFLICT'),
      { seen: rejections },
    );
    expect(got.topic).toBe(rejectedTopic(robot.robotId));
    expect(got.body.jwsSha256).toBe(createHash('sha256').update(other).digest('hex'));
    expect(await storedBatches(robot.robotId)).toBe(2);
    const { rows } = await p.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM telemetry_alerts WHERE robot_id = $1 AND condition = 'seq_conflict' AND seq = 60",
      [robot.robotId],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('carries a stream from several robots, all stored exactly once', async () => {
    const sent: Promise<unknown>[] = [];
    for (const robot of fleet.robots) {
      for (let seq = 100; seq < 130; seq++) {
        const jws = signBatch(robot, { seq, samples: healthySamples(4, 2, Date.now() - (130 - seq) * 2000) });
        sent.push(clientOf(robot).publishAsync(telemetryTopic(robot.robotId), jws, { qos: 1 }));
      }
    }
    await Promise.all(sent);
    let stored = 0;
    await eventually(
      'all 60 batches to be stored',
      async () => {
        const { rows } = await p.ctx.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM telemetry_batches WHERE seq >= 100',
        );
        stored = rows[0]!.n;
        return stored === 60 ? true : undefined;
      },
      { seen: () => ({ stored }) },
    );
  });
});
