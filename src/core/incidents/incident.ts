// Incidents as pure rules (docs/incidents.md "Analysis rules (the pure core)"): the names an
// incident is described with, its evidence window, its reporting deadline, whether it puts a
// hold on the robot, and the order of its investigation with the due dates of its reports.
// Instants are epoch milliseconds passed in by the caller; nothing here reads the clock, so the
// same incident gives the same answers whenever it is looked at.

export const INCIDENT_KINDS = [
  'injury',
  'property_damage',
  'collision',
  'fall',
  'malfunction',
  'near_miss',
  'data_breach',
  'information_leak',
  'cybersecurity',
  'other',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** From the gravest to the lightest. */
export const INCIDENT_SEVERITIES = ['fatal', 'serious', 'moderate', 'minor', 'near_miss'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/**
 * The investigation's statuses in their only order. `reported` is where every incident starts;
 * the others are set by the registry or a regulator.
 */
export const INVESTIGATION_STATUSES = [
  'reported',
  'investigating',
  'preliminary_report',
  'final_report',
  'closed',
] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];

/**
 * Whether an investigation may move from `from` to `to`: forward only, never back and never to
 * the status it already has. Steps may be skipped (an incident found to be minor may be closed
 * straight from `investigating`), since what matters to the reports' due dates is how far the
 * investigation has got, not the path it took.
 */
export function canMoveInvestigation(from: InvestigationStatus, to: InvestigationStatus): boolean {
  return INVESTIGATION_STATUSES.indexOf(to) > INVESTIGATION_STATUSES.indexOf(from);
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
/** A day is 24 hours of UTC time: deadlines do not move with daylight saving or calendars. */
export const DAY_MS = 24 * HOUR_MS;

/** How far before and after `occurredAt` the evidence window reaches. */
export const WINDOW_BEFORE_MS = 30 * MINUTE_MS;
export const WINDOW_AFTER_MS = 10 * MINUTE_MS;

/** An interval of time, `from` and `to` in epoch milliseconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * The evidence window of an incident: from 30 minutes before `occurredAt` (what led to it) to
 * 10 minutes after (how the robot and its people reacted). Both ends belong to it.
 */
export function evidenceWindow(occurredAt: number): TimeWindow {
  return { from: occurredAt - WINDOW_BEFORE_MS, to: occurredAt + WINDOW_AFTER_MS };
}

/** Whether an instant is in a window, both ends included. */
export function inWindow(window: TimeWindow, at: number): boolean {
  return at >= window.from && at <= window.to;
}

/**
 * Robots send telemetry in batches, and a robot that lost its network during an incident sends
 * the window's batches when it is back. Such a batch joins the evidence if it arrives up to
 * 24 hours after `occurredAt`; later than that it is still stored as telemetry, but the
 * incident's evidence is closed, so the bundle a party downloaded a day later is still whole.
 */
export const LATE_BATCH_LIMIT_MS = 24 * HOUR_MS;

/** Whether a batch with these sample times, arriving at `arrivedAt`, joins the incident's evidence. */
export function batchJoinsEvidence(
  occurredAt: number,
  sampleTimes: readonly number[],
  arrivedAt: number,
): boolean {
  const window = evidenceWindow(occurredAt);
  return arrivedAt <= occurredAt + LATE_BATCH_LIMIT_MS && sampleTimes.some((t) => inWindow(window, t));
}

/**
 * When the incident must have been reported to the authorities, counted from `awareAt` (when
 * the reporter learnt of it), or null when no deadline applies. The periods follow the EU AI
 * Act's Art. 73 for serious incidents of high-risk systems: 2 days for a widespread
 * infringement (whatever the severity: it is the breadth that makes it urgent), 10 days after
 * a death, 15 days for any other serious incident. Lighter incidents have no legal deadline.
 */
export function reportingDeadline(
  severity: IncidentSeverity,
  widespread: boolean,
  awareAt: number,
): number | null {
  if (widespread) return awareAt + 2 * DAY_MS;
  if (severity === 'fatal') return awareAt + 10 * DAY_MS;
  if (severity === 'serious') return awareAt + 15 * DAY_MS;
  return null;
}

/**
 * Whether reporting an incident of this severity puts a hold on the robot: after a death or a
 * serious incident the machine and its software must stay as they were (no update, key
 * rotation, decommissioning, recycling or change of owner) until the hold is released.
 */
export function severityHoldsRobot(severity: IncidentSeverity): boolean {
  return severity === 'fatal' || severity === 'serious';
}

export const PRELIMINARY_REPORT_DAYS = 30;
export const FINAL_REPORT_DAYS = 365;

/** When the preliminary report is due: 30 days after the incident was reported. */
export function preliminaryReportDue(reportedAt: number): number {
  return reportedAt + PRELIMINARY_REPORT_DAYS * DAY_MS;
}

/** When the final report is due: 365 days after the incident was reported. */
export function finalReportDue(reportedAt: number): number {
  return reportedAt + FINAL_REPORT_DAYS * DAY_MS;
}

function reached(status: InvestigationStatus, milestone: InvestigationStatus): boolean {
  return INVESTIGATION_STATUSES.indexOf(status) >= INVESTIGATION_STATUSES.indexOf(milestone);
}

/**
 * Whether an investigation is past due at `now`: the preliminary report is missing after its
 * due date, or the final one after its. A report is on time up to and including its due instant.
 * A closed investigation is never overdue (closing comes after the final report).
 */
export function isOverdue(status: InvestigationStatus, reportedAt: number, now: number): boolean {
  if (!reached(status, 'preliminary_report') && now > preliminaryReportDue(reportedAt)) return true;
  return !reached(status, 'final_report') && now > finalReportDue(reportedAt);
}
