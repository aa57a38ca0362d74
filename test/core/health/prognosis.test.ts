import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ADVISORY_HORIZON_HOURS,
  assessPrognosis,
  fitTrend,
  type HealthInputs,
  hoursUntil,
  itemPathProblem,
  MIN_FIT_SPAN_HOURS,
  missingCorrectiveFields,
  packCycles,
  percentile,
  projectAt,
  sinceLastReset,
  sumsOf,
  type TrendPoint,
  usageSums,
  utilisation,
  withinAdvisoryHorizon,
  worseGrade,
} from '../../../src/core/health/index.js';
import type { ModelLimits } from '../../../src/core/telemetry/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);
const LIMITS: ModelLimits = { minBatterySohPct: 80, maxJointWear: 0.6, maxPositionErrorMm: 5 };

/** Hourly points of `value(h)` at one operating hour per calendar hour from hour `start`. */
function line(count: number, value: (h: number) => number, start = 0): TrendPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    hours: start + i,
    value: value(start + i),
    atMs: T0 + (start + i) * HOUR,
  }));
}

type Over = Partial<Omit<HealthInputs, 'soh' | 'positionError'>> & {
  soh?: TrendPoint[];
  positionError?: TrendPoint[];
};

function inputs(over: Over = {}): HealthInputs {
  const { soh, positionError, ...rest } = over;
  return {
    nowMs: T0 + 200 * HOUR,
    limits: LIMITS,
    packId: null,
    soh: sumsOf(soh ?? line(200, () => 95)),
    positionError: sumsOf(positionError ?? line(200, () => 1)),
    taskSuccess: { n: 10, sum: 9.9 },
    recentPositionErrors: [1, 1, 1],
    joints: [{ index: 0, points: line(200, () => 0.1) }],
    worstJointWear: 0.1,
    cycles: 12,
    deepDischargeEvents: 0,
    minutesAboveTempLimit: 0,
    operatingHours: 199,
    usage: usageSums(line(200, () => 0)),
    lastAtMs: T0 + 199 * HOUR,
    ...rest,
  };
}

describe('trend fit (least squares over operating hours)', () => {
  it('recovers the slope and the value now of an exact line (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.integer({ min: 30, max: 400 }),
        (slope, intercept, count) => {
          const fit = fitTrend(line(count, (h) => intercept + slope * h));
          expect(fit).not.toBeNull();
          expect(fit!.slopePerHour).toBeCloseTo(slope, 9);
          expect(fit!.valueNow).toBeCloseTo(intercept + slope * (count - 1), 6);
        },
      ),
    );
  });

  it('does not depend on the order of the points (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 30, maxLength: 80 }),
        (values) => {
          const points = line(values.length, (h) => values[h]!);
          const a = fitTrend(points);
          const b = fitTrend([...points].reverse());
          expect(a!.slopePerHour).toBeCloseTo(b!.slopePerHour, 9);
          expect(a!.valueNow).toBeCloseTo(b!.valueNow, 9);
        },
      ),
    );
  });

  it('the fit from sums equals a two-pass fit, for hours in the thousands (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 30, maxLength: 200 }),
        fc.integer({ min: 0, max: 50_000 }),
        (values, start) => {
          const points = line(values.length, (h) => values[h - start]!, start);
          const fit = fitTrend(points)!;
          const meanX = points.reduce((a, p) => a + p.hours, 0) / points.length;
          const meanY = points.reduce((a, p) => a + p.value, 0) / points.length;
          let sxx = 0;
          let sxy = 0;
          for (const p of points) {
            sxx += (p.hours - meanX) ** 2;
            sxy += (p.hours - meanX) * (p.value - meanY);
          }
          expect(fit.slopePerHour).toBeCloseTo(sxy / sxx, 6);
        },
      ),
    );
  });

  it('a constant series is flat, whatever the rounding of its sums (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.integer({ min: 30, max: 2000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (value, count, start) => {
          const fit = fitTrend(line(count, () => Math.fround(value), start));
          expect(fit!.slopePerHour).toBe(0);
          expect(hoursUntil(fit, 200, 'rising')).toBeNull();
        },
      ),
    );
  });

  it.each([
    ['too few points', line(2, (h) => h)],
    ['too short a span', line(MIN_FIT_SPAN_HOURS, (h) => h)],
    ['a non-finite value', [...line(40, (h) => h), { hours: 41, value: Number.NaN, atMs: T0 }]],
  ])('has no fit with %s', (_, points) => {
    expect(fitTrend(points)).toBeNull();
  });
});

describe('projections', () => {
  const linear = (slope: number, valueNow: number) => ({ slopePerHour: slope, valueNow, hoursNow: 0, n: 10 });
  it.each([
    // [what, fit, limit, direction, hours]
    ['SoH falling to its minimum', linear(-0.01, 90), 80, 'falling', 1000],
    ['SoH rising: not declining', linear(0.01, 90), 80, 'falling', null],
    ['SoH flat: not declining', linear(0, 90), 80, 'falling', null],
    ['SoH already under its minimum', linear(-0.01, 79), 80, 'falling', 0],
    ['wear rising to its maximum', linear(0.0001, 0.5), 0.6, 'rising', 1000],
    ['wear falling: not declining', linear(-0.0001, 0.5), 0.6, 'rising', null],
  ] as const)('%s', (_, f, limit, direction, hours) => {
    const got = hoursUntil(f, limit, direction);
    if (hours === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(hours, 6);
  });

  it('turns operating hours into calendar time by the utilisation', () => {
    // 12 operating hours a day.
    const points = Array.from({ length: 60 }, (_, i) => ({ hours: i * 12, value: 0, atMs: T0 + i * DAY }));
    expect(utilisation(usageSums(points))).toBeCloseTo(0.5, 9);
    expect(projectAt(T0, 120, 0.5)).toBe(T0 + 240 * HOUR);
    expect(projectAt(T0, null, 0.5)).toBeNull();
    expect(projectAt(T0, 10, null)).toBeNull();
    // A robot that does not run has no utilisation.
    expect(utilisation(usageSums(points.map((p) => ({ ...p, hours: 5 }))))).toBeNull();
  });

  it.each([
    ['within 500 operating hours', 500, T0 + 300 * DAY, true],
    ['beyond 500 hours but within 30 days', 900, T0 + 30 * DAY, true],
    ['beyond both', 501, T0 + 30 * DAY + 1, false],
    ['not declining', null, null, false],
  ] as const)('advisory horizon: %s', (_, hours, atMs, expected) => {
    expect(withinAdvisoryHorizon(hours, atMs, T0)).toBe(expected);
  });
});

describe('helpers', () => {
  it('restarts a trend after a replaced part (a drop)', () => {
    const points = [...line(10, () => 0.5), ...line(10, () => 0.02, 10)];
    expect(sinceLastReset(points, 0.05)).toEqual(points.slice(10));
    expect(
      sinceLastReset(
        line(10, (h) => 0.1 + h / 100),
        0.05,
      ),
    ).toHaveLength(10);
  });

  it.each([
    [500, 100, 400],
    [30, 400, 30], // the new pack's counter started afresh
  ])('pack cycles: latest %i, at swap %i → %i', (latest, atSwap, cycles) => {
    expect(packCycles(latest, atSwap)).toBe(cycles);
  });

  it('p95 by nearest rank', () => {
    expect(percentile([], 0.95)).toBeNull();
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBe(95);
    expect(percentile([3], 0.95)).toBe(3);
  });

  it('orders grades', () => {
    expect(worseGrade('good', 'watch')).toBe('watch');
    expect(worseGrade('poor', 'watch')).toBe('poor');
    expect(worseGrade('good', 'good')).toBe('good');
  });
});

describe('assessment', () => {
  it('a steady robot is good, with no advisories and null projections', () => {
    const p = assessPrognosis(inputs());
    expect(p.grade).toBe('good');
    expect(p.candidates).toEqual([]);
    expect(p.battery.projectedMinSohAt).toBeNull();
    expect(p.joints[0]).toEqual({ index: 0, wear: 0.1, wearPer1000h: 0, remainingUsefulLifeHours: null });
    expect(p.accuracy).toEqual({ positionErrorMmP95: 1, trendMmPer1000h: 0, taskSuccessRate: 0.99 });
  });

  it('a worn joint and a fading battery raise advisories, due when the fits say', () => {
    // SoH 90 → falls 0.02 %/h: 80 % is 500 h after hour 0, i.e. 301 h after hour 199.
    const soh = line(200, (h) => 90 - 0.02 * h);
    // Joint 7 wears 0.001/h from 0.3: 0.6 at hour 300, 101 h after hour 199.
    const joints = [
      { index: 0, points: line(200, () => 0.1) },
      { index: 7, points: line(200, (h) => 0.3 + 0.001 * h) },
    ];
    const p = assessPrognosis(inputs({ soh, joints, worstJointWear: 0.499 }));
    expect(p.grade).toBe('watch');
    expect(p.battery.sohFadePctPer1000h).toBeCloseTo(20, 6);
    expect(Date.parse(p.battery.projectedMinSohAt!)).toBe(T0 + 500 * HOUR);
    expect(p.joints[1]).toMatchObject({ index: 7, wearPer1000h: 1, remainingUsefulLifeHours: 101 });
    expect(p.candidates.map((c) => [c.kind, c.component, c.dueBy, c.dueInHours])).toEqual([
      ['battery_soh', 'battery', new Date(T0 + 500 * HOUR).toISOString(), 301],
      ['joint_wear', 'joint:7', new Date(T0 + 300 * HOUR).toISOString(), 101],
    ]);
  });

  it('names the pack in the battery component after a swap', () => {
    const soh = line(200, (h) => 81 - 0.002 * h);
    const p = assessPrognosis(inputs({ soh, packId: 'BP-9' }));
    expect(p.candidates.map((c) => c.component)).toEqual(['battery:BP-9']);
    expect(p.battery.packId).toBe('BP-9');
  });

  it('a projection beyond the horizon raises nothing (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: ADVISORY_HORIZON_HOURS + 1, max: 100_000 }), (rul) => {
        // Wear reaches 0.6 `rul` hours after hour 199, at one operating hour per hour (> 30 days when rul > 720).
        const slope = 0.2 / (199 + rul);
        const joints = [{ index: 3, points: line(200, (h) => 0.4 + slope * h) }];
        const p = assessPrognosis(inputs({ joints }));
        const expected = rul <= 30 * 24;
        expect(p.candidates.length > 0).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('a limit already crossed grades poor', () => {
    const p = assessPrognosis(inputs({ worstJointWear: 0.7 }));
    expect(p.grade).toBe('poor');
  });

  it('a robot with no data has nulls and grade good', () => {
    const p = assessPrognosis(
      inputs({
        soh: [],
        positionError: [],
        joints: [],
        usage: null,
        lastAtMs: null,
        recentPositionErrors: [],
        worstJointWear: null,
        taskSuccess: { n: 0, sum: 0 },
      }),
    );
    expect(p.grade).toBe('good');
    expect(p.battery.sohPct).toBeNull();
    expect(p.accuracy).toEqual({ positionErrorMmP95: null, trendMmPer1000h: null, taskSuccessRate: null });
  });
});

describe('coded maintenance rules', () => {
  it.each([
    [{ trigger: 'preventive' }, []],
    [{}, []],
    [{ trigger: 'corrective' }, ['item', 'failureMode', 'failureMechanism', 'failureCause']],
    [
      { trigger: 'corrective', item: 'leg.left.knee', failureMode: 'backlash', failureMechanism: 'wear' },
      ['failureCause'],
    ],
  ])('%j lacks %j', (data, missing) => {
    expect(missingCorrectiveFields(data)).toEqual(missing);
  });

  it.each([
    ['leg.left.knee.gearbox', null],
    ['power.battery', null],
    ['compute', null],
    ['wing.left', 'must start with one of leg, arm, hand, torso, head, power, compute, sensor, safety'],
    ['leg..knee', 'must be dot-separated lowercase segments (a-z, 0-9, _), at most 8'],
    ['Leg.left', 'must start with one of leg, arm, hand, torso, head, power, compute, sensor, safety'],
  ])('item %s', (item, problem) => {
    expect(itemPathProblem(item)).toBe(problem);
  });
});
