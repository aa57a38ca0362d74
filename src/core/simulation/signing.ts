// How a robot signs a batch (docs/api.md "Telemetry"): a compact JWS (RFC 7515 §7.1), protected
// header {"alg":"EdDSA","kid":<robot ID>}, Ed25519 over `header.payload` (RFC 8037 §3.1).
import { type KeyObject, sign } from 'node:crypto';
import type { TelemetryPayload } from '../telemetry/payload.js';

export function signTelemetryBatch(
  payload: TelemetryPayload,
  privateKey: KeyObject,
  kid = payload.robotId,
): string {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signingInput = `${header}.${body}`;
  const signature = sign(null, Buffer.from(signingInput), privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}
