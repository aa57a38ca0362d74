// Checking one telemetry batch, start to finish, off the main thread (verify-worker.ts runs it
// in a piscina pool): split the compact JWS (RFC 7515 §7.1), verify the Ed25519 signature
// (RFC 8037) with the robot's registered keys, decode and validate the payload, and turn it
// into what the writer stores — column fragments for one multi-row insert, 1-minute rollup
// partials and the alert conditions it shows. The main thread only moves strings around.
//
// Everything here reads attacker-controlled bytes: each step refuses with a code before the
// next one runs, and nothing is trusted before the signature verified.
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  addSample,
  bucketStart,
  type ConditionObservation,
  duplicateNamePath,
  emptyPartial,
  type ModelLimits,
  observeBatch,
  type RollupPartial,
  validatePayload,
} from '../../../core/telemetry/index.js';
import { binarySampleRows, uuidBytes } from './sample-binary.js';

/** A device key as the checker needs it: base64url of the raw 32 bytes, and its retirement. */
export interface CandidateKey {
  publicKey: string;
  retiredAtMs: number | null;
}

export interface BatchCheckInput {
  jws: string;
  /** The canonical robot ID the JWS header's `kid` named (checked by the caller). */
  kid: string;
  /** The robot's platform UUID (the first column of its sample rows). */
  robotUuid: string;
  /** For MQTT: the robot ID of the topic, which must be the same robot. */
  topicRobotId?: string | undefined;
  keys: CandidateKey[];
  jointCount: number;
  limits: ModelLimits;
  nowMs: number;
  oldestMs: number;
  /**
   * The robot is recycled (docs/end-of-life.md): its batches are refused whatever they hold, but
   * one its keys sign is evidence that its identity is still in use. Only the signature is
   * checked; a signed batch is refused with `details.retiredIdentity` for ingest to alert on.
   */
  identityRetired?: boolean;
  /**
   * How the sample rows are wanted: `binary` COPY rows (sample-binary.ts), what PostgreSQL
   * stores fastest, or `text` lines (COPY text, split by SQL on PGlite). Default text.
   */
  rowFormat?: 'text' | 'binary';
  /**
   * With rowFormat `binary`: batches of fewer samples get text lines all the same (default 1:
   * none), which a small group's statement carries inline, one round trip fewer than a COPY.
   */
  binaryFromSamples?: number;
}

export interface CheckedBatch {
  ok: true;
  seq: number;
  sampleCount: number;
  firstMs: number;
  lastMs: number;
  jwsSha256: string;
  /** Index into `keys` of the key that verified. */
  keyIndex: number;
  /** The batch's sample rows as COPY text (sample-copy.ts), one line each; empty if `rows`. */
  lines: string;
  /** With rowFormat `binary`: the batch's sample rows in binary COPY format, else absent. */
  rows?: Uint8Array;
  minutePartials: RollupPartial[];
  observation: ConditionObservation;
  /** Each sample's usage counters, [atMs, operatingHours, cycles] per sample in sample order (core/telemetry/counters.ts). */
  counterReadings: Float64Array;
  /** The batch's `software` (component to version) as signed, when it carries one. */
  software?: Record<string, string>;
}

export interface RefusedBatch {
  ok: false;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type BatchCheckResult = CheckedBatch | RefusedBatch;

const refuse = (code: string, message: string, details?: Record<string, unknown>): RefusedBatch => ({
  ok: false,
  code,
  message,
  ...(details ? { details } : {}),
});

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Values of the base64url alphabet (RFC 4648 §5), by character. */
const BASE64URL_VALUE = new Map(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c, i) => [c, i]),
);

/**
 * Whether a base64url segment (alphabet already checked) is the one canonical encoding of its
 * bytes (RFC 4648 §3.5): a length that encodes whole bytes, and unused bits of the last
 * character zero. Node's decoder ignores both, a strict one refuses them: the same signed
 * text must decode to the same bytes everywhere.
 */
function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = BASE64URL_VALUE.get(segment[segment.length - 1]!)!;
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * The protected header fields a batch may carry. Anything else could change how the JWS is
 * read (RFC 7797 `b64: false` signs the payload unencoded; `jwk`, `jku`, `x5u` offer a key of
 * the sender's choosing; `crit` demands extensions): a verifier that ignored such a field
 * would read other evidence than one that honoured it, so the batch is refused instead.
 */
const HEADER_FIELDS = new Set(['alg', 'kid', 'typ']);

/** Strict UTF-8 (invalid sequences refused, a BOM kept so JSON.parse refuses it), as RFC 8259 §8.1 asks. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The protected header of a compact JWS, read without trusting it (for routing to a key). */
export function peekJwsHeader(jws: string): { alg: unknown; kid: unknown } | undefined {
  const dot = jws.indexOf('.');
  if (dot <= 0 || dot > 2048) return undefined;
  const segment = jws.slice(0, dot);
  if (!BASE64URL.test(segment)) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    const h = header as Record<string, unknown>;
    return { alg: h.alg, kid: h.kid };
  } catch {
    return undefined;
  }
}

const keyCache = new Map<string, KeyObject>();

function publicKeyObject(raw: string): KeyObject {
  let key = keyCache.get(raw);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' });
    if (keyCache.size > 50_000) keyCache.clear();
    keyCache.set(raw, key);
  }
  return key;
}

const JOINT_ARRAY = /"(wear|tempC)"\s*:\s*\[([^\]]*)\]/g;
/** Plain decimals without exponent or whitespace: PostgreSQL reads them exactly as JSON does. */
const PLAIN_DECIMALS = /^-?\d{1,12}(?:\.\d{1,17})?(?:,-?\d{1,12}(?:\.\d{1,17})?)*$/;

/**
 * The text of each sample's joint arrays as the robot wrote it, to copy into the rows without
 * formatting thousands of numbers again. Only used when it is certain to be the same numbers
 * the parsed payload holds: exactly one `wear` and one `tempC` array per sample (unknown and
 * duplicate fields show up as extra matches), each plain decimals; otherwise undefined.
 */
function rawJointArrays(
  payloadText: string,
  samples: number,
): { wear: string[]; tempC: string[] } | undefined {
  const wear: string[] = [];
  const tempC: string[] = [];
  for (const match of payloadText.matchAll(JOINT_ARRAY)) {
    const list = match[1] === 'wear' ? wear : tempC;
    if (list.length === samples || !PLAIN_DECIMALS.test(match[2]!)) return undefined;
    list.push(match[2]!);
  }
  return wear.length === samples && tempC.length === samples ? { wear, tempC } : undefined;
}

/** A recycled robot's batch that its key signed: refused, with what ingest's alert records. */
function retiredIdentityRefusal(input: BatchCheckInput, keyIndex: number, jwsBytes: Buffer): RefusedBatch {
  let seq: number | null = null;
  try {
    const payload: unknown = JSON.parse(utf8.decode(Buffer.from(input.jws.split('.')[1]!, 'base64url')));
    const claimed = (payload as { seq?: unknown } | null)?.seq;
    if (Number.isSafeInteger(claimed) && (claimed as number) >= 0) seq = claimed as number;
  } catch {
    // The signature is the evidence; a payload that is not JSON leaves the seq unknown.
  }
  return refuse(
    'TELEMETRY_ROBOT_INACTIVE',
    `the robot ${input.kid} is recycled and sends no more telemetry`,
    {
      retiredIdentity: {
        publicKey: input.keys[keyIndex]!.publicKey,
        seq,
        jwsSha256: createHash('sha256').update(jwsBytes).digest('hex'),
      },
    },
  );
}

export function checkBatch(input: BatchCheckInput): BatchCheckResult {
  const { jws } = input;
  const first = jws.indexOf('.');
  const second = first < 0 ? -1 : jws.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || jws.indexOf('.', second + 1) >= 0) {
    return refuse('TELEMETRY_MALFORMED_JWS', 'the body is not a compact JWS (header.payload.signature)');
  }
  const headerB64 = jws.slice(0, first);
  const payloadB64 = jws.slice(first + 1, second);
  const signatureB64 = jws.slice(second + 1);
  if (!BASE64URL.test(headerB64) || !BASE64URL.test(payloadB64) || !BASE64URL.test(signatureB64)) {
    return refuse('TELEMETRY_MALFORMED_JWS', 'a JWS segment is not base64url');
  }
  if (
    !isCanonicalBase64url(headerB64) ||
    !isCanonicalBase64url(payloadB64) ||
    !isCanonicalBase64url(signatureB64)
  ) {
    return refuse('TELEMETRY_MALFORMED_JWS', 'a JWS segment is not canonical base64url (RFC 4648 §3.5)');
  }
  let header: Record<string, unknown>;
  let headerText: string;
  try {
    headerText = utf8.decode(Buffer.from(headerB64, 'base64url'));
    const parsed: unknown = JSON.parse(headerText);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    header = parsed as Record<string, unknown>;
  } catch {
    return refuse('TELEMETRY_MALFORMED_JWS', 'the JWS protected header is not a JSON object');
  }
  const twice = duplicateNamePath(headerText);
  if (twice !== undefined) {
    const field = twice.slice(1, 65); // a name of the sender's choosing: bounded in the answer
    return refuse('TELEMETRY_MALFORMED_JWS', `the JWS header names ${field} twice`, { field });
  }
  if (header.alg !== 'EdDSA') {
    return refuse('TELEMETRY_UNSUPPORTED_ALG', 'alg must be EdDSA (Ed25519, RFC 8037)', {
      alg: header.alg ?? null,
    });
  }
  if (header.crit !== undefined) {
    // RFC 7515 §4.1.11: an unknown critical extension makes the JWS invalid.
    return refuse('TELEMETRY_MALFORMED_JWS', 'no critical header extensions are understood', {
      crit: header.crit,
    });
  }
  for (const field in header) {
    if (!HEADER_FIELDS.has(field)) {
      return refuse(
        'TELEMETRY_MALFORMED_JWS',
        `the JWS header field ${JSON.stringify(field).slice(0, 80)} is not accepted (only alg, kid and typ)`,
        { field: field.slice(0, 64) },
      );
    }
  }
  if (header.typ !== undefined && header.typ !== 'JOSE') {
    return refuse('TELEMETRY_MALFORMED_JWS', 'typ, if given, is "JOSE" (RFC 7515 §4.1.9)', {
      field: 'typ',
    });
  }
  const signature = Buffer.from(signatureB64, 'base64url');
  if (signature.length !== 64)
    return refuse('TELEMETRY_SIGNATURE_INVALID', 'an Ed25519 signature has 64 bytes');
  // One copy of the JWS bytes (base64url and dots are ASCII): signing input and digest read it.
  const jwsBytes = Buffer.from(jws, 'latin1');
  const signingInput = jwsBytes.subarray(0, second);
  let keyIndex = -1;
  for (let i = 0; i < input.keys.length; i++) {
    let key: KeyObject;
    try {
      key = publicKeyObject(input.keys[i]!.publicKey);
    } catch {
      continue;
    }
    if (verify(null, signingInput, key, signature)) {
      keyIndex = i;
      break;
    }
  }
  if (keyIndex < 0) {
    return refuse(
      'TELEMETRY_SIGNATURE_INVALID',
      `the signature does not verify with any key registered for ${input.kid}`,
    );
  }

  // Signed: from here on the bytes are the robot's.
  if (input.identityRetired) return retiredIdentityRefusal(input, keyIndex, jwsBytes);
  let decoded: unknown;
  let payloadText: string;
  try {
    payloadText = utf8.decode(Buffer.from(payloadB64, 'base64url'));
    decoded = JSON.parse(payloadText);
  } catch {
    return refuse('TELEMETRY_MALFORMED_PAYLOAD', 'the JWS payload is not JSON in UTF-8');
  }
  const duplicate = duplicateNamePath(payloadText);
  if (duplicate !== undefined) {
    return refuse('TELEMETRY_MALFORMED_PAYLOAD', `${duplicate} is given twice; each field at most once`, {
      path: duplicate,
    });
  }
  const validation = validatePayload(decoded, {
    jointCount: input.jointCount,
    nowMs: input.nowMs,
    oldestMs: input.oldestMs,
  });
  if (!validation.ok) {
    return refuse(validation.problem.code, validation.problem.message, { path: validation.problem.path });
  }
  const { payload, times, firstMs, lastMs } = validation.value;
  if (payload.robotId !== input.kid) {
    return refuse('TELEMETRY_ROBOT_MISMATCH', 'the payload robotId is not the JWS kid', {
      kid: input.kid,
      robotId: payload.robotId,
    });
  }
  if (input.topicRobotId !== undefined && input.topicRobotId !== input.kid) {
    return refuse('TELEMETRY_ROBOT_MISMATCH', 'the MQTT topic names another robot than the JWS kid', {
      kid: input.kid,
      topicRobotId: input.topicRobotId,
    });
  }
  // Judged by when the batch arrives, not by the sample times it claims: a retired key may be
  // a stolen one, and its holder can date a forgery as early as he likes.
  const key = input.keys[keyIndex]!;
  if (key.retiredAtMs !== null && input.nowMs >= key.retiredAtMs) {
    return refuse('TELEMETRY_KEY_RETIRED', 'the batch is signed with a retired device key', {
      retiredAt: new Date(key.retiredAtMs).toISOString(),
    });
  }

  const samples = payload.samples;
  const n = samples.length;
  const binary = input.rowFormat === 'binary' && n >= (input.binaryFromSamples ?? 1);
  const prefix = `${input.robotUuid}\t${payload.seq}\t`;
  const raw = binary ? undefined : rawJointArrays(payloadText, n);
  let lines = '';
  const partials = new Map<number, RollupPartial>();
  const values = new Array<number>(7);
  const metrics = { values, cycles: 0, operatingHours: 0, faults: 0 };
  const counterReadings = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    const b = s.battery;
    const j = s.joints;
    const a = s.accuracy;
    if (!binary) {
      const wearText = raw ? raw.wear[i]! : j.wear.join(',');
      const tempText = raw ? raw.tempC[i]! : j.tempC.join(',');
      // The time as the checks read it (to the millisecond), not the text: the binary rows,
      // the rollups and the partition were all computed from that instant.
      lines += `${prefix}${new Date(times[i]!).toISOString()}\t${b.socPct}\t${b.sohPct}\t${b.cycles}\t${b.tempC}\t{${wearText}}\t{${tempText}}\t${a.positionErrorMm}\t${a.taskSuccessRate}\t${s.operatingHours}\t{${s.faults.join(',')}}\n`;
    }
    let worstWear = Number.NEGATIVE_INFINITY;
    for (const w of j.wear) if (w > worstWear) worstWear = w;
    let hottest = Number.NEGATIVE_INFINITY;
    for (const c of j.tempC) if (c > hottest) hottest = c;
    values[0] = b.socPct;
    values[1] = b.sohPct;
    values[2] = b.tempC;
    values[3] = worstWear;
    values[4] = hottest;
    values[5] = a.positionErrorMm;
    values[6] = a.taskSuccessRate;
    metrics.cycles = b.cycles;
    metrics.operatingHours = s.operatingHours;
    metrics.faults = s.faults.length;
    counterReadings[3 * i] = times[i]!;
    counterReadings[3 * i + 1] = s.operatingHours;
    counterReadings[3 * i + 2] = b.cycles;
    const bucket = bucketStart(times[i]!, '1m');
    let partial = partials.get(bucket);
    if (!partial) {
      partial = emptyPartial(bucket);
      partials.set(bucket, partial);
    }
    addSample(partial, metrics);
  }
  const observation = observeBatch(
    samples.map((s) => ({
      sohPct: s.battery.sohPct,
      jointWear: s.joints.wear,
      positionErrorMm: s.accuracy.positionErrorMm,
      faults: s.faults,
    })),
    times,
    input.limits,
  );
  return {
    ok: true,
    seq: payload.seq,
    sampleCount: n,
    firstMs,
    lastMs,
    jwsSha256: createHash('sha256').update(jwsBytes).digest('hex'),
    keyIndex,
    lines,
    ...(binary
      ? {
          rows: binarySampleRows(
            uuidBytes(input.robotUuid),
            payload.seq,
            samples.map((s, i) => ({
              atMs: times[i]!,
              socPct: s.battery.socPct,
              sohPct: s.battery.sohPct,
              cycles: s.battery.cycles,
              batteryTempC: s.battery.tempC,
              jointWear: s.joints.wear,
              jointTempC: s.joints.tempC,
              positionErrorMm: s.accuracy.positionErrorMm,
              taskSuccessRate: s.accuracy.taskSuccessRate,
              operatingHours: s.operatingHours,
              faults: s.faults,
            })),
          ),
        }
      : {}),
    minutePartials: [...partials.values()],
    observation,
    counterReadings,
    ...(payload.software ? { software: payload.software } : {}),
  };
}
