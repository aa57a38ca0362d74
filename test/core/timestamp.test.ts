// The strict RFC 3339 parser: every instant Date can print reads back to itself, and nothing
// Date.parse would roll over (or PostgreSQL would refuse) is accepted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EARLIEST_TIMESTAMP_MS, LATEST_TIMESTAMP_MS, parseTimestamp } from '../../src/core/timestamp.js';

describe('parseTimestamp', () => {
  it('reads back every instant of years 0001-9999 as toISOString prints it', () => {
    fc.assert(
      fc.property(fc.integer({ min: EARLIEST_TIMESTAMP_MS, max: LATEST_TIMESTAMP_MS }), (ms) => {
        const text = new Date(ms).toISOString();
        expect(parseTimestamp(text, { utcOnly: true })).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with Date.parse on every real calendar date, with offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 0, 1) }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (ms, offset) => {
          const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(parseTimestamp(text)).toBe(Date.parse(text));
          expect(parseTimestamp(text)).toBe(ms);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses impossible calendar dates that Date.parse rolls over', () => {
    for (const text of [
      '2026-11-31T12:00:00Z', // the date of the incident: Date.parse makes it 1 December
      '2026-02-29T00:00:00Z', // not a leap year
      '2100-02-29T00:00:00Z', // divisible by 100, not by 400
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-01T24:00:00Z', // Date.parse: the next midnight
      '2026-01-01T23:60:00Z',
      '2026-12-31T23:59:60Z', // a leap second: neither Date nor a timestamptz holds it as written
      '0000-01-01T00:00:00Z', // year 0: Date.parse takes it, PostgreSQL refuses it
      '0001-01-01T00:30:00+01:00', // before year 1 once the offset is applied
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00+01:60',
    ]) {
      expect({ text, ms: parseTimestamp(text) }).toEqual({ text, ms: undefined });
    }
    expect(Number.isNaN(Date.parse('2026-11-31T12:00:00Z'))).toBe(false); // what went wrong before
  });

  it('refuses what is not RFC 3339 date-time', () => {
    for (const text of [
      '',
      '2026-01-01',
      '2026-01-01T00:00Z',
      '2026-01-01T00:00:00',
      '2026-01-01 00:00:00Z',
      '+002026-01-01T00:00:00Z',
      '2026-1-01T00:00:00Z',
      '2026-01-01T00:00:00.Z',
      '2026-01-01T00:00:00.1234567890Z',
      '2026-01-01T00:00:00+0100',
      '2026-01-01T00:00:00Z ',
      ' 2026-01-01T00:00:00Z',
      '٢٠٢٦-01-01T00:00:00Z',
      'Thu, 01 Jan 2026 00:00:00 GMT',
    ]) {
      expect({ text, ms: parseTimestamp(text) }).toEqual({ text, ms: undefined });
    }
  });

  it('takes leap days, lower case, offsets and nanosecond fractions (truncated to the millisecond)', () => {
    expect(parseTimestamp('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseTimestamp('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseTimestamp('2026-03-01t01:00:00z')).toBe(Date.UTC(2026, 2, 1, 1));
    expect(parseTimestamp('2026-03-01T01:00:00+01:00')).toBe(Date.UTC(2026, 2, 1, 0));
    expect(parseTimestamp('2026-03-01T01:00:00-00:30')).toBe(Date.UTC(2026, 2, 1, 1, 30));
    expect(parseTimestamp('2026-03-01T00:00:00.123456789Z')).toBe(Date.UTC(2026, 2, 1, 0, 0, 0, 123));
    expect(parseTimestamp('2026-03-01T00:00:00.9999999Z')).toBe(Date.UTC(2026, 2, 1, 0, 0, 0, 999));
    expect(parseTimestamp('2026-03-01T00:00:00.5Z')).toBe(Date.UTC(2026, 2, 1, 0, 0, 0, 500));
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(EARLIEST_TIMESTAMP_MS);
    expect(parseTimestamp('9999-12-31T23:59:59.999999Z')).toBe(LATEST_TIMESTAMP_MS);
  });

  it('with utcOnly, refuses every spelling but upper-case T and Z', () => {
    expect(parseTimestamp('2026-03-01T00:00:00Z', { utcOnly: true })).toBe(Date.UTC(2026, 2, 1));
    expect(parseTimestamp('2026-03-01t00:00:00Z', { utcOnly: true })).toBeUndefined();
    expect(parseTimestamp('2026-03-01T00:00:00z', { utcOnly: true })).toBeUndefined();
    expect(parseTimestamp('2026-03-01T00:00:00+00:00', { utcOnly: true })).toBeUndefined();
  });
});
