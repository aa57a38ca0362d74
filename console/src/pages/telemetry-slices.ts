// How the robot page cuts a telemetry range into requests (pure: the tests run it under Node).

/** The telemetry route's largest page: 30 days of 1-minute rollups are 5 requests, not 87 of 500. */
export const TELEMETRY_PAGE = 10_000;

const HOUR = 3_600_000;
const BUCKET_MS = { '1m': 60_000, '1h': HOUR, '1d': 24 * HOUR } as const;

/**
 * The range in slices read side by side: a rollup range is cut at bucket boundaries into slices
 * of one page each (a slice's buckets are known in advance), so 30 days of 1-minute rollups are
 * five requests at once instead of five one after another. Raw samples are one slice.
 */
export function slicesOf(from: Date, to: Date, resolution: 'raw' | keyof typeof BUCKET_MS): [Date, Date][] {
  if (resolution === 'raw') return [[from, to]];
  const bucket = BUCKET_MS[resolution];
  const width = bucket * TELEMETRY_PAGE;
  const slices: [Date, Date][] = [];
  let start = from.getTime();
  for (let cut = Math.floor(start / bucket) * bucket + width; cut < to.getTime(); cut += width) {
    slices.push([new Date(start), new Date(cut)]);
    start = cut;
  }
  slices.push([new Date(start), to]);
  return slices;
}
