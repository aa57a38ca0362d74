import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/core/errors.js';
import {
  checkOccurredAfterProduction,
  isLateRecord,
  LATE_RECORD_AFTER_MS,
  productionDayStart,
} from '../../src/core/record-time.js';

const HOUR = 3_600_000;

function refusalOf(run: () => unknown): PlatformError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
}

describe('late records', () => {
  const recordedAt = new Date('2026-11-26T08:00:00.000Z');
  const earlier = (ms: number) => new Date(recordedAt.getTime() - ms);

  it('names 24 hours as the limit', () => {
    expect(LATE_RECORD_AFTER_MS).toBe(24 * HOUR);
  });

  it('is late only when occurredAt lies more than 24 h before recordedAt', () => {
    expect(isLateRecord(recordedAt, recordedAt)).toBe(false);
    expect(isLateRecord(earlier(23 * HOUR), recordedAt)).toBe(false);
    expect(isLateRecord(earlier(24 * HOUR), recordedAt)).toBe(false);
    expect(isLateRecord(earlier(24 * HOUR + 1), recordedAt)).toBe(true);
    expect(isLateRecord(earlier(3 * 24 * HOUR), recordedAt)).toBe(true);
    // occurredAt may lie a little ahead (clients' clocks drift): not late.
    expect(isLateRecord(earlier(-4 * 60_000), recordedAt)).toBe(false);
  });

  it('depends only on the gap between the two times (property)', () => {
    const instant = fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2039, 11, 31) });
    const gap = fc.integer({ min: -10 * 60_000, max: 10 * 24 * HOUR });
    fc.assert(
      fc.property(instant, gap, (occurred, ms) => {
        expect(isLateRecord(new Date(occurred), new Date(occurred + ms))).toBe(ms > LATE_RECORD_AFTER_MS);
      }),
    );
  });
});

describe('occurredAt against the production date', () => {
  it('the production day starts at 00:00 UTC', () => {
    expect(productionDayStart('2026-05-01').toISOString()).toBe('2026-05-01T00:00:00.000Z');
    expect(productionDayStart('2024-02-29').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('refuses an event before that instant with OCCURRED_AT_BEFORE_PRODUCTION, naming both', () => {
    const error = refusalOf(() =>
      checkOccurredAfterProduction(new Date('2011-03-04T10:00:00.000Z'), '2026-05-01'),
    );
    expect(error?.code).toBe('OCCURRED_AT_BEFORE_PRODUCTION');
    expect(error?.status).toBe(400);
    expect(error?.details).toEqual({
      field: 'occurredAt',
      occurredAt: '2011-03-04T10:00:00.000Z',
      productionDate: '2026-05-01',
    });
    expect(
      refusalOf(() => checkOccurredAfterProduction(new Date('2026-04-30T23:59:59.999Z'), '2026-05-01'))?.code,
    ).toBe('OCCURRED_AT_BEFORE_PRODUCTION');
    expect(
      refusalOf(() => checkOccurredAfterProduction(new Date('2026-05-01T00:00:00.000Z'), '2026-05-01')),
    ).toBeUndefined();
  });

  it('refuses exactly the instants before the start of the day, for any production day (property)', () => {
    const day = fc
      .date({
        min: new Date(Date.UTC(2010, 0, 1)),
        max: new Date(Date.UTC(2039, 11, 31)),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const offset = fc.integer({ min: -2 * 24 * HOUR, max: 2 * 24 * HOUR });
    fc.assert(
      fc.property(day, offset, (date, ms) => {
        const start = Date.parse(`${date}T00:00:00.000Z`);
        const refused = refusalOf(() => checkOccurredAfterProduction(new Date(start + ms), date));
        expect(refused?.code).toBe(ms < 0 ? 'OCCURRED_AT_BEFORE_PRODUCTION' : undefined);
      }),
    );
  });

  it('treats a stored date that is not YYYY-MM-DD as the platform’s fault, not the caller’s', () => {
    expect(refusalOf(() => productionDayStart('2026-5-1'))?.code).toBe('INTERNAL_INVARIANT');
  });
});
