// When a robot's record says it happened, against what else the platform knows (docs/api.md
// "Lifecycle", docs/lifecycle.md "Recording an event"): an event cannot precede the robot's
// production, and one written down long after it happened is marked late. Pure: the times
// come in, a decision goes out; nothing here reads the clock or a database.
import { PlatformError } from './errors.js';

/**
 * How long after `occurredAt` a record may be written and still count as contemporaneous.
 * Work is often logged at the end of a shift or the next morning, so a day of slack keeps
 * ordinary paperwork unmarked; beyond it the reader (a buyer, an auditor) is told the record
 * was written after the fact, since a backdated entry otherwise reads like one made on the
 * day.
 */
export const LATE_RECORD_AFTER_MS = 24 * 60 * 60 * 1000;

/** Whether a record's `occurredAt` lies more than LATE_RECORD_AFTER_MS before its `recordedAt`. */
export function isLateRecord(occurredAt: Date, recordedAt: Date): boolean {
  return recordedAt.getTime() - occurredAt.getTime() > LATE_RECORD_AFTER_MS;
}

/**
 * The first instant of a production date `YYYY-MM-DD`, in UTC: the date is a calendar day
 * with no time or zone filed, so the earliest moment it can name is the start of that day
 * in UTC, and nothing of the robot can have happened before it.
 */
export function productionDayStart(productionDate: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(productionDate);
  if (!match) {
    // Stored dates were checked when filed (filing.ts parseProductionDate): this is a bug.
    throw new PlatformError(
      'INTERNAL_INVARIANT',
      `stored productionDate "${productionDate}" is not YYYY-MM-DD`,
    );
  }
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** 400 OCCURRED_AT_BEFORE_PRODUCTION when `occurredAt` precedes the robot's production day. */
export function checkOccurredAfterProduction(occurredAt: Date, productionDate: string): void {
  if (occurredAt.getTime() < productionDayStart(productionDate).getTime()) {
    throw new PlatformError(
      'OCCURRED_AT_BEFORE_PRODUCTION',
      `occurredAt ${occurredAt.toISOString()} is before the robot was produced (${productionDate})`,
      { field: 'occurredAt', occurredAt: occurredAt.toISOString(), productionDate },
    );
  }
}
