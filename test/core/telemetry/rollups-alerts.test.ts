import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addSample,
  assessHealth,
  bucketStart,
  chooseResolution,
  decideAlerts,
  emptyPartial,
  foldPartials,
  type ModelLimits,
  mergePartial,
  observeBatch,
  parseTelemetryBatchRecordId,
  type RollupPartial,
  telemetryBatchEntry,
  telemetryBatchRecordId,
} from '../../../src/core/telemetry/index.js';

const LIMITS: ModelLimits = { minBatterySohPct: 80, maxJointWear: 0.5, maxPositionErrorMm: 5 };
const metrics = (v: number) => ({ values: [v, v, v, v, v, v, v], cycles: v, operatingHours: v, faults: 1 });

describe('rollup math', () => {
  it('buckets on UTC minute, hour and day edges', () => {
    const t = Date.UTC(2026, 10, 26, 13, 47, 12, 345);
    expect(bucketStart(t, '1m')).toBe(Date.UTC(2026, 10, 26, 13, 47));
    expect(bucketStart(t, '1h')).toBe(Date.UTC(2026, 10, 26, 13));
    expect(bucketStart(t, '1d')).toBe(Date.UTC(2026, 10, 26));
  });

  it('merging partials equals aggregating all samples at once, in any grouping (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        (values, cut) => {
          const at = cut % values.length;
          const whole = emptyPartial(0);
          for (const v of values) addSample(whole, metrics(v));
          const left = emptyPartial(0);
          const right = emptyPartial(0);
          for (const [i, v] of values.entries()) addSample(i < at ? left : right, metrics(v));
          mergePartial(left, right);
          expect(left.count).toBe(whole.count);
          expect(left.min).toEqual(whole.min);
          expect(left.max).toEqual(whole.max);
          for (const [m, s] of left.sum.entries()) expect(s).toBeCloseTo(whole.sum[m]!, 6);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('folds 1-minute partials into hours and days', () => {
    const partials: RollupPartial[] = [0, 1, 59, 60, 61 * 24].map((minute) => {
      const p = emptyPartial(Date.UTC(2026, 0, 1) + minute * 60_000);
      addSample(p, metrics(minute));
      return p;
    });
    const hours = new Map<string, RollupPartial>();
    foldPartials(hours, 'r', partials, '1h');
    expect([...hours.values()].map((p) => p.count)).toEqual([3, 1, 1]);
    const days = new Map<string, RollupPartial>();
    foldPartials(days, 'r', partials, '1d');
    expect([...days.values()].map((p) => p.count)).toEqual([4, 1]);
  });

  it('chooses the resolution from the span', () => {
    expect(chooseResolution(0, 3_600_000)).toBe('raw');
    expect(chooseResolution(0, 86_400_000)).toBe('1m');
    expect(chooseResolution(0, 30 * 86_400_000)).toBe('1h');
    expect(chooseResolution(0, 400 * 86_400_000)).toBe('1d');
  });
});

describe('alert rules', () => {
  const reading = (
    o: Partial<{ sohPct: number; jointWear: number[]; positionErrorMm: number; faults: string[] }> = {},
  ) => ({
    sohPct: 95,
    jointWear: [0.1, 0.2],
    positionErrorMm: 1,
    faults: [] as string[],
    ...o,
  });

  it('sees each condition once per batch, at its first sample, with value and limit', () => {
    const obs = observeBatch(
      [
        reading({ sohPct: 79 }),
        reading({ sohPct: 78, jointWear: [0.1, 0.7] }),
        reading({ faults: ['MOTOR_STALL'] }),
      ],
      [1000, 2000, 3000],
      LIMITS,
    );
    expect(obs.observed.map((o) => [o.condition, o.atMs, o.value, o.threshold])).toEqual([
      ['battery_soh_low', 1000, 79, 80],
      ['joint_wear_high', 2000, 0.7, 0.5],
      ['fault:MOTOR_STALL', 3000, null, null],
    ]);
    expect(obs.atEnd).toEqual(['fault:MOTOR_STALL']);
    expect(obs.observed[1]!.detail).toEqual({ joint: 1 });
  });

  it('raises once per condition: not again while active, again after it cleared', () => {
    const low = observeBatch([reading({ sohPct: 70 })], [1000], LIMITS);
    const first = decideAlerts([], low);
    expect(first.raise.map((r) => r.condition)).toEqual(['battery_soh_low']);
    const active = [{ id: 'a1', condition: 'battery_soh_low' as const, raisedAtMs: 1000 }];
    expect(decideAlerts(active, observeBatch([reading({ sohPct: 69 })], [2000], LIMITS))).toEqual({
      raise: [],
      clear: [],
    });
    // A late batch from before the alert does not clear it.
    expect(decideAlerts(active, observeBatch([reading()], [500], LIMITS)).clear).toEqual([]);
    expect(decideAlerts(active, observeBatch([reading()], [3000], LIMITS)).clear).toEqual(['a1']);
  });

  it('marks a condition gone by the end of its batch as cleared at once', () => {
    const decision = decideAlerts(
      [],
      observeBatch([reading({ faults: ['E1'] }), reading()], [1000, 2000], LIMITS),
    );
    expect(decision.raise).toMatchObject([{ condition: 'fault:E1', clearedAtEnd: true }]);
  });

  it('grades health against the limits', () => {
    expect(assessHealth({ sohPct: 95, worstJointWear: 0.1, positionErrorMm: 1 }, LIMITS).grade).toBe('good');
    expect(assessHealth({ sohPct: 85, worstJointWear: 0.1, positionErrorMm: 1 }, LIMITS).grade).toBe('watch');
    const poor = assessHealth({ sohPct: 95, worstJointWear: 0.6, positionErrorMm: 1 }, LIMITS);
    expect(poor.grade).toBe('poor');
    expect(poor.reasons).toEqual(['joint wear is past the model limit']);
  });
});

describe('batch ledger record', () => {
  it('round-trips its record id and carries the digest facts', () => {
    const robot = '0b8f5a52-7c61-4c55-9a0e-3f3d2f6b2b10';
    expect(parseTelemetryBatchRecordId(telemetryBatchRecordId(robot, 12345))).toEqual({ robot, seq: 12345 });
    expect(parseTelemetryBatchRecordId('x:1')).toBeUndefined();
    const entry = telemetryBatchEntry({
      robot,
      robotId: 'CNB7K2B0A3T511000000000123455',
      seq: 1,
      jwsSha256: 'ab'.repeat(32),
      firstSampleAt: '2026-11-26T08:00:00.000Z',
      lastSampleAt: '2026-11-26T08:00:01.000Z',
      sampleCount: 2,
      receivedAt: '2026-11-26T08:00:02.000Z',
    });
    expect(entry).toMatchObject({ kind: 'telemetry_batch', id: `${robot}:1`, sampleCount: 2 });
  });
});
