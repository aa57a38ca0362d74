// The embedded MQTT broker (aedes), run when MQTT_URL is unset so the platform needs nothing
// else. A telemetry PUBLISH at QoS 1 is processed inside aedes' authorizePublish hook, and
// aedes writes the PUBACK only after that hook calls back — that is, after the commit. A
// refused batch is acknowledged too (resending it cannot help) and its coded error goes to
// `roboledger/v1/robots/{robotId}/telemetry/rejected`. A batch the platform could not process
// (shutting down, database unreachable) is not acknowledged: the connection is closed and the
// client resends it when it reconnects (MQTT 3.1.1 §4.4).
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { ingestMqttMessage } from './mqtt-ingest.js';
import type { TelemetrySink } from './telemetry-sink.js';
import { isRejectedTopic, rejectedTopic, robotOfTelemetryTopic } from './topics.js';

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(
  ingest: TelemetrySink,
  options: { port: number; host?: string | undefined },
): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({ heartbeatInterval: 60_000, drainTimeout: 30_000 });
  broker.authorizePublish = (client, packet, callback) => {
    if (!client) return callback(null);
    if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS topics are the broker’s'));
    // Only the platform says a batch was refused.
    if (isRejectedTopic(packet.topic)) return callback(new Error('the rejected topic is the platform’s'));
    if (robotOfTelemetryTopic(packet.topic) === undefined) return callback(null);
    ingestMqttMessage(ingest, packet.topic, packet.payload as Buffer).then(
      (outcome) => {
        if (outcome.status === 'retry') {
          callback(outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error)));
          return;
        }
        if (outcome.status === 'refused') {
          broker.publish(
            {
              cmd: 'publish',
              topic: rejectedTopic(outcome.robotId),
              payload: Buffer.from(outcome.message),
              qos: 1,
              retain: false,
              dup: false,
            },
            () => callback(null),
          );
          return;
        }
        callback(null);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
