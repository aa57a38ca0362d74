// The robot page's telemetry slices: a rollup range cut at bucket boundaries into pieces of at
// most one page of buckets each, back to back, so no bucket is read twice or missed.
import { describe, expect, it } from 'vitest';
import { slicesOf, TELEMETRY_PAGE } from '../../console/src/pages/telemetry-slices.js';

const MINUTE = 60_000;

describe('telemetry slices', () => {
  it('cuts 30 days of 1-minute rollups into five back-to-back slices at minute boundaries', () => {
    const to = new Date(Date.UTC(2026, 11, 6, 15, 20, 30, 500));
    const from = new Date(to.getTime() - 30 * 24 * 60 * MINUTE);
    const slices = slicesOf(from, to, '1m');
    expect(slices).toHaveLength(5);
    expect(slices[0]![0]).toEqual(from);
    expect(slices.at(-1)![1]).toEqual(to);
    for (let i = 1; i < slices.length; i++) {
      expect(slices[i]![0]).toEqual(slices[i - 1]![1]);
      expect(slices[i]![0].getTime() % MINUTE).toBe(0);
    }
    // The first slice holds the bucket `from` falls in and TELEMETRY_PAGE - 1 more.
    const firstBucket = Math.floor(from.getTime() / MINUTE) * MINUTE;
    expect(slices[0]![1].getTime() - firstBucket).toBe(TELEMETRY_PAGE * MINUTE);
  });

  it('reads raw samples, and a range within one page of buckets, as one slice', () => {
    const to = new Date(Date.UTC(2026, 11, 6));
    const from = new Date(to.getTime() - 24 * 60 * MINUTE);
    expect(slicesOf(from, to, 'raw')).toEqual([[from, to]]);
    expect(slicesOf(from, to, '1m')).toEqual([[from, to]]);
    const yearAgo = new Date(to.getTime() - 365 * 24 * 60 * MINUTE);
    expect(slicesOf(yearAgo, to, '1d')).toEqual([[yearAgo, to]]);
  });
});
