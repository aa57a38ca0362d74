// Who may do what on the embedded broker (docs/security.md "MQTT"). Every client is a robot,
// logged in with its robot ID and a token signed by its live device key
// (core/mqtt-credentials.ts). A robot may publish only to its own telemetry topic, never
// retained; it may subscribe only to its own rejected topic, and receives nothing else. No one
// subscribes to telemetry: the platform ingests it inside the broker, so the signed batches
// reach nobody but the platform, whose read policy then applies.
import { checkMqttConnectToken } from '../../core/mqtt-credentials.js';
import type { SqlClient } from '../db/sql-client.js';
import { rejectedTopic, telemetryTopic } from './topics.js';

/** What the broker needs to check a robot's login. */
export interface RobotCredentialSource {
  /** The robot's live (not retired) device key, 32 raw bytes; undefined if none or no such robot. */
  liveDeviceKey(robotId: string): Promise<Uint8Array | undefined>;
  nowMs(): number;
}

/** Live device keys from the registry, by any ID the robot ever had. */
export function registryCredentialSource(db: SqlClient, clock: () => Date): RobotCredentialSource {
  return {
    async liveDeviceKey(robotId) {
      const { rows } = await db.query<{ public_key: Uint8Array }>(
        `SELECT d.public_key FROM robot_ids i JOIN device_keys d ON d.robot_uuid = i.robot_uuid
          WHERE i.robot_id = $1 AND d.retired_at IS NULL`,
        [robotId],
      );
      return rows[0] ? new Uint8Array(rows[0].public_key) : undefined;
    },
    nowMs: () => clock().getTime(),
  };
}

export interface RobotSession {
  robotId: string;
}

/** A robot ID as it may appear in a topic level: no wildcards, separators or control characters. */
const TOPIC_SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

export type LoginRefusal = 'bad-username' | 'bad-client-id' | 'unknown-robot' | 'bad-token';

/**
 * Checks a CONNECT: the username is a robot ID with a live device key, the password its token,
 * and the client ID is the robot's own (its robot ID, or starting with it), so one robot cannot
 * take over another's session by reusing its client ID (MQTT 3.1.1 §3.1.4).
 */
export async function checkRobotLogin(
  source: RobotCredentialSource,
  login: { clientId: string; username: string | undefined; password: Buffer | undefined },
): Promise<{ ok: true; session: RobotSession } | { ok: false; reason: LoginRefusal }> {
  const robotId = login.username;
  if (robotId === undefined || !TOPIC_SAFE_ID.test(robotId)) return { ok: false, reason: 'bad-username' };
  if (!login.clientId.startsWith(robotId)) return { ok: false, reason: 'bad-client-id' };
  if (login.password === undefined || login.password.length > 200) return { ok: false, reason: 'bad-token' };
  const key = await source.liveDeviceKey(robotId);
  if (!key) return { ok: false, reason: 'unknown-robot' };
  const check = checkMqttConnectToken(robotId, login.password.toString('latin1'), key, source.nowMs());
  return check.ok ? { ok: true, session: { robotId } } : { ok: false, reason: 'bad-token' };
}

/** A robot publishes its own telemetry, and nothing is ever retained. */
export function mayPublish(session: RobotSession | undefined, packet: { topic: string; retain: boolean }) {
  return session !== undefined && !packet.retain && packet.topic === telemetryTopic(session.robotId);
}

/** A robot subscribes to the refusals of its own batches, exactly that topic. */
export function maySubscribe(session: RobotSession | undefined, topicFilter: string): boolean {
  return session !== undefined && topicFilter === rejectedTopic(session.robotId);
}

/** Checked again per message, so nothing ($SYS included) reaches a client but its refusals. */
export function mayReceive(session: RobotSession | undefined, topic: string): boolean {
  return maySubscribe(session, topic);
}
