// Telemetry as evidence (docs/telemetry.md "Evidence"): a stored batch re-checked against the
// robot's own signature, long after it was accepted. Pure: the JWS exactly as received, the
// ledger record of the batch (opened and verified by the caller: it is what the log committed
// to) and the robot's device keys as its own records name them come in; a reason to refuse,
// or nothing, comes out. What `roboledger verify telemetry` checks for every batch of a window.
import { sha256, verify } from '../../ledger/index.js';

/** A device key with the span it signed in: from its registration until its rotation (exclusive). */
export interface DeviceKeySpan {
  publicKey: Uint8Array;
  fromMs: number;
  untilMs: number | undefined;
}

/** A robot record as opened from the log: a filing or a key rotation names a device key. */
interface RobotEventRecord {
  kind?: unknown;
  type?: unknown;
  recordedAt?: unknown;
  data?: { devicePublicKey?: unknown } | null;
}

function base64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/**
 * The device keys a robot's records register, each with the span it was live in: the filing's
 * key from the filing on, each key_rotation's from the rotation on, the one before it retired
 * at that moment (by the platform's receive time, as ingest decides: docs/telemetry.md).
 */
export function deviceKeySpans(records: readonly unknown[]): DeviceKeySpan[] {
  const spans: DeviceKeySpan[] = [];
  for (const value of records) {
    const record = value as RobotEventRecord;
    if (record?.kind !== 'robot_event') continue;
    if (record.type !== 'filing' && record.type !== 'key_rotation') continue;
    const key =
      typeof record.data?.devicePublicKey === 'string' ? base64url(record.data.devicePublicKey) : undefined;
    const at = typeof record.recordedAt === 'string' ? Date.parse(record.recordedAt) : Number.NaN;
    if (key?.length !== 32 || !Number.isFinite(at)) continue;
    const last = spans[spans.length - 1];
    if (last && last.untilMs === undefined) last.untilMs = at;
    spans.push({ publicKey: key, fromMs: at, untilMs: undefined });
  }
  return spans;
}

/** The facts of a telemetry_batch record a batch is checked against. */
export interface BatchRecordFacts {
  robotId: string;
  seq: number;
  jwsSha256: string;
  receivedAt: string;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Why a stored batch does not stand as evidence, or undefined if it does: its bytes are the
 * ones the log's record digests, it is a compact JWS signed (EdDSA) by a device key of the
 * robot that was live when the platform received it, and it says it is that robot's batch of
 * that seq.
 */
export function batchEvidenceProblem(
  jws: string,
  record: BatchRecordFacts,
  keys: readonly DeviceKeySpan[],
): string | undefined {
  if (hex(sha256(new TextEncoder().encode(jws))) !== record.jwsSha256) {
    return 'its bytes are not the ones the ledger record digests (jwsSha256)';
  }
  const parts = jws.split('.');
  if (parts.length !== 3) return 'it is not a compact JWS';
  const [header, payload, signature] = parts as [string, string, string];
  let protectedHeader: { alg?: unknown; kid?: unknown };
  let claims: { robotId?: unknown; seq?: unknown };
  try {
    protectedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'its header or payload is not JSON';
  }
  if (protectedHeader.alg !== 'EdDSA') return `it is signed with ${String(protectedHeader.alg)}, not EdDSA`;
  if (claims.robotId !== record.robotId || claims.seq !== record.seq) {
    return `it is the batch of ${String(claims.robotId)} seq ${String(claims.seq)}, the record of ${record.robotId} seq ${record.seq}`;
  }
  const sig = base64url(signature);
  if (sig?.length !== 64) return 'its signature is not 64 bytes of base64url';
  const receivedMs = Date.parse(record.receivedAt);
  const signed = new TextEncoder().encode(`${header}.${payload}`);
  const live = keys.filter(
    (k) => k.fromMs <= receivedMs && (k.untilMs === undefined || receivedMs < k.untilMs),
  );
  if (live.length === 0) return 'no device key of the robot was live when it was received';
  if (!live.some((k) => verify(k.publicKey, signed, sig))) {
    return "its signature does not verify with the robot's device key live when it was received";
  }
  return undefined;
}
