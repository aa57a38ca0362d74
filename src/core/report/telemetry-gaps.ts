// Where a robot's signed telemetry has holes (docs/history-report.md "The document"): stretches of
// more than 24 h while in service without any signed sample. A used robot whose hours of wear
// went unreported for weeks is exactly what a buyer must see. Pure.

/** Longer silences than this, while in service, are gaps. */
export const TELEMETRY_GAP_MS = 24 * 60 * 60 * 1000;

export interface Span {
  fromMs: number;
  toMs: number;
}

/**
 * The gaps: each in-service period (`toMs` the report time while it lasts) minus the covered
 * stretches, kept when longer than TELEMETRY_GAP_MS. `covered` are runs of telemetry (first to
 * last sample of batches that follow each other within the gap length), sorted by start.
 */
export function telemetryGaps(inService: readonly Span[], covered: readonly Span[]): Span[] {
  const gaps: Span[] = [];
  for (const period of inService) {
    let cursor = period.fromMs;
    for (const run of covered) {
      if (run.toMs <= cursor) continue;
      if (run.fromMs >= period.toMs) break;
      if (run.fromMs - cursor > TELEMETRY_GAP_MS) gaps.push({ fromMs: cursor, toMs: run.fromMs });
      cursor = Math.max(cursor, run.toMs);
    }
    if (period.toMs - cursor > TELEMETRY_GAP_MS) gaps.push({ fromMs: cursor, toMs: period.toMs });
  }
  return gaps;
}
