// Signed single-sample batches per second through Mosquitto at QoS 1, end to end on PostgreSQL:
// robots publish to roboledger/v1/robots/{id}/telemetry, the platform (with MQTT_URL) takes them
// from its MQTT 5 shared subscription, verifies, group-commits and only then acknowledges each to
// the broker. The clock stops when the last message is committed. Reported against
// ingest-messages: the baseline is the same kind of messages over HTTP to the same platform,
// measured in the same run.
//
// The broker is one of the benchmark's own with the shipped settings (ops/mosquitto/roboledger.conf),
// not the machine's: Mosquitto's default per-connection queue drops what a platform that falls
// behind a burst has not taken yet, and the benchmark must measure what operators are told to run.
// MQTT_URL overrides it (a broker you configured yourself). Run: npx tsx bench/ingest-mqtt.ts
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { startOwnBroker } from '../scripts/mosquitto.js';
import {
  loadProcess,
  presignBatches,
  runHttpLoad,
  serveLoadRole,
  startBenchPlatform,
} from './ingest-http.js';
import { type BenchResult, isMain, printBench } from './support.js';

const ROBOTS = 200;
const JOINTS = 32;
const MESSAGES_PER_ROBOT = 100;

/**
 * Publishes every (topic, body) once at QoS 1 from `clients` connections, `window` in flight
 * each, from a child process (the robots are not the platform's process).
 */
function publishAll(
  url: string,
  messages: [string, string][],
  clients: number,
  window: number,
): Promise<number> {
  return loadProcess<number>('mqtt-publish', { messages, clients, window, url }, import.meta.url);
}

async function publish(data: { messages: [string, string][]; clients: number; window: number; url: string }) {
  const connections = await Promise.all(
    Array.from({ length: data.clients }, (_, i) =>
      mqtt.connectAsync(data.url, {
        protocolVersion: 5,
        clientId: `bench-robot-${randomBytes(3).toString('hex')}-${i}`,
      }),
    ),
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    connections.flatMap((client) =>
      Array.from({ length: data.window }, async () => {
        while (next < data.messages.length) {
          const [topic, body] = data.messages[next++]!;
          await client.publishAsync(topic, body, { qos: 1 });
        }
      }),
    ),
  );
  await Promise.all(connections.map((c) => c.endAsync()));
  return (performance.now() - started) / 1000;
}

export async function run(): Promise<BenchResult> {
  const ownBroker = process.env.MQTT_URL ? undefined : await startOwnBroker();
  const url = process.env.MQTT_URL ?? ownBroker!.url;
  const bench = await startBenchPlatform({
    robots: ROBOTS,
    jointCount: JOINTS,
    env: {
      MQTT_URL: url,
      // The platform's defaults (16 connections of 64 messages each): what an operator runs.
      ...(process.env.ROBOLEDGER_MQTT_CONNECTIONS
        ? { ROBOLEDGER_MQTT_CONNECTIONS: process.env.ROBOLEDGER_MQTT_CONNECTIONS }
        : {}),
      // A group of its own: no other process on this broker takes our messages.
      ROBOLEDGER_MQTT_SHARE_GROUP: `bench${randomBytes(4).toString('hex')}`,
    },
  }).catch(async (error) => {
    await ownBroker?.close();
    throw error;
  });
  try {
    const count = async () => {
      const { rows } = await bench.database.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM telemetry_batches',
      );
      return rows[0]!.n;
    };
    const topicOf = new Map(
      bench.fleet.robots.map((r) => [r.robotId, `roboledger/v1/robots/${r.robotId}/telemetry`]),
    );
    const asMessages = (bodies: string[]) =>
      bodies.map(
        (b, i) =>
          [topicOf.get(bench.fleet.robots[i % bench.fleet.robots.length]!.robotId)!, b] as [string, string],
      );

    // Warm-up over both transports.
    const warm = presignBatches(bench.fleet, 3, 1, 7);
    await publishAll(url, asMessages(warm.bodies), 8, 16);
    const warmHttp = presignBatches(bench.fleet, 3, 1, 8, 100);
    await runHttpLoad(bench.platform.url, warmHttp.bodies, 256);
    while ((await count()) < warm.bodies.length + warmHttp.bodies.length)
      await new Promise((r) => setTimeout(r, 50));

    // Baseline: the same kind of messages over HTTP, same platform, same run.
    const http = presignBatches(bench.fleet, MESSAGES_PER_ROBOT, 1, 42, 1000);
    const httpLoad = await runHttpLoad(bench.platform.url, http.bodies, 256);
    if (httpLoad.ok !== http.bodies.length) throw new Error(`HTTP: ${JSON.stringify(httpLoad.errors)}`);
    const baseline = httpLoad.ok / httpLoad.seconds;

    const { bodies } = presignBatches(bench.fleet, MESSAGES_PER_ROBOT, 1, 43, 2000);
    const before = await count();
    const target = before + bodies.length;
    const started = performance.now();
    const publishing = publishAll(url, asMessages(bodies), 16, 32);
    // Stops waiting when nothing has been stored for 30 s: what is missing by then was lost.
    let stored = before;
    let progressAt = Date.now();
    while (stored < target && Date.now() - progressAt < 30_000) {
      await new Promise((r) => setTimeout(r, 25));
      const now = await count();
      if (now > stored) progressAt = Date.now();
      stored = now;
    }
    const seconds = (performance.now() - started) / 1000;
    await publishing;
    if (stored < target) {
      const dropped = ownBroker?.log().match(/.*dropped.*/gi) ?? [];
      throw new Error(
        `only ${stored - before} of ${bodies.length} messages were stored${dropped.length ? `; the broker: ${dropped.slice(0, 3).join(' ')}` : ''}`,
      );
    }
    const value = Math.round(bodies.length / seconds);
    return {
      name: 'ingest-mqtt',
      value,
      unit: 'messages/s',
      baseline: Math.round(baseline),
      ratio: Math.round((value / baseline) * 1000) / 1000,
    };
  } finally {
    await bench.close();
    await ownBroker?.close();
  }
}

if (process.env.BENCH_LOAD_ROLE === 'mqtt-publish') {
  serveLoadRole(publish);
} else if (isMain(import.meta.url) && !process.env.BENCH_LOAD_ROLE) {
  printBench(await run());
}
