// The embedded broker is closed (issue 10): robots log in with a token signed by their device
// key, publish only their own telemetry, never retained, read only their own refusals; nobody
// reads telemetry, $SYS or another robot's refusals; oversized packets close the connection
// before they are buffered; the broker listens where the platform does.
import { randomBytes } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttConnectToken } from '../../../src/core/mqtt-credentials.js';
import {
  startTelemetryRuntime,
  type TelemetryRuntime,
} from '../../../src/server/features/telemetry/telemetry-runtime.js';
import { rejectedTopic, telemetryTopic } from '../../../src/server/mqtt/topics.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  fileTelemetryFleet,
  healthySamples,
  newDeviceKeyPair,
  signBatch,
  type TelemetryFleet,
  type TelemetryRobot,
} from '../../support/telemetry-fleet.js';

describe(`the embedded MQTT broker is closed (${backend})`, () => {
  let p: TestPlatform;
  let runtime: TelemetryRuntime;
  let fleet: TelemetryFleet;
  let url: string;
  const opened: MqttClient[] = [];

  /** Connects as `robot` (or with the given login); resolves the client or rejects with the CONNACK error. */
  async function connectAs(login: Partial<IClientOptions>): Promise<MqttClient> {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 20_000,
      ...login,
    });
    opened.push(client);
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }
  const loginOf = (robot: TelemetryRobot, nowMs = Date.now()) => ({
    clientId: `${robot.robotId}-${randomBytes(3).toString('hex')}`,
    username: robot.robotId,
    password: mqttConnectToken(robot.robotId, robot.device.privateKey, nowMs),
  });
  const closed = (client: MqttClient) =>
    new Promise<void>((resolve) => (client.disconnected ? resolve() : client.once('close', () => resolve())));
  const storedBatches = async (robotId: string) => {
    const { rows } = await p.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry_batches WHERE robot_id = $1',
      [robotId],
    );
    return rows[0]!.n;
  };

  beforeAll(async () => {
    // The broker takes the platform's HOST. Always the embedded broker, also on CI's Mosquitto
    // pass (no MQTT_URL here).
    p = await startTestPlatform({ env: { HOST: '127.0.0.1', MQTT_PORT: '0' } });
    runtime = await startTelemetryRuntime(p.ctx);
    url = `mqtt://127.0.0.1:${runtime.mqttPort}`;
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 2, jointCount: 4 });
  }, 240_000);
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.endAsync(true)));
    await runtime?.close();
    await p?.close();
  });

  it('listens where the platform listens (HOST), not on every interface', () => {
    expect(runtime.broker?.address).toBe('127.0.0.1');
  });

  it('refuses anonymous clients, bad tokens, stale tokens, other robots’ keys and borrowed client IDs', async () => {
    const [a, b] = fleet.robots as [TelemetryRobot, TelemetryRobot];
    await expect(connectAs({ clientId: 'anonymous-probe' })).rejects.toThrow();
    await expect(connectAs({ ...loginOf(a), password: 'v1.1.xyz' })).rejects.toThrow(
      /Bad username or password/i,
    );
    await expect(connectAs(loginOf(a, Date.now() - 10 * 60_000))).rejects.toThrow(
      /Bad username or password/i,
    );
    // Signed with b's key, claiming to be a.
    const forged = mqttConnectToken(a.robotId, b.device.privateKey, Date.now());
    await expect(connectAs({ ...loginOf(a), password: forged })).rejects.toThrow(/Bad username or password/i);
    // a's valid login, but b's client ID: it would take over b's session.
    await expect(connectAs({ ...loginOf(a), clientId: b.robotId })).rejects.toThrow(/Not authorized/i);
    // No such robot.
    const stranger = { robotId: 'CNB7K2B0000000000000000000000', device: newDeviceKeyPair(), jointCount: 4 };
    await expect(connectAs(loginOf(stranger))).rejects.toThrow(/Not authorized/i);
    // A robot with its valid login gets in.
    const client = await connectAs(loginOf(a));
    expect(client.connected).toBe(true);
  });

  it('lets a robot subscribe only to its own refusals: not #, not $SYS, not telemetry, not another robot’s', async () => {
    const [a, b] = fleet.robots as [TelemetryRobot, TelemetryRobot];
    const client = await connectAs(loginOf(a));
    const topics = [
      '#',
      '$SYS/#',
      telemetryTopic(a.robotId),
      'roboledger/v1/robots/+/telemetry',
      rejectedTopic(b.robotId),
      rejectedTopic(a.robotId),
    ];
    // The SUBACK's return code per filter: the granted QoS, or 0x80 for a refusal (§3.9.3).
    const granted: { topic: string; qos: number }[] = [];
    for (const topic of topics) {
      const qos = await client.subscribeAsync(topic, { qos: 1 }).then(
        (g) => g[0]!.qos,
        (error: { packet?: { granted?: number[] } }) => error.packet?.granted?.[0] ?? -1,
      );
      granted.push({ topic, qos });
    }
    const byTopic = Object.fromEntries(granted.map((g) => [g.topic, g.qos]));
    expect(byTopic).toEqual({
      '#': 128,
      '$SYS/#': 128,
      [telemetryTopic(a.robotId)]: 128,
      'roboledger/v1/robots/+/telemetry': 128,
      [rejectedTopic(b.robotId)]: 128,
      [rejectedTopic(a.robotId)]: 1,
    });
  });

  it('sends a refusal only to the robot concerned', async () => {
    const [a, b] = fleet.robots as [TelemetryRobot, TelemetryRobot];
    const clientA = await connectAs(loginOf(a));
    const clientB = await connectAs(loginOf(b));
    const toA: string[] = [];
    const toB: string[] = [];
    clientA.on('message', (topic) => toA.push(topic));
    clientB.on('message', (topic) => toB.push(topic));
    await clientA.subscribeAsync(rejectedTopic(a.robotId), { qos: 1 });
    await clientB.subscribeAsync(rejectedTopic(b.robotId), { qos: 1 });
    // b's batch signed by a: refused, and the refusal goes to b alone.
    const misrouted = signBatch(a, { seq: 9, samples: healthySamples(4, 1, Date.now()) });
    await clientB.publishAsync(telemetryTopic(b.robotId), misrouted, { qos: 1 });
    const deadline = Date.now() + 20_000;
    while (toB.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(toB).toEqual([rejectedTopic(b.robotId)]);
    expect(toA).toEqual([]);
  });

  it('disconnects a robot that publishes to another robot’s topic or retains, and stores nothing', async () => {
    const [a, b] = fleet.robots as [TelemetryRobot, TelemetryRobot];
    const intruder = await connectAs(loginOf(a));
    const batchOfB = signBatch(b, { seq: 1, samples: healthySamples(4, 1, Date.now()) });
    intruder.publish(telemetryTopic(b.robotId), batchOfB, { qos: 1 });
    await closed(intruder);
    const retainer = await connectAs(loginOf(a));
    const batchOfA = signBatch(a, { seq: 1, samples: healthySamples(4, 1, Date.now()) });
    retainer.publish(telemetryTopic(a.robotId), batchOfA, { qos: 1, retain: true });
    await closed(retainer);
    const commander = await connectAs(loginOf(a));
    commander.publish(`roboledger/v1/robots/${a.robotId}/commands`, 'shutdown', { qos: 1, retain: true });
    await closed(commander);
    expect(await storedBatches(a.robotId)).toBe(0);
    expect(await storedBatches(b.robotId)).toBe(0);
    // Its own batch, not retained, is stored.
    const honest = await connectAs(loginOf(a));
    await honest.publishAsync(telemetryTopic(a.robotId), batchOfA, { qos: 1 });
    expect(await storedBatches(a.robotId)).toBe(1);
  });

  it('refuses a retired device key once the robot rotated it', async () => {
    const robot = fleet.robots[1]!;
    const next = newDeviceKeyPair();
    const rotated = await p.call('POST', `/v1/robots/${robot.robotId}/events`, {
      token: fleet.manufacturer.apiKey,
      body: { type: 'key_rotation', data: { devicePublicKey: next.publicKey } },
    });
    expect(rotated.statusCode).toBe(201);
    await expect(connectAs(loginOf(robot))).rejects.toThrow(/Bad username or password/i);
    const client = await connectAs(loginOf({ ...robot, device: next }));
    expect(client.connected).toBe(true);
  });

  it('closes a connection whose packet declares more than a batch, before buffering it', async () => {
    const before = runtime.broker!.oversizedPacketsRefused;
    const socket = connectTcp(runtime.mqttPort!, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const closedByServer = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    // A PUBLISH (0x30) declaring 200 MB (remaining length, MQTT 3.1.1 §2.2.3), then 64 KiB of it:
    // anonymous, before any CONNECT, as in the probe.
    let length = 200 * 1024 * 1024;
    const header = [0x30];
    do {
      let byte = length % 128;
      length = Math.floor(length / 128);
      if (length > 0) byte |= 0x80;
      header.push(byte);
    } while (length > 0);
    socket.write(Buffer.from(header));
    socket.write(Buffer.alloc(64 * 1024, 0x61));
    await closedByServer;
    expect(runtime.broker!.oversizedPacketsRefused).toBe(before + 1);
  });
});
