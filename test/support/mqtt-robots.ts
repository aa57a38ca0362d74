// Robots connected to a broker as themselves: one MQTT connection per robot, logged in with
// username = robot ID and a token signed by its device key (docs/security.md "MQTT"), each
// subscribed to its own refusals. The embedded broker admits nothing else; Mosquitto accepts it.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { mqttConnectToken } from '../../src/core/mqtt-credentials.js';
import { rejectedTopic } from '../../src/server/mqtt/topics.js';
import type { TelemetryRobot } from './telemetry-fleet.js';

export interface MqttRejection {
  topic: string;
  body: { error: { code: string }; jwsSha256: string };
}

export interface ConnectedRobots {
  /** The connection of `robot`. */
  clientOf(robot: { robotId: string }): MqttClient;
  /** Every refusal any of the robots has received, in order of arrival. */
  rejections: MqttRejection[];
  close(): Promise<void>;
}

export async function connectRobots(
  url: string,
  robots: readonly TelemetryRobot[],
  { external, nowMs = Date.now() }: { external: boolean; nowMs?: number },
): Promise<ConnectedRobots> {
  const clients = new Map<string, MqttClient>();
  const rejections: MqttRejection[] = [];
  const close = () => Promise.all([...clients.values()].map((c) => c.endAsync(true))).then(() => {});
  try {
    for (const robot of robots) {
      const client = await mqtt.connectAsync(url, {
        // aedes speaks MQTT 3.1.1; Mosquitto both.
        protocolVersion: external ? 5 : 4,
        clientId: `${robot.robotId}-${randomBytes(4).toString('hex')}`,
        username: robot.robotId,
        // Signed at the platform's now: a test that holds its clock still passes that instant.
        password: mqttConnectToken(robot.robotId, robot.device.privateKey, nowMs),
      });
      clients.set(robot.robotId, client);
      client.on('message', (topic, payload) =>
        rejections.push({ topic, body: JSON.parse(payload.toString()) }),
      );
      await client.subscribeAsync(rejectedTopic(robot.robotId), { qos: 1 });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { clientOf: (robot) => clients.get(robot.robotId)!, rejections, close };
}
