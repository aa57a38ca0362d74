// Per-robot rollups at 1 minute, 1 hour and 1 day: for every metric the count, min, max and sum
// (avg = sum / count), with the worst joint wear of each sample as a metric of its own. Rollups
// are merged, never recomputed, so a batch adds to the buckets it touches in the same
// transaction that stores it, late batches included, and the rollups outlive raw retention.

export const ROLLUP_RESOLUTIONS = ['1m', '1h', '1d'] as const;
export type RollupResolution = (typeof ROLLUP_RESOLUTIONS)[number];
export const TELEMETRY_RESOLUTIONS = ['raw', ...ROLLUP_RESOLUTIONS] as const;
export type TelemetryResolution = (typeof TELEMETRY_RESOLUTIONS)[number];

export const RESOLUTION_MS: Record<RollupResolution, number> = {
  '1m': 60_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

/** The metrics rolled up, in column order. */
export const ROLLUP_METRICS = [
  'socPct',
  'sohPct',
  'batteryTempC',
  'worstJointWear',
  'maxJointTempC',
  'positionErrorMm',
  'taskSuccessRate',
] as const;
export type RollupMetric = (typeof ROLLUP_METRICS)[number];
const METRIC_COUNT = ROLLUP_METRICS.length;

/** One robot's aggregate over one bucket. Plain arrays so it crosses worker threads cheaply. */
export interface RollupPartial {
  bucketMs: number;
  count: number;
  min: number[];
  max: number[];
  sum: number[];
  maxCycles: number;
  maxOperatingHours: number;
  faultCount: number;
}

/** Start (ms since the epoch, UTC) of the bucket of `ms`. */
export function bucketStart(ms: number, resolution: RollupResolution): number {
  const size = RESOLUTION_MS[resolution];
  return Math.floor(ms / size) * size;
}

export function emptyPartial(bucketMs: number): RollupPartial {
  return {
    bucketMs,
    count: 0,
    min: new Array<number>(METRIC_COUNT).fill(Number.POSITIVE_INFINITY),
    max: new Array<number>(METRIC_COUNT).fill(Number.NEGATIVE_INFINITY),
    sum: new Array<number>(METRIC_COUNT).fill(0),
    maxCycles: 0,
    maxOperatingHours: 0,
    faultCount: 0,
  };
}

/** The per-sample values of ROLLUP_METRICS, in order. */
export interface SampleMetrics {
  values: number[];
  cycles: number;
  operatingHours: number;
  faults: number;
}

export function addSample(into: RollupPartial, sample: SampleMetrics): void {
  into.count++;
  for (let m = 0; m < METRIC_COUNT; m++) {
    const v = sample.values[m]!;
    if (v < into.min[m]!) into.min[m] = v;
    if (v > into.max[m]!) into.max[m] = v;
    into.sum[m]! += v;
  }
  if (sample.cycles > into.maxCycles) into.maxCycles = sample.cycles;
  if (sample.operatingHours > into.maxOperatingHours) into.maxOperatingHours = sample.operatingHours;
  into.faultCount += sample.faults;
}

/** Adds `from` into `into` (same bucket, or `into` a coarser one). */
export function mergePartial(into: RollupPartial, from: RollupPartial): void {
  into.count += from.count;
  for (let m = 0; m < METRIC_COUNT; m++) {
    if (from.min[m]! < into.min[m]!) into.min[m] = from.min[m]!;
    if (from.max[m]! > into.max[m]!) into.max[m] = from.max[m]!;
    into.sum[m]! += from.sum[m]!;
  }
  if (from.maxCycles > into.maxCycles) into.maxCycles = from.maxCycles;
  if (from.maxOperatingHours > into.maxOperatingHours) into.maxOperatingHours = from.maxOperatingHours;
  into.faultCount += from.faultCount;
}

/**
 * Folds partials keyed by `key` (e.g. a robot) into the buckets of `resolution`; finer
 * partials (1 min) fold into coarser buckets (1 h, 1 d) exactly, since bucket edges nest.
 */
export function foldPartials(
  into: Map<string, RollupPartial>,
  key: string,
  partials: readonly RollupPartial[],
  resolution: RollupResolution,
): void {
  for (const p of partials) {
    const bucketMs = bucketStart(p.bucketMs, resolution);
    const k = `${key}|${bucketMs}`;
    let acc = into.get(k);
    if (!acc) {
      acc = emptyPartial(bucketMs);
      into.set(k, acc);
    }
    mergePartial(acc, p);
  }
}

/** `{min, max, avg}` of one metric of a rollup row. */
export function metricSummary(count: number, min: number, max: number, sum: number) {
  return { min, max, avg: count > 0 ? sum / count : 0 };
}

/**
 * The resolution that answers a query over [fromMs, toMs) fastest while keeping enough points
 * (about 100 to 2,000): raw for a couple of hours, then 1 min, 1 h, 1 d.
 */
export function chooseResolution(fromMs: number, toMs: number): TelemetryResolution {
  const span = Math.max(0, toMs - fromMs);
  if (span <= 2 * 3_600_000) return 'raw';
  if (span <= 2 * 86_400_000) return '1m';
  if (span <= 90 * 86_400_000) return '1h';
  return '1d';
}
