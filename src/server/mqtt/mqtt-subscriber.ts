// Ingest from an external broker (MQTT_URL: Mosquitto, EMQX): MQTT 5 clients in the shared
// subscription `$share/<group>/roboledger/v1/robots/+/telemetry` at QoS 1, so several ingest
// processes (and several connections of one) split the load. Each message is acknowledged to
// the broker only after its commit.
//
// Concurrency: mqtt.js hands a connection's packets to `handleMessage` one at a time and sends
// its own PUBACK when that calls back, so acknowledging after the commit through it would allow
// one message per connection in flight (one group commit's round trips per message). Instead
// each message is taken at once and its PUBACK written by us after its commit, in arrival order
// (ordered-acks.ts, MQTT 5 §4.6). Flow control: at most `receiveMaximum` messages are under way
// per connection. The broker should not send more unacknowledged ones than that (we announce it),
// but Mosquitto 2.0.11 was measured sending hundreds, so the bound is enforced here too: past it
// mqtt.js is not let to read the next packet, and TCP pushes back on the broker. A slow database
// stops the broker, not our memory, and the broker must be able to queue what waits
// (ops/mosquitto/roboledger.conf).
import { randomBytes } from 'node:crypto';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { generate } from 'mqtt-packet';
import { ingestMqttMessage } from './mqtt-ingest.js';
import { OrderedAcks } from './ordered-acks.js';
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

const ACK_IS_OURS = new Error('the PUBACK is sent after the commit');

/**
 * Writes the PUBACK of `packet` on the connection it came in on, if that connection is still the
 * client's: a message whose connection dropped is redelivered by the broker or lost with the
 * session (docs/scaling.md), never acknowledged on another connection.
 */
function pubackWriter(client: MqttClient, packet: IPublishPacket): () => void {
  const stream = client.stream;
  const messageId = packet.messageId;
  return () => {
    if (messageId === undefined || client.stream !== stream || stream.destroyed || !client.connected) return;
    stream.write(generate({ cmd: 'puback', messageId, reasonCode: 0 }, { protocolVersion: 5 }));
  };
}

/** Messages being ingested, whose PUBACK is still to be sent. */
type InFlight = Set<Promise<void>>;

async function connectOne(
  ingest: TelemetrySink,
  options: MqttSubscriberOptions,
  n: number,
  inFlight: InFlight,
): Promise<MqttClient> {
  const receiveMaximum = options.receiveMaximum ?? 64;
  const client = mqtt.connect(options.url, {
    protocolVersion: 5,
    clientId: `roboledger-ingest-${randomBytes(4).toString('hex')}-${n}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // The broker drops for us any message larger than a batch can be (MQTT 5 §3.1.2.11.4).
    properties: { receiveMaximum, maximumPacketSize: MQTT_MAX_PACKET_BYTES },
  });
  let underWay = 0;
  /** mqtt.js's "read the next packet", held while the connection has a full window under way. */
  let readNext: (() => void) | undefined;
  let closing = false;
  // One line of acknowledgements per network connection: after a reconnect the broker numbers
  // messages afresh, so nothing of the old connection may be acknowledged on the new one.
  let acks = new OrderedAcks();
  client.on('connect', () => {
    acks = new OrderedAcks();
  });
  client.handleMessage = (packet, callback) => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const release = packet.qos === 1 ? acks.hold(pubackWriter(client, packet)) : () => {};
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
          // Handed to mqtt.js before this message's PUBACK is released, on the same connection:
          // the rejection is not held back behind the acknowledgement.
          client.publish(rejectedTopic(outcome.robotId), outcome.message, { qos: 1 });
        }
        release();
        return;
      }
    })();
    underWay++;
    inFlight.add(handled);
    void handled.finally(() => {
      inFlight.delete(handled);
      underWay--;
      const next = readNext;
      readNext = undefined;
      next?.();
    });
    // Lets mqtt.js read the next packet, now or once the window has room. Calling back with an
    // error is its way of saying "do not send the PUBACK" (the ack is ours, above); it has no
    // other effect there.
    const proceed = () => callback(packet.qos === 1 ? ACK_IS_OURS : undefined);
    if (underWay < receiveMaximum) proceed();
    else readNext = proceed;
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
