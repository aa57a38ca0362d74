// The embedded MQTT broker (aedes), run when MQTT_URL is unset so the platform needs nothing
// else. A telemetry PUBLISH at QoS 1 is processed inside aedes' authorizePublish hook, and
// aedes writes the PUBACK only after that hook calls back — that is, after the commit. A
// refused batch is acknowledged too (resending it cannot help) and its coded error goes to
// `roboledger/v1/robots/{robotId}/telemetry/rejected`. A batch the platform could not process
// (shutting down, database unreachable) is not acknowledged: the connection is closed and the
// client resends it when it reconnects (MQTT 3.1.1 §4.4).
//
// The broker is closed (broker-auth.ts): robots log in with a token signed by their device
// key, publish only their own telemetry, read only their own refusals, retain nothing; packets
// larger than a batch close the connection before they are buffered (packet-size-guard.ts).
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import {
  checkRobotLogin,
  mayPublish,
  mayReceive,
  maySubscribe,
  type RobotCredentialSource,
  type RobotSession,
} from './broker-auth.js';
import { ingestMqttMessage } from './mqtt-ingest.js';
import { guardPacketSize, MQTT_MAX_PACKET_BYTES } from './packet-size-guard.js';
import type { TelemetrySink } from './telemetry-sink.js';
import { rejectedTopic } from './topics.js';

export interface EmbeddedBroker {
  port: number;
  /** The address it listens on. */
  address: string;
  /** Connections closed for a packet over the size limit, since start. */
  readonly oversizedPacketsRefused: number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  port: number;
  /** Where to listen: the platform's HOST. */
  host: string;
  /** Checks robots' logins. */
  credentials: RobotCredentialSource;
  maxPacketBytes?: number | undefined;
}

export async function startEmbeddedBroker(
  ingest: TelemetrySink,
  options: EmbeddedBrokerOptions,
): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({
    heartbeatInterval: 60_000,
    drainTimeout: 30_000,
    // Client IDs start with the robot ID (29 characters), beyond MQTT 3.1.1's 23 (§3.1.3.1).
    maxClientsIdLength: 128,
  });
  const sessions = new WeakMap<object, RobotSession>();
  broker.authenticate = (client, username, password, callback) => {
    checkRobotLogin(options.credentials, { clientId: client.id, username, password }).then(
      (login) => {
        if (!login.ok) {
          // CONNACK 4 "bad user name or password", 5 "not authorized" (MQTT 3.1.1 §3.2.2.3).
          const refusal = Object.assign(new Error(`login refused: ${login.reason}`), {
            returnCode: login.reason === 'bad-token' || login.reason === 'bad-username' ? 4 : 5,
          });
          return callback(refusal, false);
        }
        sessions.set(client, login.session);
        callback(null, true);
      },
      (error: unknown) =>
        callback(
          Object.assign(error instanceof Error ? error : new Error(String(error)), { returnCode: 3 }),
          false,
        ),
    );
  };
  broker.authorizeSubscribe = (client, subscription, callback) => {
    // A refused filter is answered 0x80 in the SUBACK; the connection stays (§3.9.3).
    callback(null, client && maySubscribe(sessions.get(client), subscription.topic) ? subscription : null);
  };
  broker.authorizeForward = (client, packet) =>
    client && mayReceive(sessions.get(client), packet.topic) ? packet : null;
  broker.authorizePublish = (client, packet, callback) => {
    // A will left by a client of a broker that is gone has no client: nothing publishes it.
    if (!client || !mayPublish(sessions.get(client), packet)) {
      return callback(new Error('a robot publishes only its own telemetry, not retained'));
    }
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
  let oversizedPacketsRefused = 0;
  const maxPacketBytes = options.maxPacketBytes ?? MQTT_MAX_PACKET_BYTES;
  const server: Server = createServer((socket) => {
    broker.handle(
      guardPacketSize(socket, maxPacketBytes, () => {
        oversizedPacketsRefused++;
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    address: typeof address === 'object' && address ? address.address : options.host,
    get oversizedPacketsRefused() {
      return oversizedPacketsRefused;
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
