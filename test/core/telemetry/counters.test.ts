// The usage-counter rule: operatingHours and battery cycles never go down for a robot, except
// across a recorded replacement of the controller (hours) or the battery pack (cycles).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CounterReading,
  checkUsageCounters,
  unpackReadings,
} from '../../../src/core/telemetry/index.js';

const H = 3_600_000;
const reading = (atMs: number, operatingHours: number, cycles: number, seq = 1): CounterReading => ({
  atMs,
  seq,
  operatingHours,
  cycles,
});

describe('usage counters', () => {
  it('finds hours running backwards from 3,177.7 h to 1 h against the last known reading', () => {
    const last = reading(10 * H, 3177.7, 412, 41);
    const { rollbacks, last: next } = checkUsageCounters(last, [
      reading(11 * H, 1, 412, 42),
      reading(12 * H, 2, 412, 42),
    ]);
    expect(rollbacks).toEqual([
      {
        counter: 'operatingHours',
        atMs: 11 * H,
        seq: 42,
        previous: 3177.7,
        previousAtMs: 10 * H,
        value: 1,
      },
    ]);
    // The next batch starts from the latest sample, so 2 h on is not a second rollback.
    expect(next).toEqual(reading(12 * H, 2, 412, 42));
  });

  it('lets a counter start afresh across a replacement of the part that keeps it, and only that one', () => {
    const last = reading(10 * H, 3177.7, 412, 41);
    const later = [reading(11 * H, 1, 3, 42)];
    const controller = [{ part: 'controller' as const, atMs: 10.5 * H }];
    expect(checkUsageCounters(last, later, controller).rollbacks.map((r) => r.counter)).toEqual(['cycles']);
    const both = [...controller, { part: 'battery_pack' as const, atMs: 11 * H }];
    expect(checkUsageCounters(last, later, both).rollbacks).toEqual([]);
    // A replacement before the last known reading, or after the sample, does not excuse it.
    const outside = [
      { part: 'controller' as const, atMs: 9 * H },
      { part: 'controller' as const, atMs: 11.5 * H },
    ];
    expect(checkUsageCounters(last, [reading(11 * H, 1, 412, 42)], outside).rollbacks).toHaveLength(1);
  });

  it('checks samples in time order, within a batch and across batches of one group', () => {
    const shuffled = [reading(3 * H, 12, 5, 2), reading(1 * H, 10, 5, 1), reading(2 * H, 11, 5, 1)];
    expect(checkUsageCounters(null, shuffled).rollbacks).toEqual([]);
    const dip = [reading(1 * H, 10, 5, 1), reading(2 * H, 9, 5, 1), reading(3 * H, 11, 4, 2)];
    expect(checkUsageCounters(null, dip).rollbacks.map((r) => [r.counter, r.atMs])).toEqual([
      ['operatingHours', 2 * H],
      ['cycles', 3 * H],
    ]);
  });

  it('marks the last known sample when a late batch, older, shows a higher counter', () => {
    const last = reading(10 * H, 100, 5, 9);
    const { rollbacks, last: next } = checkUsageCounters(last, [reading(5 * H, 200, 5, 4)]);
    expect(rollbacks).toEqual([
      { counter: 'operatingHours', atMs: 10 * H, seq: 9, previous: 200, previousAtMs: 5 * H, value: 100 },
    ]);
    expect(next).toEqual(last);
  });

  it('unpacks a batch as [atMs, hours, cycles] per sample', () => {
    expect(unpackReadings(7, new Float64Array([1, 2, 3, 4, 5, 6]))).toEqual([
      reading(1, 2, 3, 7),
      reading(4, 5, 6, 7),
    ]);
  });

  it('property: non-decreasing counters never roll back; any decrease between neighbours does', () => {
    const steps = fc.array(
      fc.record({
        dt: fc.integer({ min: 0, max: H }),
        dh: fc.double({ min: 0, max: 10, noNaN: true }),
        dc: fc.nat(3),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(steps, fc.integer({ min: 0, max: 38 }), (s, cut) => {
        let t = 0;
        let h = 0;
        let c = 0;
        const rising = s.map((x, i) => {
          t += x.dt + 1;
          h += x.dh;
          c += x.dc;
          return reading(t, h, c, i);
        });
        // Any split between "last known" and the batch, in any order: no rollback.
        const split = Math.min(cut, rising.length - 1);
        const last = split > 0 ? rising[split - 1]! : null;
        const batch = rising.slice(split).reverse();
        const ok = checkUsageCounters(last, batch);
        expect(ok.rollbacks).toEqual([]);
        expect(ok.last).toEqual(rising[rising.length - 1]);
        // Lower one sample's hours below its predecessor's: exactly that sample rolls back.
        if (rising.length >= 2) {
          const k = 1 + (cut % (rising.length - 1));
          const broken = rising.map((r, i) =>
            i === k ? { ...r, operatingHours: rising[k - 1]!.operatingHours - 1 } : r,
          );
          const found = checkUsageCounters(null, broken).rollbacks.filter(
            (r) => r.counter === 'operatingHours',
          );
          expect(found.map((r) => r.atMs)).toContain(rising[k]!.atMs);
          expect(found.every((r) => r.value < r.previous)).toBe(true);
        }
      }),
    );
  });
});
