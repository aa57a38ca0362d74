// The ledger record of an accepted telemetry batch (issue "Ingest"): the SHA-256 of the JWS
// exactly as received, the robot, its sequence number, the time range and the sample count.
// The leaf commits to the batch, so a batch can be shown complete and unaltered later, even
// after its raw rows expired: whoever holds the JWS hashes it and follows the inclusion proof.

export interface TelemetryBatchFacts {
  /** The robot's platform UUID (stable across re-coding). */
  robot: string;
  /** The robot ID the batch was signed under (its `kid`). */
  robotId: string;
  seq: number;
  /** Hex SHA-256 of the compact JWS bytes. */
  jwsSha256: string;
  /** RFC 3339 times of the earliest and latest sample. */
  firstSampleAt: string;
  lastSampleAt: string;
  sampleCount: number;
  receivedAt: string;
}

/** The record id of a batch in the ledger: `<robot uuid>:<seq>`. */
export function telemetryBatchRecordId(robot: string, seq: number): string {
  return `${robot}:${seq}`;
}

/** The inverse of telemetryBatchRecordId; undefined for anything else. */
export function parseTelemetryBatchRecordId(id: string): { robot: string; seq: number } | undefined {
  const match = /^([0-9a-f-]{36}):(\d{1,16})$/.exec(id);
  if (!match) return undefined;
  const seq = Number(match[2]);
  return Number.isSafeInteger(seq) ? { robot: match[1]!, seq } : undefined;
}

/** The ledger entry (before canonicalisation) of a batch. */
export function telemetryBatchEntry(facts: TelemetryBatchFacts) {
  return {
    kind: 'telemetry_batch',
    id: telemetryBatchRecordId(facts.robot, facts.seq),
    robot: facts.robot,
    robotId: facts.robotId,
    seq: facts.seq,
    jwsSha256: facts.jwsSha256,
    firstSampleAt: facts.firstSampleAt,
    lastSampleAt: facts.lastSampleAt,
    sampleCount: facts.sampleCount,
    receivedAt: facts.receivedAt,
  };
}
