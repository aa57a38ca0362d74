import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USAGE_TOLERANCE_HOURS, usageConflict } from '../../src/core/usage-disclosure.js';

const HOUR = 3_600_000;
const at = new Date('2026-11-01T00:00:00Z');
const last = { operatingHours: 1000, at };

describe('usageConflict', () => {
  it('accepts an actual claim between the last reading and the reading plus the time since', () => {
    const now = new Date(at.getTime() + 10 * HOUR);
    expect(usageConflict({ operatingHours: 1000, status: 'actual' }, last, now)).toBeNull();
    expect(usageConflict({ operatingHours: 1010, status: 'actual' }, last, now)).toBeNull();
    expect(usageConflict({ operatingHours: 999.95, status: 'actual' }, last, now)).toBeNull();
  });

  it('refuses fewer hours than the reading, or more than the robot could have run since', () => {
    const now = new Date(at.getTime() + 10 * HOUR);
    expect(usageConflict({ operatingHours: 999, status: 'actual' }, last, now)).toEqual({
      kind: 'below_last_reading',
      lowest: 1000 - USAGE_TOLERANCE_HOURS,
    });
    expect(usageConflict({ operatingHours: 1011, status: 'actual' }, last, now)?.kind).toBe('above_possible');
  });

  it('takes other statuses as stated, and any claim when there is no reading', () => {
    const now = new Date(at.getTime() + HOUR);
    expect(usageConflict({ operatingHours: 1, status: 'not_actual' }, last, now)).toBeNull();
    expect(usageConflict({ operatingHours: 99_999, status: 'exceeds_limit' }, last, now)).toBeNull();
    expect(usageConflict({ operatingHours: 1, status: 'actual' }, null, now)).toBeNull();
  });

  it('property: an actual claim conflicts exactly when outside [last - tol, last + elapsed + tol]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100_000, noNaN: true }),
        fc.double({ min: 0, max: 100_000, noNaN: true }),
        fc.integer({ min: 0, max: 1000 * HOUR }),
        (reading, claimed, elapsedMs) => {
          const now = new Date(at.getTime() + elapsedMs);
          const conflict = usageConflict(
            { operatingHours: claimed, status: 'actual' },
            { operatingHours: reading, at },
            now,
          );
          const inside =
            claimed >= reading - USAGE_TOLERANCE_HOURS &&
            claimed <= reading + elapsedMs / HOUR + USAGE_TOLERANCE_HOURS;
          expect(conflict === null).toBe(inside);
        },
      ),
    );
  });
});
