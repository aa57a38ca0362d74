// Sample rows in PostgreSQL's binary COPY format (PostgreSQL docs, "COPY", section "Binary
// Format"): each row a 16-bit field count, then each field as a 32-bit length and the bytes of
// the type's binary send function. PostgreSQL then stores the values without parsing any text:
// for a row of two 32-joint float arrays, text COPY spends most of its time turning digits into
// floats (measured: bench/ingest-http.ts and docs/telemetry.md "Benchmarks").
//
// The columns are those of SAMPLE_COLUMNS (sample-copy.ts), in that order. Values are already
// validated (payload.ts): finite numbers, an RFC 3339 time, fault codes of FAULT_CODE's alphabet.

/** Start of every binary COPY stream: the signature, no flags, no header extension. */
export const BINARY_COPY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
/** End of a binary COPY stream: a field count of -1. */
export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);

const FIELD_COUNT = 13;
const FLOAT4_OID = 700;
const TEXT_OID = 25;
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01T00:00:00Z). */
const POSTGRES_EPOCH_MS = 946_684_800_000;

export interface BinarySample {
  /** Milliseconds since the Unix epoch. */
  atMs: number;
  socPct: number;
  sohPct: number;
  cycles: number;
  batteryTempC: number;
  jointWear: readonly number[];
  jointTempC: readonly number[];
  positionErrorMm: number;
  taskSuccessRate: number;
  operatingHours: number;
  faults: readonly string[];
}

/** The 16 bytes of a UUID in its canonical text form. */
export function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

/** Bytes of one row (without the stream's header and trailer). */
function rowLength(s: BinarySample): number {
  let faults = 12; // ndim, flags, element type
  if (s.faults.length > 0) {
    faults += 8;
    for (const f of s.faults) faults += 4 + Buffer.byteLength(f);
  }
  const floats = (n: number) => 20 + n * 8;
  return (
    2 +
    (4 + 16) + // robot_uuid
    (4 + 8) + // seq
    (4 + 8) + // t
    4 * (4 + 4) + // soc, soh, cycles, battery temp
    (4 + floats(s.jointWear.length)) +
    (4 + floats(s.jointTempC.length)) +
    2 * (4 + 4) + // position error, task success
    (4 + 8) + // operating hours
    (4 + faults)
  );
}

/**
 * The binary COPY rows of one batch's samples: robot `robotUuid` (16 bytes), sequence `seq`.
 * float4 columns get the JSON's double rounded to the nearest float4. PostgreSQL rounds the
 * decimal text straight to float4; the two differ only for a decimal lying within a double's
 * rounding error of a float4 midpoint, far below any sensor's resolution (a test compares the
 * stored rows with those of the text). The signed JWS, whose digest is in the ledger, stays
 * the evidence of what the robot sent.
 */
export function binarySampleRows(
  robotUuid: Uint8Array,
  seq: number,
  samples: readonly BinarySample[],
): Buffer {
  let length = 0;
  for (const s of samples) length += rowLength(s);
  const out = Buffer.allocUnsafe(length);
  // A DataView's setters compile to plain stores; Buffer's write*BE methods check their
  // arguments on every call, and a row has a hundred-odd fields.
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  const int32 = (v: number) => {
    view.setInt32(at, v);
    at += 4;
  };
  // Non-negative integers below 2^53 (sequence numbers, microseconds since 2000).
  const int64 = (v: number) => {
    view.setUint32(at, Math.floor(v / 4_294_967_296));
    view.setUint32(at + 4, v >>> 0);
    at += 8;
  };
  const float4 = (v: number) => {
    view.setInt32(at, 4);
    view.setFloat32(at + 4, v);
    at += 8;
  };
  const float4Array = (values: readonly number[]) => {
    int32(20 + values.length * 8);
    int32(1); // dimensions
    int32(0); // no NULLs
    int32(FLOAT4_OID);
    int32(values.length);
    int32(1); // lower bound
    for (let i = 0; i < values.length; i++) float4(values[i]!);
  };
  for (const s of samples) {
    view.setInt16(at, FIELD_COUNT);
    at += 2;
    int32(16);
    out.set(robotUuid, at);
    at += 16;
    int32(8);
    int64(seq);
    int32(8);
    int64((s.atMs - POSTGRES_EPOCH_MS) * 1000);
    float4(s.socPct);
    float4(s.sohPct);
    int32(4);
    int32(s.cycles);
    float4(s.batteryTempC);
    float4Array(s.jointWear);
    float4Array(s.jointTempC);
    float4(s.positionErrorMm);
    float4(s.taskSuccessRate);
    int32(8);
    view.setFloat64(at, s.operatingHours);
    at += 8;
    if (s.faults.length === 0) {
      int32(12);
      int32(0);
      int32(0);
      int32(TEXT_OID);
    } else {
      const start = at;
      int32(0); // the length, filled in below
      int32(1);
      int32(0);
      int32(TEXT_OID);
      int32(s.faults.length);
      int32(1);
      for (const f of s.faults) {
        const n = out.write(f, at + 4, 'utf8');
        int32(n);
        at += n;
      }
      view.setInt32(start, at - start - 4);
    }
  }
  if (at !== length) throw new Error(`binary sample rows: wrote ${at} bytes, expected ${length}`);
  return out;
}
