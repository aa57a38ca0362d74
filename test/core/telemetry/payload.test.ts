import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PHYSICAL_RANGES, TELEMETRY_LIMITS, validatePayload } from '../../../src/core/telemetry/index.js';

const NOW = Date.UTC(2026, 10, 26, 8);
const expect4 = { jointCount: 4, nowMs: NOW, oldestMs: NOW - 30 * 86_400_000 };

function sample(overrides: Record<string, unknown> = {}) {
  return {
    t: '2026-11-26T07:59:00.000Z',
    battery: { socPct: 87.5, sohPct: 96.2, cycles: 152, tempC: 31.2 },
    joints: { wear: [0.012, 0.013, 0.01, 0.02], tempC: [38.1, 37.9, 40, 41] },
    accuracy: { positionErrorMm: 1.8, taskSuccessRate: 0.991 },
    operatingHours: 1532.4,
    faults: [],
    ...overrides,
  };
}

const payload = (samples: unknown[], extra: Record<string, unknown> = {}) => ({
  robotId: 'CNB7K2B0A3T511000000000123455',
  seq: 42,
  samples,
  ...extra,
});

function problem(value: unknown) {
  const result = validatePayload(value, expect4);
  return result.ok ? undefined : result.problem;
}

describe('telemetry payload validation', () => {
  it('accepts the docs/api.md example and reports its time range', () => {
    const result = validatePayload(payload([sample(), sample({ t: '2026-11-26T07:58:00Z' })]), expect4);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.firstMs).toBe(Date.parse('2026-11-26T07:58:00Z'));
      expect(result.value.lastMs).toBe(Date.parse('2026-11-26T07:59:00Z'));
    }
  });

  it('names the first problem with a code and a JSON pointer', () => {
    const cases: [unknown, string, string][] = [
      [
        payload([sample({ joints: { wear: [0.1, 0.1, 0.1], tempC: [1, 2, 3, 4] } })]),
        'TELEMETRY_JOINT_COUNT',
        '/samples/0/joints/wear',
      ],
      [
        payload([sample({ battery: { socPct: 101, sohPct: 90, cycles: 1, tempC: 20 } })]),
        'TELEMETRY_OUT_OF_RANGE',
        '/samples/0/battery/socPct',
      ],
      [
        payload([sample({ joints: { wear: [0.1, 1.5, 0.1, 0.1], tempC: [1, 2, 3, 4] } })]),
        'TELEMETRY_OUT_OF_RANGE',
        '/samples/0/joints/wear/1',
      ],
      [
        payload([sample({ joints: { wear: [0.1, 1e-40, 0.1, 0.1], tempC: [1, 2, 3, 4] } })]),
        'TELEMETRY_OUT_OF_RANGE',
        '/samples/0/joints/wear/1',
      ],
      [payload([sample({ t: '2026-11-26T08:06:00Z' })]), 'TELEMETRY_TIMESTAMP_FUTURE', '/samples/0/t'],
      [payload([sample({ t: '2026-10-01T08:00:00Z' })]), 'TELEMETRY_TIMESTAMP_TOO_OLD', '/samples/0/t'],
      [payload([sample({ t: '2026-11-26 07:59:00' })]), 'TELEMETRY_MALFORMED_PAYLOAD', '/samples/0/t'],
      [payload([sample({ t: '2026-11-26T07:59:00+08:00' })]), 'TELEMETRY_MALFORMED_PAYLOAD', '/samples/0/t'],
      [payload([sample({ extra: 1 })]), 'TELEMETRY_MALFORMED_PAYLOAD', '/samples/0/extra'],
      [payload([sample({ faults: ['lower case'] })]), 'TELEMETRY_MALFORMED_PAYLOAD', '/samples/0/faults/0'],
      [
        payload([sample({ battery: { socPct: 50, sohPct: 90, cycles: 1.5, tempC: 20 } })]),
        'TELEMETRY_MALFORMED_PAYLOAD',
        '/samples/0/battery/cycles',
      ],
      [payload([]), 'TELEMETRY_MALFORMED_PAYLOAD', '/samples'],
      [payload([sample()], { seq: -1 }), 'TELEMETRY_MALFORMED_PAYLOAD', '/seq'],
      [payload([sample()], { more: true }), 'TELEMETRY_MALFORMED_PAYLOAD', '/more'],
      [
        payload(Array.from({ length: TELEMETRY_LIMITS.maxSamples + 1 }, () => sample())),
        'TELEMETRY_TOO_MANY_SAMPLES',
        '/samples',
      ],
      [[], 'TELEMETRY_MALFORMED_PAYLOAD', ''],
      [null, 'TELEMETRY_MALFORMED_PAYLOAD', ''],
    ];
    for (const [value, code, path] of cases) expect(problem(value)).toMatchObject({ code, path });
  });

  it('never throws, whatever JSON it is given (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validatePayload(value, expect4);
        return result.ok === false || typeof result.value.firstMs === 'number';
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every in-range sample and refuses every out-of-range value (property)', () => {
    const [lo, hi] = PHYSICAL_RANGES.jointWear;
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (wear) => {
        const value = payload([sample({ joints: { wear: [wear, 0, 0, 0], tempC: [20, 20, 20, 20] } })]);
        const ok = validatePayload(value, expect4).ok;
        const inRange = wear >= lo && wear <= hi && (wear === 0 || Math.abs(wear) >= 1e-30);
        return ok === inRange;
      }),
      { numRuns: 500 },
    );
  });
});
