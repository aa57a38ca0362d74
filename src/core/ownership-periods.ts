// Ownership periods: the data of a period belongs to that period's owner (docs/lifecycle.md
// "Ownership periods"). A robot's periods follow from its filing (the filing organisation owns
// it first) and its accepted transfers, in order; each period is half-open, [from, to), and the
// last one has no end. Times are epoch milliseconds, so the rule stays free of any clock.

export interface OwnershipPeriod {
  ownerOrgId: string;
  from: number;
  /** The accepted transfer that ended the period; null for the current owner's period. */
  to: number | null;
}

/** An accepted transfer: who gave the robot to whom, and when. */
export interface OwnershipChange {
  fromOrgId: string;
  toOrgId: string;
  at: number;
}

/** A stretch of time; a null end is open on that side. */
export interface TimeSpan {
  from: number | null;
  to: number | null;
}

/**
 * The periods of a robot filed by `filing.ownerOrgId` at `filing.at`, then handed on by
 * `changes` (in the order they were accepted). A transfer at the same instant as the one before
 * leaves an empty period, which is dropped: nobody held the robot for no time.
 */
export function ownershipPeriods(
  filing: { ownerOrgId: string; at: number },
  changes: readonly OwnershipChange[],
): OwnershipPeriod[] {
  const periods: OwnershipPeriod[] = [];
  let owner = filing.ownerOrgId;
  let from = filing.at;
  for (const change of changes) {
    // A change recorded out of order cannot end a period before it began.
    const at = Math.max(change.at, from);
    if (at > from) periods.push({ ownerOrgId: owner, from, to: at });
    owner = change.toOrgId;
    from = at;
  }
  periods.push({ ownerOrgId: owner, from, to: null });
  return periods;
}

/** The periods in which `orgId` owned the robot (several when it bought it back). */
export function periodsOf(periods: readonly OwnershipPeriod[], orgId: string): OwnershipPeriod[] {
  return periods.filter((p) => p.ownerOrgId === orgId);
}

/** The periods `orgId` held and handed on: the data it may still read as a former owner. */
export function endedPeriodsOf(periods: readonly OwnershipPeriod[], orgId: string): OwnershipPeriod[] {
  return periodsOf(periods, orgId).filter((p) => p.to !== null);
}

const lo = (x: number | null) => x ?? Number.NEGATIVE_INFINITY;
const hi = (x: number | null) => x ?? Number.POSITIVE_INFINITY;

/** Whether instant `t` lies in one of `spans`. */
export function withinSpans(spans: readonly TimeSpan[], t: number): boolean {
  return spans.some((s) => t >= lo(s.from) && t < hi(s.to));
}

/** The same instants as `spans`, as ordered, disjoint, non-empty spans. */
export function mergeSpans(spans: readonly TimeSpan[]): TimeSpan[] {
  const sorted = spans.filter((s) => lo(s.from) < hi(s.to)).sort((a, b) => lo(a.from) - lo(b.from));
  const merged: TimeSpan[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && lo(s.from) <= hi(last.to)) {
      if (hi(s.to) > hi(last.to)) last.to = s.to;
    } else {
      merged.push({ ...s });
    }
  }
  return merged;
}

/**
 * What of the requested `window` an organisation may read when it may read `readable`: the
 * pieces of the window inside those spans, ordered; empty when none is.
 */
export function clipWindow(readable: readonly TimeSpan[], window: TimeSpan): TimeSpan[] {
  const clipped: TimeSpan[] = [];
  for (const s of mergeSpans(readable)) {
    const from = lo(s.from) >= lo(window.from) ? s.from : window.from;
    const to = hi(s.to) <= hi(window.to) ? s.to : window.to;
    if (lo(from) < hi(to)) clipped.push({ from, to });
  }
  return clipped;
}

/**
 * The periods as the reading rules use them. The manufacturer's stock period (from the filing
 * to the first sale) goes with the robot to its first buyer: the manufacturer reads no
 * telemetry after the sale whatever its period, and what the robot reported in stock (factory
 * tests) is part of the product the buyer got. The first period is open at its start, so that
 * data stamped before the filing belongs to someone.
 */
export function readingPeriods(
  periods: readonly OwnershipPeriod[],
  manufacturerOrgId: string,
): OwnershipPeriod[] {
  const out = periods.map((p) => ({ ...p }));
  if (out.length > 1 && out[0]!.ownerOrgId === manufacturerOrgId) {
    out.shift();
  }
  if (out[0]) out[0] = { ...out[0], from: Number.NEGATIVE_INFINITY };
  return out;
}
