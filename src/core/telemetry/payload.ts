// The telemetry batch payload (docs/api.md "Telemetry") and its validation. Pure: the bytes come
// from a robot over the network, so everything here treats them as hostile — every field is
// type-checked, every number range-checked, unknown fields refused (a signed field the
// platform silently dropped could not be shown again as evidence), and the first problem is
// reported with its JSON path so firmware authors can find it.

import { CONTROL_MODES, type ControlReading } from '../incidents/control-timeline.js';
import { parseTimestamp } from '../timestamp.js';

/** Limits of one batch (docs/api.md "Telemetry": at most 1,000 samples or 1 MiB). */
export const TELEMETRY_LIMITS = {
  maxSamples: 1000,
  /** Bytes of the compact JWS as sent. */
  maxBatchBytes: 1024 * 1024,
  /** How far a sample may lie in the future of the platform's clock (robot clocks drift). */
  maxFutureSkewMs: 5 * 60 * 1000,
  maxFaults: 32,
  /** `control.source` of a sample, in characters (Unicode code points). */
  maxControlSource: 128,
  /** Entries of a batch's `software`. */
  maxSoftwareComponents: 64,
  /** A `software` component name, in characters. */
  maxComponentName: 200,
  /** A `software` version, in characters. */
  maxVersion: 100,
} as const;

/** Physical ranges: a value outside is a broken sensor or a forged batch, never stored. */
export const PHYSICAL_RANGES = {
  socPct: [0, 100],
  sohPct: [0, 100],
  cycles: [0, 1_000_000],
  batteryTempC: [-40, 120],
  jointWear: [0, 1],
  jointTempC: [-40, 200],
  positionErrorMm: [0, 1000],
  taskSuccessRate: [0, 1],
  operatingHours: [0, 1_000_000],
} as const satisfies Record<string, readonly [number, number]>;

/** A fault code: upper-case letters, digits and `_.-`, as firmware reports them. */
export const FAULT_CODE = /^[A-Z0-9][A-Z0-9_.-]{0,31}$/;

export interface TelemetrySample {
  t: string;
  battery: { socPct: number; sohPct: number; cycles: number; tempC: number };
  joints: { wear: number[]; tempC: number[] };
  accuracy: { positionErrorMm: number; taskSuccessRate: number };
  operatingHours: number;
  faults: string[];
  /** Who or what was in control at `t` (docs/telemetry.md "Software and control"); optional. */
  control?: ControlReading;
}

export interface TelemetryPayload {
  robotId: string;
  seq: number;
  samples: TelemetrySample[];
  /** The software the robot runs, component to version, as it attests it; optional. */
  software?: Record<string, string>;
}

export type PayloadProblemCode =
  | 'TELEMETRY_MALFORMED_PAYLOAD'
  | 'TELEMETRY_TOO_MANY_SAMPLES'
  | 'TELEMETRY_JOINT_COUNT'
  | 'TELEMETRY_OUT_OF_RANGE'
  | 'TELEMETRY_TIMESTAMP_FUTURE'
  | 'TELEMETRY_TIMESTAMP_TOO_OLD';

export interface PayloadProblem {
  code: PayloadProblemCode;
  message: string;
  /** JSON pointer of the offending value, e.g. `/samples/3/joints/wear/7`. */
  path: string;
}

/** What the payload is checked against: the robot's model and the platform's clock. */
export interface PayloadExpectations {
  jointCount: number;
  nowMs: number;
  /** Samples older than this are refused (raw retention would drop them at once). */
  oldestMs: number;
}

/** A validated payload with the facts the pipeline needs about it. */
export interface ValidatedPayload {
  payload: TelemetryPayload;
  /** Sample times in ms, in sample order. */
  times: Float64Array;
  firstMs: number;
  lastMs: number;
}

class Problem {
  constructor(readonly problem: PayloadProblem) {}
}

function fail(code: PayloadProblemCode, path: string, message: string): never {
  throw new Problem({ code, path, message });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectWith(
  value: unknown,
  path: () => string,
  keys: readonly string[],
  optional: readonly string[] = [],
) {
  if (!isObject(value)) fail('TELEMETRY_MALFORMED_PAYLOAD', path(), `${path() || '/'} must be an object`);
  let present = 0;
  for (const key in value) {
    if (keys.includes(key)) present++;
    else if (!optional.includes(key))
      fail('TELEMETRY_MALFORMED_PAYLOAD', `${path()}/${key}`, `unknown field ${path()}/${key}`);
  }
  if (present !== keys.length) {
    const missing = keys.find((key) => !(key in value))!;
    fail('TELEMETRY_MALFORMED_PAYLOAD', `${path()}/${missing}`, `missing field ${path()}/${missing}`);
  }
  return value;
}

/**
 * Whether `value` is a string of 1 … `max` characters (Unicode code points, as the API's limits
 * count them), well-formed (no lone surrogate) and without control characters (U+0000–U+001F,
 * U+007F): text that every reader shows alike and that PostgreSQL's jsonb can hold (it refuses
 * U+0000 and lone surrogates), where the incident feature keeps what it reads back.
 */
function isText(value: unknown, max: number): value is string {
  // Each code point is one or two UTF-16 units: beyond 2 × max units there are more than max.
  if (typeof value !== 'string' || value.length === 0 || value.length > 2 * max) return false;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
    if (c >= 0xd800 && c <= 0xdfff) {
      // A high surrogate followed by a low one is one character; anything else is malformed.
      const d = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return false;
      i++;
    }
    n++;
  }
  return n <= max;
}

const CONTROL_MODE_LIST: readonly string[] = CONTROL_MODES;

function checkControl(value: unknown, path: (suffix: string) => () => string): void {
  // The common case inline (every sample of a robot carries it): an object of exactly a known
  // mode and a short source. Anything else goes through the full checks for its message.
  if (isObject(value)) {
    let keys = 0;
    for (const _ in value) keys++;
    if (
      keys === 2 &&
      typeof value.mode === 'string' &&
      CONTROL_MODE_LIST.includes(value.mode) &&
      isText(value.source, TELEMETRY_LIMITS.maxControlSource)
    ) {
      return;
    }
  }
  const control = objectWith(value, path('/control'), ['mode', 'source']);
  if (typeof control.mode !== 'string' || !CONTROL_MODE_LIST.includes(control.mode)) {
    fail(
      'TELEMETRY_MALFORMED_PAYLOAD',
      path('/control/mode')(),
      `${path('/control/mode')()} must be one of ${CONTROL_MODES.join(', ')}`,
    );
  }
  fail(
    'TELEMETRY_MALFORMED_PAYLOAD',
    path('/control/source')(),
    `${path('/control/source')()} must be a string of 1 to ${TELEMETRY_LIMITS.maxControlSource} characters, no control characters`,
  );
}

/** JSON pointer token of a name of the sender's choosing (RFC 6901), bounded for the answer. */
function pointerToken(name: string): string {
  return name.slice(0, 64).replaceAll('~', '~0').replaceAll('/', '~1');
}

function checkSoftware(value: unknown): void {
  if (!isObject(value))
    fail('TELEMETRY_MALFORMED_PAYLOAD', '/software', '/software must be an object of component: version');
  let entries = 0;
  for (const component in value) {
    entries++;
    if (entries > TELEMETRY_LIMITS.maxSoftwareComponents) {
      fail(
        'TELEMETRY_MALFORMED_PAYLOAD',
        '/software',
        `/software has at most ${TELEMETRY_LIMITS.maxSoftwareComponents} components`,
      );
    }
    const path = `/software/${pointerToken(component)}`;
    if (!isText(component, TELEMETRY_LIMITS.maxComponentName)) {
      fail(
        'TELEMETRY_MALFORMED_PAYLOAD',
        path,
        `a /software component name has 1 to ${TELEMETRY_LIMITS.maxComponentName} characters, no control characters`,
      );
    }
    if (!isText(value[component], TELEMETRY_LIMITS.maxVersion)) {
      fail(
        'TELEMETRY_MALFORMED_PAYLOAD',
        path,
        `${path} must be a version string of 1 to ${TELEMETRY_LIMITS.maxVersion} characters, no control characters`,
      );
    }
  }
  if (entries === 0)
    fail('TELEMETRY_MALFORMED_PAYLOAD', '/software', '/software names at least one component');
}

/** Below this magnitude a value is noise, and PostgreSQL's `real` cannot hold it (underflow). */
const SMALLEST_MAGNITUDE = 1e-30;

// Paths are built only when a check fails: a batch has thousands of numbers.
function numberIn(
  value: unknown,
  path: () => string,
  [min, max]: readonly [number, number],
  integer = false,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail('TELEMETRY_MALFORMED_PAYLOAD', path(), `${path()} must be a number`);
  }
  if (integer && !Number.isInteger(value))
    fail('TELEMETRY_MALFORMED_PAYLOAD', path(), `${path()} must be an integer`);
  if (value < min || value > max || (value !== 0 && Math.abs(value) < SMALLEST_MAGNITUDE)) {
    fail(
      'TELEMETRY_OUT_OF_RANGE',
      path(),
      `${path()} = ${value} is outside the physical range ${min}..${max}`,
    );
  }
  return value;
}

function jointArray(
  value: unknown,
  path: () => string,
  jointCount: number,
  [min, max]: readonly [number, number],
): void {
  if (!Array.isArray(value)) fail('TELEMETRY_MALFORMED_PAYLOAD', path(), `${path()} must be an array`);
  if (value.length !== jointCount) {
    fail(
      'TELEMETRY_JOINT_COUNT',
      path(),
      `${path()} has ${value.length} entries; the model has ${jointCount} joints`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    // The common case inline; the full check (and its message) only for a bad value.
    if (
      typeof v === 'number' &&
      v >= min &&
      v <= max &&
      (v === 0 || v >= SMALLEST_MAGNITUDE || v <= -SMALLEST_MAGNITUDE)
    ) {
      continue;
    }
    numberIn(v, () => `${path()}/${i}`, [min, max]);
  }
}

/**
 * Checks a decoded payload (the JSON value, not text) against the schema, the physical
 * ranges, the model's joint count and the clock. Returns the first problem found, or the
 * payload with its time range.
 */
export function validatePayload(
  value: unknown,
  expect: PayloadExpectations,
): { ok: true; value: ValidatedPayload } | { ok: false; problem: PayloadProblem } {
  try {
    return { ok: true, value: check(value, expect) };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error.problem };
    throw error;
  }
}

function check(value: unknown, expect: PayloadExpectations): ValidatedPayload {
  const root = objectWith(value, () => '', ['robotId', 'seq', 'samples'], ['software']);
  if (typeof root.robotId !== 'string')
    fail('TELEMETRY_MALFORMED_PAYLOAD', '/robotId', '/robotId must be a string');
  const seq = root.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    fail('TELEMETRY_MALFORMED_PAYLOAD', '/seq', '/seq must be a non-negative integer below 2^53');
  }
  const samples = root.samples;
  if (!Array.isArray(samples)) fail('TELEMETRY_MALFORMED_PAYLOAD', '/samples', '/samples must be an array');
  if (samples.length === 0)
    fail('TELEMETRY_MALFORMED_PAYLOAD', '/samples', 'a batch has at least one sample');
  if (samples.length > TELEMETRY_LIMITS.maxSamples) {
    fail(
      'TELEMETRY_TOO_MANY_SAMPLES',
      '/samples',
      `${samples.length} samples; a batch has at most ${TELEMETRY_LIMITS.maxSamples}`,
    );
  }
  const times = new Float64Array(samples.length);
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  const latestAllowed = expect.nowMs + TELEMETRY_LIMITS.maxFutureSkewMs;
  for (let i = 0; i < samples.length; i++) {
    const at = (suffix: string) => () => `/samples/${i}${suffix}`;
    const s = objectWith(
      samples[i],
      at(''),
      ['t', 'battery', 'joints', 'accuracy', 'operatingHours'],
      ['faults', 'control'],
    );
    if (typeof s.t !== 'string')
      fail('TELEMETRY_MALFORMED_PAYLOAD', at('/t')(), `${at('/t')()} must be a string`);
    // Strict: a day its month does not have is refused here, never rolled over (timestamp.ts).
    const ms = parseTimestamp(s.t, { utcOnly: true });
    if (ms === undefined) {
      fail(
        'TELEMETRY_MALFORMED_PAYLOAD',
        at('/t')(),
        `${at('/t')()} must be an RFC 3339 UTC time of a real calendar date (…T…Z)`,
      );
    }
    if (ms > latestAllowed) {
      fail(
        'TELEMETRY_TIMESTAMP_FUTURE',
        at('/t')(),
        `${at('/t')()} is more than 5 minutes ahead of the platform clock`,
      );
    }
    if (ms < expect.oldestMs) {
      fail('TELEMETRY_TIMESTAMP_TOO_OLD', at('/t')(), `${at('/t')()} is older than the raw retention period`);
    }
    times[i] = ms;
    if (ms < firstMs) firstMs = ms;
    if (ms > lastMs) lastMs = ms;
    const battery = objectWith(s.battery, at('/battery'), ['socPct', 'sohPct', 'cycles', 'tempC']);
    numberIn(battery.socPct, at('/battery/socPct'), PHYSICAL_RANGES.socPct);
    numberIn(battery.sohPct, at('/battery/sohPct'), PHYSICAL_RANGES.sohPct);
    numberIn(battery.cycles, at('/battery/cycles'), PHYSICAL_RANGES.cycles, true);
    numberIn(battery.tempC, at('/battery/tempC'), PHYSICAL_RANGES.batteryTempC);
    const joints = objectWith(s.joints, at('/joints'), ['wear', 'tempC']);
    jointArray(joints.wear, at('/joints/wear'), expect.jointCount, PHYSICAL_RANGES.jointWear);
    jointArray(joints.tempC, at('/joints/tempC'), expect.jointCount, PHYSICAL_RANGES.jointTempC);
    const accuracy = objectWith(s.accuracy, at('/accuracy'), ['positionErrorMm', 'taskSuccessRate']);
    numberIn(accuracy.positionErrorMm, at('/accuracy/positionErrorMm'), PHYSICAL_RANGES.positionErrorMm);
    numberIn(accuracy.taskSuccessRate, at('/accuracy/taskSuccessRate'), PHYSICAL_RANGES.taskSuccessRate);
    numberIn(s.operatingHours, at('/operatingHours'), PHYSICAL_RANGES.operatingHours);
    if (s.faults === undefined) {
      s.faults = [];
    } else {
      const faults = s.faults;
      if (!Array.isArray(faults))
        fail('TELEMETRY_MALFORMED_PAYLOAD', at('/faults')(), `${at('/faults')()} must be an array`);
      if (faults.length > TELEMETRY_LIMITS.maxFaults) {
        fail(
          'TELEMETRY_MALFORMED_PAYLOAD',
          at('/faults')(),
          `at most ${TELEMETRY_LIMITS.maxFaults} faults a sample`,
        );
      }
      for (let f = 0; f < faults.length; f++) {
        const code = faults[f];
        if (typeof code !== 'string' || !FAULT_CODE.test(code)) {
          fail(
            'TELEMETRY_MALFORMED_PAYLOAD',
            at(`/faults/${f}`)(),
            `a fault code matches ${FAULT_CODE.source}`,
          );
        }
      }
    }
    if (s.control !== undefined) checkControl(s.control, at);
  }
  if (root.software !== undefined) checkSoftware(root.software);
  return { payload: root as unknown as TelemetryPayload, times, firstMs, lastMs };
}
