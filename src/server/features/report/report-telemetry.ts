// What the report says from the robot's signed telemetry (docs/history-report.md "The document":
// health and coverage): the health feature's assessment, each figure with the telemetry it came from
// (first and last batch ledger index and the batch count of its window), the software the
// robot last attested, and the stretches in service without signed telemetry.
import type { ChainFacts } from '../../../core/report/chain-facts.js';
import { type Span, TELEMETRY_GAP_MS, telemetryGaps } from '../../../core/report/telemetry-gaps.js';
import type { SqlClient } from '../../db/sql-client.js';
import { assessRobot, HEALTH_BASIS_DAYS, JOINT_WINDOW_DAYS, RECENT_HOURS } from '../health/health-service.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface TelemetrySource {
  from: string;
  to: string;
  batches: number;
  firstBatchLedgerIndex: number | null;
  lastBatchLedgerIndex: number | null;
}

type Window = 'basis' | 'joints' | 'recent' | 'last';

/** Which batches each window of the assessment read: the batches with a sample in it. */
async function sources(
  db: SqlClient,
  robotUuid: string,
  now: Date,
): Promise<Record<Window, TelemetrySource>> {
  const from: Record<Window, Date> = {
    basis: new Date(now.getTime() - HEALTH_BASIS_DAYS * DAY_MS),
    joints: new Date(now.getTime() - JOINT_WINDOW_DAYS * DAY_MS),
    recent: new Date(now.getTime() - RECENT_HOURS * HOUR_MS),
    last: new Date(now.getTime() - HOUR_MS),
  };
  const { rows } = await db.query<Record<string, string | number | null>>(
    `SELECT ${(['basis', 'joints', 'recent'] as const)
      .map(
        (w, i) => `count(*) FILTER (WHERE last_sample_at >= $${i + 3}) AS ${w}_n,
          min(ledger_index) FILTER (WHERE last_sample_at >= $${i + 3}) AS ${w}_first,
          max(ledger_index) FILTER (WHERE last_sample_at >= $${i + 3}) AS ${w}_last`,
      )
      .join(',\n')},
       max(ledger_index) AS last_index
       FROM telemetry_batches WHERE robot_uuid = $1 AND first_sample_at <= $2 AND last_sample_at >= $3`,
    [robotUuid, now, from.basis, from.joints, from.recent],
  );
  const r = rows[0] ?? {};
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const source = (w: 'basis' | 'joints' | 'recent'): TelemetrySource => ({
    from: from[w].toISOString(),
    to: now.toISOString(),
    batches: Number(r[`${w}_n`] ?? 0),
    firstBatchLedgerIndex: n(r[`${w}_first`]),
    lastBatchLedgerIndex: n(r[`${w}_last`]),
  });
  const lastIndex = n(r.last_index);
  return {
    basis: source('basis'),
    joints: source('joints'),
    recent: source('recent'),
    last: {
      from: from.basis.toISOString(),
      to: now.toISOString(),
      batches: lastIndex === null ? 0 : 1,
      firstBatchLedgerIndex: lastIndex,
      lastBatchLedgerIndex: lastIndex,
    },
  };
}

/** The health section and the summary's figures, from the health feature's assessment. */
export async function healthOf(db: SqlClient, robotUuid: string, now: Date) {
  const [assessed, source] = await Promise.all([
    assessRobot(db, robotUuid, now),
    sources(db, robotUuid, now),
  ]);
  const { prognosis, basis } = assessed;
  const hasTelemetry = basis.batches > 0;
  const worst = prognosis.joints.reduce<number | null>(
    (w, j) => (w === null || j.wear > w ? j.wear : w),
    null,
  );
  return {
    summary: {
      operatingHours: hasTelemetry ? prognosis.operatingHours : null,
      batterySohPct: prognosis.battery.sohPct,
      worstJointWear: worst,
    },
    health: {
      assessedAt: now.toISOString(),
      grade: prognosis.grade,
      reasons: prognosis.reasons,
      battery: {
        sohPct: prognosis.battery.sohPct,
        trendPctPer1000h: prognosis.battery.sohFadePctPer1000h,
        projectedMinSohAt: prognosis.battery.projectedMinSohAt,
        cycles: prognosis.battery.cycles,
        source: source.basis,
      },
      joints: prognosis.joints.map((j) => ({
        index: j.index,
        wear: j.wear,
        trendPer1000h: j.wearPer1000h,
        remainingUsefulLifeHours: j.remainingUsefulLifeHours,
        source: source.joints,
      })),
      accuracy: {
        positionErrorMmP95: prognosis.accuracy.positionErrorMmP95,
        trendMmPer1000h: prognosis.accuracy.trendMmPer1000h,
        taskSuccessRate: prognosis.accuracy.taskSuccessRate,
        source: source.basis,
        recentSource: source.recent,
      },
      operatingHours: { value: hasTelemetry ? prognosis.operatingHours : null, source: source.last },
    },
  };
}

/** The software the robot's latest software report attests, component to version; null without one. */
export async function attestedSoftware(
  db: SqlClient,
  robotUuid: string,
): Promise<Record<string, string> | null> {
  const { rows } = await db.query<{ software: Record<string, string> }>(
    'SELECT software FROM telemetry_software_reports WHERE robot_uuid = $1 ORDER BY seq DESC LIMIT 1',
    [robotUuid],
  );
  return rows[0]?.software ?? null;
}

/**
 * Runs of telemetry: batches whose samples follow the run within the gap length extend it.
 * One pass in SQL over the robot's batches, in sample order; only run starts come back.
 */
async function telemetryRuns(db: SqlClient, robotUuid: string): Promise<Span[]> {
  const { rows } = await db.query<{ f: Date | null; prev_end: Date | null }>(
    `WITH b AS (
       SELECT first_sample_at AS f,
              max(last_sample_at) OVER (ORDER BY first_sample_at, seq
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
         FROM telemetry_batches WHERE robot_uuid = $1)
     SELECT f, prev_end FROM b WHERE prev_end IS NULL OR f > prev_end + $2 * interval '1 millisecond'
     UNION ALL
     SELECT NULL, max(last_sample_at) FROM telemetry_batches WHERE robot_uuid = $1`,
    [robotUuid, TELEMETRY_GAP_MS],
  );
  const starts = rows.filter((r) => r.f !== null);
  const end = rows.find((r) => r.f === null)?.prev_end ?? null;
  starts.sort((a, b) => a.f!.getTime() - b.f!.getTime());
  return starts.map((run, i) => ({
    fromMs: run.f!.getTime(),
    toMs: (i + 1 < starts.length ? starts[i + 1]!.prev_end! : end!).getTime(),
  }));
}

/** The report's coverage: telemetry gaps while in service, and how many records were late. */
export async function coverageOf(
  db: SqlClient,
  robotUuid: string,
  facts: ChainFacts,
  lateRecords: number,
  now: Date,
) {
  const runs = await telemetryRuns(db, robotUuid);
  const inService = facts.inService.map((p) => ({
    fromMs: Date.parse(p.from),
    toMs: p.to === null ? now.getTime() : Date.parse(p.to),
  }));
  return {
    telemetryGaps: telemetryGaps(inService, runs).map((g) => ({
      from: new Date(g.fromMs).toISOString(),
      to: new Date(g.toMs).toISOString(),
    })),
    lateRecords,
  };
}
