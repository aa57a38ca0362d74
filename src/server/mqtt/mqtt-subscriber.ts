// Ingest from an external broker (MQTT_URL: Mosquitto, EMQX): MQTT 5 clients in the shared
// subscription `$share/<group>/roboledger/v1/robots/+/telemetry` at QoS 1, so several ingest
// processes (and several connections of one) split the load. Each message is acknowledged to
// the broker only after its commit: mqtt.js sends the PUBACK when `handleMessage` calls back.
// Flow control: `receiveMaximum` bounds the unacknowledged messages the broker sends each
// connection, so a slow database stops the broker, not our memory.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { ingestMqttMessage } from './mqtt-ingest.js';
import { MQTT_MAX_PACKET_BYTES } from './packet-size-guard.js';
import type { TelemetrySink } from './telemetry-sink.js';
import { rejectedTopic, TELEMETRY_TOPIC_FILTER } from './topics.js';

export interface MqttSubscriberOptions {
  url: string;
  shareGroup: string;
  /** Connections in the group; each processes its messages in order, so more run in parallel. */
  connections: number;
  receiveMaximum?: number;
}

export interface MqttIngestSubscriber {
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages being ingested, whose PUBACK is still to be sent. */
type InFlight = Set<Promise<void>>;

async function connectOne(
  ingest: TelemetrySink,
  options: MqttSubscriberOptions,
  n: number,
  inFlight: InFlight,
): Promise<MqttClient> {
  const client = mqtt.connect(options.url, {
    protocolVersion: 5,
    clientId: `roboledger-ingest-${randomBytes(4).toString('hex')}-${n}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // The broker drops for us any message larger than a batch can be (MQTT 5 §3.1.2.11.4).
    properties: { receiveMaximum: options.receiveMaximum ?? 64, maximumPacketSize: MQTT_MAX_PACKET_BYTES },
  });
  let closing = false;
  client.handleMessage = (packet, callback) => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const handled = (async () => {
      // Retry what failed for the platform's reasons; the broker keeps the message unacknowledged meanwhile.
      for (let attempt = 0; ; attempt++) {
        const outcome = await ingestMqttMessage(ingest, packet.topic, payload);
        if (outcome.status === 'retry') {
          if (closing) return; // never acknowledged: the broker redelivers it to another member
          await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
          continue;
        }
        if (outcome.status === 'refused') {
          // Not waiting for the broker's PUBACK of the rejection: mqtt.js reads incoming packets
          // one at a time, so that PUBACK queues behind this very message. Order on the wire
          // still puts the rejection before this message's PUBACK.
          client.publish(rejectedTopic(outcome.robotId), outcome.message, { qos: 1 });
        }
        callback();
        return;
      }
    })();
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  };
  const original = client.end.bind(client);
  client.end = ((...args: Parameters<MqttClient['end']>) => {
    closing = true;
    return original(...args);
  }) as MqttClient['end'];
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      client.end(true);
      reject(error);
    };
    client.once('error', fail);
    client.once('connect', () => {
      client.off('error', fail);
      client.on('error', () => {});
      client.subscribe(`$share/${options.shareGroup}/${TELEMETRY_TOPIC_FILTER}`, { qos: 1 }, (error) =>
        error ? fail(error) : resolve(),
      );
    });
  });
  return client;
}

export async function startMqttSubscriber(
  ingest: TelemetrySink,
  options: MqttSubscriberOptions,
): Promise<MqttIngestSubscriber> {
  const clients: MqttClient[] = [];
  const inFlight: InFlight = new Set();
  const topic = `$share/${options.shareGroup}/${TELEMETRY_TOPIC_FILTER}`;
  try {
    for (let n = 0; n < Math.max(1, options.connections); n++)
      clients.push(await connectOne(ingest, options, n, inFlight));
  } catch (error) {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    throw error;
  }
  return {
    // A drain, not a drop: leave the shared subscription first, so the broker gives new
    // messages to the group's other members, then finish (and acknowledge) what is under way.
    async close() {
      await Promise.all(clients.map((c) => c.unsubscribeAsync(topic).catch(() => {})));
      await Promise.allSettled([...inFlight]);
      await Promise.all(clients.map((c) => c.endAsync(false).catch(() => {})));
    },
  };
}
