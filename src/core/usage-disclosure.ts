// Usage disclosure with an ownership offer (docs/certificates.md "Usage disclosure"): the
// offering owner states the robot's operating hours and whether they are actual. A claim of
// `actual` is held against the robot's last signed operating-hours reading: the hours cannot be
// fewer than that reading, nor more than it plus the wall time since (a robot runs at most one
// hour per hour). Pure: the server loads the reading.

export const USAGE_STATUSES = ['actual', 'exceeds_limit', 'not_actual'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

export interface UsageClaim {
  operatingHours: number;
  status: UsageStatus;
}

export interface OperatingHoursReading {
  operatingHours: number;
  at: Date;
}

/**
 * Slack on both bounds, in hours: readings and claims are rounded by people and displays
 * (one decimal is common), so a claim within 0.1 h (6 minutes) of a bound is not a conflict.
 */
export const USAGE_TOLERANCE_HOURS = 0.1;

export type UsageConflict =
  | { kind: 'below_last_reading'; lowest: number }
  | { kind: 'above_possible'; highest: number };

/**
 * Why a claim contradicts the last reading, or null when nothing does: any claim not `actual`
 * (the owner says the figure is not to be trusted) and any claim when there is no reading.
 */
export function usageConflict(
  claim: UsageClaim,
  last: OperatingHoursReading | null,
  now: Date,
): UsageConflict | null {
  if (claim.status !== 'actual' || last === null) return null;
  const lowest = last.operatingHours - USAGE_TOLERANCE_HOURS;
  if (claim.operatingHours < lowest) return { kind: 'below_last_reading', lowest };
  const elapsedHours = Math.max(0, now.getTime() - last.at.getTime()) / 3_600_000;
  const highest = last.operatingHours + elapsedHours + USAGE_TOLERANCE_HOURS;
  if (claim.operatingHours > highest) return { kind: 'above_possible', highest };
  return null;
}
