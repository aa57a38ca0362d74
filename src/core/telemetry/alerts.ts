// Alert rules (issue "Alerts"): a model's limits — minimum battery state of health, maximum
// joint wear, maximum position error — and any fault code a robot reports raise an alert once
// per condition, not once per sample. A condition stays "active" until a later batch shows it
// gone; while an alert for it is active, no second one is raised, acknowledged or not.
// Pure: the active alerts are passed in, the decision comes out.

export interface ModelLimits {
  minBatterySohPct: number;
  maxJointWear: number;
  maxPositionErrorMm: number;
}

export const LIMIT_CONDITIONS = ['battery_soh_low', 'joint_wear_high', 'position_error_high'] as const;
export type LimitCondition = (typeof LIMIT_CONDITIONS)[number];
/**
 * Conditions that are events rather than states (docs/telemetry.md "Evidence"): a batch reusing
 * an accepted seq with other bytes, a usage counter running backwards, a recycled robot's
 * identity still signing telemetry (docs/end-of-life.md). They are raised and
 * cleared at once, so no later batch has to show them gone.
 */
export const EVENT_CONDITIONS = ['seq_conflict', 'usage_counter_rollback', 'retired_id_reporting'] as const;
export type EventCondition = (typeof EVENT_CONDITIONS)[number];
/** A limit condition, an event condition, or `fault:<CODE>` for a reported fault code. */
export type AlertCondition = LimitCondition | EventCondition | `fault:${string}`;

export const ALERT_STATES = ['open', 'acknowledged'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** The first sample of a batch that showed a condition. */
export interface ObservedCondition {
  condition: AlertCondition;
  atMs: number;
  /** The measured value (SoH %, wear, mm); null for faults. */
  value: number | null;
  /** The model's limit it crossed; null for faults. */
  threshold: number | null;
  /** Extra facts, e.g. which joint. */
  detail: Record<string, number | string>;
}

export interface ConditionObservation {
  /** Each condition seen in the batch, at its first sample. */
  observed: ObservedCondition[];
  /** Conditions that hold in the batch's latest sample. */
  atEnd: AlertCondition[];
  /** Time of the latest sample. */
  endMs: number;
}

/** What one sample looks like to the rules. */
export interface SampleReadings {
  sohPct: number;
  jointWear: readonly number[];
  positionErrorMm: number;
  faults: readonly string[];
}

/** Conditions of one sample; `out` collects them with their values. */
export function sampleConditions(s: SampleReadings, limits: ModelLimits, atMs: number): ObservedCondition[] {
  const out: ObservedCondition[] = [];
  if (s.sohPct < limits.minBatterySohPct) {
    out.push({
      condition: 'battery_soh_low',
      atMs,
      value: s.sohPct,
      threshold: limits.minBatterySohPct,
      detail: {},
    });
  }
  let worst = -1;
  let worstJoint = -1;
  for (let j = 0; j < s.jointWear.length; j++) {
    const w = s.jointWear[j]!;
    if (w > worst) {
      worst = w;
      worstJoint = j;
    }
  }
  if (worst > limits.maxJointWear) {
    out.push({
      condition: 'joint_wear_high',
      atMs,
      value: worst,
      threshold: limits.maxJointWear,
      detail: { joint: worstJoint },
    });
  }
  if (s.positionErrorMm > limits.maxPositionErrorMm) {
    out.push({
      condition: 'position_error_high',
      atMs,
      value: s.positionErrorMm,
      threshold: limits.maxPositionErrorMm,
      detail: {},
    });
  }
  for (const code of s.faults) {
    if (!out.some((o) => o.condition === `fault:${code}`)) {
      out.push({ condition: `fault:${code}`, atMs, value: null, threshold: null, detail: { code } });
    }
  }
  return out;
}

/** Folds the samples of one batch, in any order, into its conditions. */
export function observeBatch(
  samples: readonly SampleReadings[],
  times: ArrayLike<number>,
  limits: ModelLimits,
): ConditionObservation {
  const first = new Map<AlertCondition, ObservedCondition>();
  let endMs = Number.NEGATIVE_INFINITY;
  let atEnd: AlertCondition[] = [];
  for (let i = 0; i < samples.length; i++) {
    const atMs = times[i]!;
    const conditions = sampleConditions(samples[i]!, limits, atMs);
    for (const c of conditions) {
      const seen = first.get(c.condition);
      if (!seen || c.atMs < seen.atMs) first.set(c.condition, c);
    }
    if (atMs >= endMs) {
      endMs = atMs;
      atEnd = conditions.map((c) => c.condition);
    }
  }
  return { observed: [...first.values()], atEnd, endMs };
}

/** An alert that is still active (its condition not yet seen gone). */
export interface ActiveAlert {
  id: string;
  condition: AlertCondition;
  /** Time of the sample that raised it. */
  raisedAtMs: number;
}

export interface AlertDecision {
  /** Conditions to raise an alert for; `clearedAtEnd` when already gone by the batch's end. */
  raise: (ObservedCondition & { clearedAtEnd: boolean })[];
  /** Active alerts whose condition the batch shows gone. */
  clear: string[];
}

/**
 * Once per condition: raise only what has no active alert; clear an active alert when a batch
 * newer than the alert's sample ends without its condition. An older batch arriving late
 * never clears a newer alert.
 */
export function decideAlerts(
  active: readonly ActiveAlert[],
  observation: ConditionObservation,
): AlertDecision {
  const activeByCondition = new Map(active.map((a) => [a.condition, a]));
  const atEnd = new Set(observation.atEnd);
  const raise: AlertDecision['raise'] = [];
  for (const o of observation.observed) {
    if (activeByCondition.has(o.condition)) continue;
    raise.push({ ...o, clearedAtEnd: !atEnd.has(o.condition) && o.atMs < observation.endMs });
  }
  const clear: string[] = [];
  for (const a of active) {
    if (!atEnd.has(a.condition) && observation.endMs > a.raisedAtMs) clear.push(a.id);
  }
  return { raise, clear };
}

/** A readable one-line description of an alert condition. */
export function describeCondition(
  o: Pick<ObservedCondition, 'condition' | 'value' | 'threshold' | 'detail'>,
): string {
  switch (o.condition) {
    case 'battery_soh_low':
      return `battery state of health ${o.value}% is below the model minimum ${o.threshold}%`;
    case 'joint_wear_high':
      return `joint ${o.detail.joint} wear ${o.value} exceeds the model maximum ${o.threshold}`;
    case 'position_error_high':
      return `position error ${o.value} mm exceeds the model maximum ${o.threshold} mm`;
    case 'seq_conflict':
      return `batch seq ${o.detail.seq} was sent again with other contents (JWS SHA-256 ${o.detail.jwsSha256}, accepted ${o.detail.acceptedJwsSha256})`;
    case 'usage_counter_rollback':
      return `${o.detail.counter} ran backwards from ${o.detail.previous} to ${o.detail.value} with no replacement recorded`;
    case 'retired_id_reporting':
      return `telemetry signed with a key of this recycled robot arrived (batch seq ${o.detail.seq}): its identity is still in use`;
    default:
      return `fault ${o.condition.slice('fault:'.length)} reported`;
  }
}
