// Health and prognosis (docs/health.md): least-squares trends over operating hours, projections
// of when a trend reaches its model limit, the grade, and the advisory rule. Pure: the service
// reads rollups and samples, this decides.

import type { ModelLimits } from '../telemetry/alerts.js';
import { assessHealth, type HealthGrade } from '../telemetry/health.js';

/** One point of a trend: a value at an operating-hours reading, taken at `atMs`. */
export interface TrendPoint {
  hours: number;
  value: number;
  atMs: number;
}

export interface LinearFit {
  /** Change of the value per operating hour. */
  slopePerHour: number;
  /** The fitted value at the latest point's operating hours. */
  valueNow: number;
  /** Operating hours of the latest point. */
  hoursNow: number;
  n: number;
}

/** A fit needs this many points, over at least this many operating hours. */
export const MIN_FIT_POINTS = 3;
export const MIN_FIT_SPAN_HOURS = 24;

/** Relative change over a fit's span below which the trend is flat (rounding, not wear). */
export const FLAT_TOLERANCE = 1e-9;

/** An advisory is raised when a projection falls within this many operating hours … */
export const ADVISORY_HORIZON_HOURS = 500;
/** … or this many days. */
export const ADVISORY_HORIZON_DAYS = 30;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A state-of-charge minimum below this (%) counts the hour as a deep discharge. */
export const DEEP_DISCHARGE_SOC_PCT = 5;
/** Battery temperature (°C) above which a minute counts towards minutesAboveTempLimit. */
export const BATTERY_TEMP_LIMIT_C = 55;
/** A joint's wear falling by more than this between points is a replaced joint: its trend restarts. */
export const JOINT_WEAR_RESET_DROP = 0.05;

export const ADVISORY_KINDS = ['battery_soh', 'joint_wear', 'position_error'] as const;
export type AdvisoryKind = (typeof ADVISORY_KINDS)[number];

/**
 * The sufficient statistics of a least-squares fit of value (y) over operating hours (x): what
 * the database sums over a year of hourly rollups in one pass, instead of sending the rows.
 */
export interface TrendSums {
  n: number;
  sumX: number;
  sumY: number;
  sumXX: number;
  sumXY: number;
  minX: number;
  maxX: number;
  /** The latest point (by time): the fit is read there, and its value is the current one. */
  lastX: number;
  lastY: number;
}

/** The sums of `points` (null when there are none, or any is not finite). */
export function sumsOf(points: readonly TrendPoint[]): TrendSums | null {
  if (points.length === 0) return null;
  const s: TrendSums = {
    n: 0,
    sumX: 0,
    sumY: 0,
    sumXX: 0,
    sumXY: 0,
    minX: Number.POSITIVE_INFINITY,
    maxX: Number.NEGATIVE_INFINITY,
    lastX: 0,
    lastY: 0,
  };
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    if (!Number.isFinite(p.hours) || !Number.isFinite(p.value)) return null;
    s.n++;
    s.sumX += p.hours;
    s.sumY += p.value;
    s.sumXX += p.hours * p.hours;
    s.sumXY += p.hours * p.value;
    if (p.hours < s.minX) s.minX = p.hours;
    if (p.hours > s.maxX) s.maxX = p.hours;
    if (p.atMs >= lastAt) {
      lastAt = p.atMs;
      s.lastX = p.hours;
      s.lastY = p.value;
    }
  }
  return s;
}

/**
 * Ordinary least squares from the sums; null with fewer than MIN_FIT_POINTS points, a span
 * under MIN_FIT_SPAN_HOURS, or no spread at all.
 */
export function fitSums(s: TrendSums | null): LinearFit | null {
  if (!s || s.n < MIN_FIT_POINTS || s.maxX - s.minX < MIN_FIT_SPAN_HOURS) return null;
  const meanX = s.sumX / s.n;
  const meanY = s.sumY / s.n;
  const sxx = s.sumXX - s.sumX * meanX;
  const sxy = s.sumXY - s.sumX * meanY;
  if (!(sxx > 0) || !Number.isFinite(sxy)) return null;
  let slopePerHour = sxy / sxx;
  // Sums of many points leave rounding noise: a line that moves less than that over its whole
  // span is flat (else a constant series would project a limit some 10^16 hours away).
  if (Math.abs(slopePerHour * (s.maxX - s.minX)) < FLAT_TOLERANCE * Math.max(1, Math.abs(meanY)))
    slopePerHour = 0;
  return { slopePerHour, valueNow: meanY + slopePerHour * (s.lastX - meanX), hoursNow: s.lastX, n: s.n };
}

/** Least squares of value over operating hours of `points` (see fitSums). */
export function fitTrend(points: readonly TrendPoint[]): LinearFit | null {
  return fitSums(sumsOf(points));
}

/**
 * Operating hours until the fitted trend reaches `limit`: null when it does not move towards
 * it (SoH not declining, wear or error not rising); 0 when the fit is already past it.
 */
export function hoursUntil(
  fit: LinearFit | null,
  limit: number,
  direction: 'falling' | 'rising',
): number | null {
  if (!fit) return null;
  const towards = direction === 'falling' ? -fit.slopePerHour : fit.slopePerHour;
  if (!(towards > 0)) return null;
  const gap = direction === 'falling' ? fit.valueNow - limit : limit - fit.valueNow;
  return Math.max(0, gap / towards);
}

/**
 * Operating hours per calendar hour (the robot's utilisation): the slope of a fit of operating
 * hours (y) over calendar hours (x); null when there is too little to tell or the robot does
 * not run.
 */
export function utilisation(sums: TrendSums | null): number | null {
  const fit = fitSums(sums);
  return fit && fit.slopePerHour > 0 ? Math.min(fit.slopePerHour, 1) : null;
}

/** Operating hours (y) over calendar hours (x) of `points`, for `utilisation`. */
export function usageSums(points: readonly TrendPoint[]): TrendSums | null {
  return sumsOf(points.map((p) => ({ hours: p.atMs / HOUR_MS, value: p.hours, atMs: p.atMs })));
}

/** When, in calendar time, `hours` more operating hours will have passed after `fromMs`. */
export function projectAt(fromMs: number, hours: number | null, perHour: number | null): number | null {
  if (hours === null || perHour === null) return null;
  const ms = fromMs + (hours / perHour) * HOUR_MS;
  return Number.isFinite(ms) && ms < 8.64e15 ? Math.round(ms) : null;
}

/** The points after the last drop of more than `drop` (a replaced part starts its trend again). */
export function sinceLastReset(points: readonly TrendPoint[], drop: number): TrendPoint[] {
  let start = 0;
  for (let i = 1; i < points.length; i++) {
    if (points[i - 1]!.value - points[i]!.value > drop) start = i;
  }
  return points.slice(start);
}

/** Battery cycles of the current pack: counted from the swap, or afresh if the counter restarted. */
export function packCycles(latest: number, atSwap: number): number {
  return latest >= atSwap ? latest - atSwap : latest;
}

/** The value at `q` (0…1) of `values`, by the nearest-rank method; null when empty. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** Whether a projection is close enough to raise an advisory. */
export function withinAdvisoryHorizon(hours: number | null, atMs: number | null, nowMs: number): boolean {
  if (hours === null) return false;
  if (hours <= ADVISORY_HORIZON_HOURS) return true;
  return atMs !== null && atMs - nowMs <= ADVISORY_HORIZON_DAYS * DAY_MS;
}

export interface JointSeries {
  index: number;
  points: TrendPoint[];
}

/** What the assessment needs, read by the service. */
export interface HealthInputs {
  nowMs: number;
  limits: ModelLimits;
  /** The pack in use (its serial), null for the pack the robot was built with. */
  packId: string | null;
  /** Hourly SoH over operating hours since the pack went in. */
  soh: TrendSums | null;
  /** Hourly mean position error over operating hours, over the basis. */
  positionError: TrendSums | null;
  taskSuccess: { n: number; sum: number };
  /** Recent hourly mean position errors for the p95. */
  recentPositionErrors: number[];
  /** Per joint, hourly points from the retained samples. */
  joints: JointSeries[];
  /** Worst joint wear of the latest hour (from the rollups). */
  worstJointWear: number | null;
  cycles: number;
  deepDischargeEvents: number;
  minutesAboveTempLimit: number;
  operatingHours: number;
  /** Operating hours over calendar hours, for the utilisation. */
  usage: TrendSums | null;
  /** Time of the latest data: projections run from there. */
  lastAtMs: number | null;
}

export interface AdvisoryCandidate {
  kind: AdvisoryKind;
  component: string;
  dueBy: string;
  dueInHours: number;
  reason: string;
}

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  // No negative zero: a flat trend is 0.
  return Math.round(v * f) / f || 0;
};
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface HealthPrognosis {
  grade: HealthGrade;
  reasons: string[];
  battery: {
    packId: string | null;
    sohPct: number | null;
    sohFadePctPer1000h: number | null;
    projectedMinSohAt: string | null;
    cycles: number;
    deepDischargeEvents: number;
    minutesAboveTempLimit: number;
  };
  joints: {
    index: number;
    wear: number;
    wearPer1000h: number | null;
    remainingUsefulLifeHours: number | null;
  }[];
  accuracy: {
    positionErrorMmP95: number | null;
    trendMmPer1000h: number | null;
    taskSuccessRate: number | null;
  };
  operatingHours: number;
  /** Projections within the advisory horizon: what the sweep raises (once each). */
  candidates: AdvisoryCandidate[];
}

const lastValue = (points: readonly TrendPoint[]) => {
  let last: TrendPoint | undefined;
  for (const p of points) if (!last || p.atMs >= last.atMs) last = p;
  return last?.value ?? null;
};

/** The assessment of one robot from its inputs. */
export function assessPrognosis(input: HealthInputs): HealthPrognosis {
  const { limits, nowMs } = input;
  const perHour = utilisation(input.usage);
  const fromMs = input.lastAtMs ?? nowMs;
  const candidates: AdvisoryCandidate[] = [];
  const consider = (kind: AdvisoryKind, component: string, hours: number | null, reason: string) => {
    const at = projectAt(fromMs, hours, perHour);
    if (hours !== null && at !== null && withinAdvisoryHorizon(hours, at, nowMs)) {
      candidates.push({ kind, component, dueBy: iso(at)!, dueInHours: round(hours, 1), reason });
    }
    return at;
  };

  const sohFit = fitSums(input.soh);
  const sohHours = hoursUntil(sohFit, limits.minBatterySohPct, 'falling');
  const sohAt = consider(
    'battery_soh',
    input.packId === null ? 'battery' : `battery:${input.packId}`,
    sohHours,
    `battery state of health is projected to reach ${limits.minBatterySohPct}% in ${Math.round(sohHours ?? 0)} operating hours`,
  );

  const joints = input.joints.map((j) => {
    const points = sinceLastReset(j.points, JOINT_WEAR_RESET_DROP);
    const fit = fitTrend(points);
    const rul = hoursUntil(fit, limits.maxJointWear, 'rising');
    consider(
      'joint_wear',
      `joint:${j.index}`,
      rul,
      `joint ${j.index} wear is projected to reach ${limits.maxJointWear} in ${Math.round(rul ?? 0)} operating hours`,
    );
    return {
      index: j.index,
      wear: round(lastValue(j.points) ?? 0, 4),
      wearPer1000h: fit ? round(fit.slopePerHour * 1000, 4) : null,
      remainingUsefulLifeHours: rul === null ? null : round(rul, 1),
    };
  });

  const errFit = fitSums(input.positionError);
  const errHours = hoursUntil(errFit, limits.maxPositionErrorMm, 'rising');
  consider(
    'position_error',
    'accuracy',
    errHours,
    `position error is projected to reach ${limits.maxPositionErrorMm} mm in ${Math.round(errHours ?? 0)} operating hours`,
  );
  const p95 = percentile(input.recentPositionErrors, 0.95);

  const sohNow = input.soh ? input.soh.lastY : null;
  const reasons: string[] = [];
  let grade: HealthGrade = 'good';
  if (sohNow !== null || input.worstJointWear !== null || p95 !== null) {
    const current = assessHealth(
      {
        sohPct: sohNow ?? Number.POSITIVE_INFINITY,
        worstJointWear: input.worstJointWear ?? 0,
        positionErrorMm: p95 ?? 0,
      },
      limits,
    );
    grade = current.grade;
    reasons.push(...current.reasons);
  }
  if (candidates.length > 0) {
    if (grade === 'good') grade = 'watch';
    for (const c of candidates) reasons.push(c.reason);
  }

  return {
    grade,
    reasons,
    battery: {
      packId: input.packId,
      sohPct: sohNow === null ? null : round(sohNow, 2),
      sohFadePctPer1000h: sohFit ? round(-sohFit.slopePerHour * 1000, 4) : null,
      projectedMinSohAt: iso(sohAt),
      cycles: input.cycles,
      deepDischargeEvents: input.deepDischargeEvents,
      minutesAboveTempLimit: input.minutesAboveTempLimit,
    },
    joints,
    accuracy: {
      positionErrorMmP95: p95 === null ? null : round(p95, 3),
      trendMmPer1000h: errFit ? round(errFit.slopePerHour * 1000, 4) : null,
      taskSuccessRate: input.taskSuccess.n > 0 ? round(input.taskSuccess.sum / input.taskSuccess.n, 4) : null,
    },
    operatingHours: round(input.operatingHours, 2),
    candidates,
  };
}

/** The worse of two grades. */
export function worseGrade(a: HealthGrade, b: HealthGrade): HealthGrade {
  const order: HealthGrade[] = ['good', 'watch', 'poor'];
  return order[Math.max(order.indexOf(a), order.indexOf(b))]!;
}
