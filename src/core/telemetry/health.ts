// Health grading from a robot's latest readings against its model's limits: `good` well inside
// every limit, `watch` within 10% of one (plan maintenance), `poor` past one (an alert is
// open or was). Pure; the console and the telemetry summary show it.
import type { ModelLimits } from './alerts.js';

export const HEALTH_GRADES = ['good', 'watch', 'poor'] as const;
export type HealthGrade = (typeof HEALTH_GRADES)[number];

export interface HealthReadings {
  sohPct: number;
  worstJointWear: number;
  positionErrorMm: number;
}

export interface HealthAssessment {
  grade: HealthGrade;
  /** One line per metric that is not `good`. */
  reasons: string[];
  /** Remaining margin to each limit as a fraction of the limit (negative: past it). */
  margins: { batterySoh: number; jointWear: number; positionError: number };
}

const WATCH_MARGIN = 0.1;

export function assessHealth(r: HealthReadings, limits: ModelLimits): HealthAssessment {
  const margins = {
    // SoH falls towards its minimum; the others rise towards their maximum.
    batterySoh:
      limits.minBatterySohPct > 0 ? (r.sohPct - limits.minBatterySohPct) / limits.minBatterySohPct : 1,
    jointWear: limits.maxJointWear > 0 ? (limits.maxJointWear - r.worstJointWear) / limits.maxJointWear : 1,
    positionError: (limits.maxPositionErrorMm - r.positionErrorMm) / limits.maxPositionErrorMm,
  };
  const reasons: string[] = [];
  let grade: HealthGrade = 'good';
  const note = (margin: number, what: string) => {
    if (margin < 0) {
      grade = 'poor';
      reasons.push(`${what} is past the model limit`);
    } else if (margin < WATCH_MARGIN) {
      if (grade === 'good') grade = 'watch';
      reasons.push(`${what} is within ${Math.round(WATCH_MARGIN * 100)}% of the model limit`);
    }
  };
  note(margins.batterySoh, 'battery state of health');
  note(margins.jointWear, 'joint wear');
  note(margins.positionError, 'position error');
  return { grade, reasons, margins };
}

/** The largest entry of a joint array (worst wear, hottest joint). */
export function worstOf(values: ArrayLike<number>): number {
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if (values[i]! > worst) worst = values[i]!;
  return worst;
}
