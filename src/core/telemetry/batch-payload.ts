// Reading a retained batch back: the payload of a JWS the platform accepted and kept
// (telemetry_batch_jws, the batches route), for whoever needs what the robot signed beyond the
// stored sample columns, e.g. each sample's `control` and `faults` for an incident's control
// timeline (docs/telemetry.md "Software and control"). Pure. It does not check the signature
// (batchEvidenceProblem does); it checks the payload's shape with the same rules as ingest,
// except those of the moment of arrival (clock, retention) and the model (joint count, taken
// from the batch itself), and fills in what ingest fills in (`faults` [] when absent).
import { type TelemetryPayload, validatePayload } from './payload.js';

export class BatchPayloadError extends Error {
  override readonly name = 'BatchPayloadError';
  constructor(
    message: string,
    /** JSON pointer of the offending value, when the payload parsed. */
    readonly path?: string,
  ) {
    super(message);
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The payload of a compact JWS, checked as ingest checks it (see above). Throws a
 * BatchPayloadError if it is not a compact JWS or its payload is not a telemetry payload.
 */
export function decodeBatchPayload(jws: string): TelemetryPayload {
  const parts = jws.split('.');
  if (parts.length !== 3 || !BASE64URL.test(parts[1]!)) throw new BatchPayloadError('not a compact JWS');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(parts[1]!, 'base64url')));
  } catch {
    throw new BatchPayloadError('the JWS payload is not JSON in UTF-8');
  }
  const first = (value as { samples?: { joints?: { wear?: unknown } }[] } | null)?.samples?.[0];
  const wear = first?.joints?.wear;
  const result = validatePayload(value, {
    jointCount: Array.isArray(wear) ? wear.length : 0,
    nowMs: Number.POSITIVE_INFINITY,
    oldestMs: Number.NEGATIVE_INFINITY,
  });
  if (!result.ok) throw new BatchPayloadError(result.problem.message, result.problem.path);
  return result.value.payload;
}
