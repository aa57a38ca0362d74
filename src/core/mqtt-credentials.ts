// How a robot logs in to the platform's MQTT broker (docs/security.md "MQTT"): the username is
// its robot ID, the password a short-lived token it signs with its device key, so the robot
// needs no secret besides the key it already signs telemetry with. The token is
// `v1.<unix seconds>.<base64url Ed25519 signature>` over
// `roboledger-mqtt-connect-v1\n<robotId>\n<unix seconds>\n`; the context line keeps the
// signature from ever reading as a telemetry JWS or anything else the key signs.
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

const CONTEXT = 'roboledger-mqtt-connect-v1';
/** How far the token's time may be from the platform's clock, either way. */
export const MQTT_TOKEN_MAX_SKEW_MS = 5 * 60_000;
const TOKEN = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{86})$/;

function signedText(robotId: string, issuedAtSeconds: number): Buffer {
  return Buffer.from(`${CONTEXT}\n${robotId}\n${issuedAtSeconds}\n`);
}

/** The MQTT password of `robotId` at `nowMs`, signed with its device key. */
export function mqttConnectToken(robotId: string, privateKey: KeyObject, nowMs: number): string {
  const issuedAt = Math.floor(nowMs / 1000);
  return `v1.${issuedAt}.${sign(null, signedText(robotId, issuedAt), privateKey).toString('base64url')}`;
}

export type MqttTokenCheck = { ok: true } | { ok: false; reason: 'malformed' | 'expired' | 'signature' };

/**
 * Checks a connect token against the robot's live device key (32 raw Ed25519 bytes). The token
 * is attacker-controlled: its shape is checked before anything is decoded or verified.
 */
export function checkMqttConnectToken(
  robotId: string,
  token: string,
  livePublicKey: Uint8Array,
  nowMs: number,
): MqttTokenCheck {
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const issuedAt = Number(m[1]);
  if (Math.abs(issuedAt * 1000 - nowMs) > MQTT_TOKEN_MAX_SKEW_MS) return { ok: false, reason: 'expired' };
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(livePublicKey).toString('base64url') },
    format: 'jwk',
  });
  const signature = Buffer.from(m[2]!, 'base64url');
  return verify(null, signedText(robotId, issuedAt), key, signature)
    ? { ok: true }
    : { ok: false, reason: 'signature' };
}
