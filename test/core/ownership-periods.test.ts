import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clipWindow,
  endedPeriodsOf,
  mergeSpans,
  type OwnershipChange,
  ownershipPeriods,
  periodsOf,
  readingPeriods,
  type TimeSpan,
  withinSpans,
} from '../../src/core/ownership-periods.js';

const ORGS = ['maker', 'a', 'b', 'c'] as const;

/** A filing at 1000 and transfers at non-decreasing times, each to another organisation. */
const history = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.constantFrom(...ORGS)), { maxLength: 8 })
  .map((steps) => {
    let at = 1000;
    let owner: string = 'maker';
    const changes: OwnershipChange[] = [];
    for (const [gap, to] of steps) {
      if (to === owner) continue;
      at += gap;
      changes.push({ fromOrgId: owner, toOrgId: to, at });
      owner = to;
    }
    return changes;
  });

const instant = fc.integer({ min: 0, max: 6000 });
const span: fc.Arbitrary<TimeSpan> = fc.record({
  from: fc.option(instant, { nil: null }),
  to: fc.option(instant, { nil: null }),
});

describe('ownership periods', () => {
  it('an unsold robot has one open period, its filer’s', () => {
    expect(ownershipPeriods({ ownerOrgId: 'maker', at: 1000 }, [])).toEqual([
      { ownerOrgId: 'maker', from: 1000, to: null },
    ]);
  });

  it('each accepted transfer ends one period and starts the next', () => {
    const periods = ownershipPeriods({ ownerOrgId: 'maker', at: 1000 }, [
      { fromOrgId: 'maker', toOrgId: 'a', at: 2000 },
      { fromOrgId: 'a', toOrgId: 'b', at: 3000 },
      { fromOrgId: 'b', toOrgId: 'a', at: 4000 },
    ]);
    expect(periods).toEqual([
      { ownerOrgId: 'maker', from: 1000, to: 2000 },
      { ownerOrgId: 'a', from: 2000, to: 3000 },
      { ownerOrgId: 'b', from: 3000, to: 4000 },
      { ownerOrgId: 'a', from: 4000, to: null },
    ]);
    expect(periodsOf(periods, 'a')).toHaveLength(2);
    expect(endedPeriodsOf(periods, 'a')).toEqual([{ ownerOrgId: 'a', from: 2000, to: 3000 }]);
    expect(endedPeriodsOf(periods, 'b')).toEqual([{ ownerOrgId: 'b', from: 3000, to: 4000 }]);
  });

  it('periods are contiguous from the filing on, non-empty, the last one open', () => {
    fc.assert(
      fc.property(history, (changes) => {
        const periods = ownershipPeriods({ ownerOrgId: 'maker', at: 1000 }, changes);
        expect(periods[0]!.from).toBe(1000);
        expect(periods[periods.length - 1]!.to).toBeNull();
        for (let i = 0; i + 1 < periods.length; i++) {
          expect(periods[i]!.to).toBe(periods[i + 1]!.from);
          expect(periods[i]!.from).toBeLessThan(periods[i]!.to!);
        }
        // The last owner is the recipient of the last transfer.
        const last = changes[changes.length - 1];
        expect(periods[periods.length - 1]!.ownerOrgId).toBe(last ? last.toOrgId : 'maker');
      }),
    );
  });

  it('at every instant after the filing exactly one organisation owns the robot', () => {
    fc.assert(
      fc.property(history, instant, (changes, t) => {
        const periods = ownershipPeriods({ ownerOrgId: 'maker', at: 1000 }, changes);
        const owners = ORGS.filter((org) => withinSpans(periodsOf(periods, org), t));
        expect(owners).toHaveLength(t >= 1000 ? 1 : 0);
        // ... the one that received it last at or before t.
        if (t >= 1000) {
          const received = changes.filter((c) => c.at <= t).pop();
          expect(owners[0]).toBe(received ? received.toOrgId : 'maker');
        }
      }),
    );
  });
});

describe('clipping a window to what may be read', () => {
  it('keeps exactly the instants both in the window and in a readable span', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 4 }), span, instant, (readable, window, t) => {
        const clipped = clipWindow(readable, window);
        expect(withinSpans(clipped, t)).toBe(withinSpans(readable, t) && withinSpans([window], t));
      }),
    );
  });

  it('answers ordered, disjoint, non-empty pieces', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 4 }), span, (readable, window) => {
        const clipped = clipWindow(readable, window);
        for (const [i, s] of clipped.entries()) {
          expect(s.from ?? -Infinity).toBeLessThan(s.to ?? Infinity);
          const next = clipped[i + 1];
          if (next) expect(s.to ?? Infinity).toBeLessThan(next.from ?? -Infinity);
        }
      }),
    );
  });

  it('merging keeps the same instants', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 5 }), instant, (spans, t) => {
        expect(withinSpans(mergeSpans(spans), t)).toBe(withinSpans(spans, t));
      }),
    );
  });

  it('a former owner asking past its period gets only its period; outside it, nothing', () => {
    const mine = [{ from: 2000, to: 3000 }];
    expect(clipWindow(mine, { from: 0, to: null })).toEqual([{ from: 2000, to: 3000 }]);
    expect(clipWindow(mine, { from: 2500, to: 9000 })).toEqual([{ from: 2500, to: 3000 }]);
    expect(clipWindow(mine, { from: 3000, to: 9000 })).toEqual([]);
  });
});

describe('periods as the reading rules use them', () => {
  it('the manufacturer’s stock period goes to the first buyer, open at its start', () => {
    const periods = ownershipPeriods({ ownerOrgId: 'maker', at: 1000 }, [
      { fromOrgId: 'maker', toOrgId: 'a', at: 2000 },
      { fromOrgId: 'a', toOrgId: 'b', at: 3000 },
    ]);
    expect(readingPeriods(periods, 'maker')).toEqual([
      { ownerOrgId: 'a', from: Number.NEGATIVE_INFINITY, to: 3000 },
      { ownerOrgId: 'b', from: 3000, to: null },
    ]);
  });

  it('an unsold robot stays its filer’s; a robot filed by another stays as filed', () => {
    const unsold = ownershipPeriods({ ownerOrgId: 'maker', at: 1000 }, []);
    expect(readingPeriods(unsold, 'maker')).toEqual([
      { ownerOrgId: 'maker', from: Number.NEGATIVE_INFINITY, to: null },
    ]);
    const periods = ownershipPeriods({ ownerOrgId: 'a', at: 1000 }, [
      { fromOrgId: 'a', toOrgId: 'maker', at: 2000 },
    ]);
    expect(readingPeriods(periods, 'maker').map((p) => p.ownerOrgId)).toEqual(['a', 'maker']);
  });
});
