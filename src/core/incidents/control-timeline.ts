// Who or what was in control of the robot, as intervals over an incident's evidence window,
// built from the `control` field of its signed telemetry samples
// (docs/incidents.md "Control timeline"). A sample says what held at its instant; the reading
// is taken to hold until the next sample, but for at most MAX_READING_GAP_MS: a robot samples
// several times a second, so a longer silence is a gap in the evidence, and the timeline says
// so with an interval of mode `unknown` instead of stretching the last reading over it.

import type { TimeWindow } from './incident.js';

export const CONTROL_MODES = [
  'autonomous',
  'teleoperated',
  'operator_commanded',
  'hand_guided',
  'safety_stop',
  'idle',
] as const;
export type ControlMode = (typeof CONTROL_MODES)[number];

/** The mode of an interval the telemetry says nothing about. */
export const UNKNOWN_MODE = 'unknown';
export type TimelineMode = ControlMode | typeof UNKNOWN_MODE;

/** The longest a control reading is taken to hold without a newer sample. */
export const MAX_READING_GAP_MS = 5_000;

export interface ControlReading {
  mode: ControlMode;
  /** Who or what commanded: a model and version, an operator's id, a teleoperation station. */
  source: string;
}

/** A telemetry sample as the timeline sees it; `t` in epoch milliseconds. */
export interface ControlSample {
  t: number;
  /** Absent when the robot did not report who was in control (mode `unknown`). */
  control?: ControlReading;
}

/** `[from, to)` in epoch milliseconds; `source` is null for `unknown`. */
export interface ControlInterval {
  from: number;
  to: number;
  mode: TimelineMode;
  source: string | null;
}

/**
 * The control timeline over `window`: intervals in time order, each starting where the previous
 * one ends, from `window.from` to `window.to`, with neighbours that share mode and source
 * merged. A sample before the window still counts for the window's first moments (the last one
 * before `window.from` may be passed in for that); samples after it are ignored. Samples at the
 * same instant: the last one given wins. An empty window gives no interval.
 */
export function buildControlTimeline(
  samples: readonly ControlSample[],
  window: TimeWindow,
): ControlInterval[] {
  if (window.to <= window.from) return [];
  // Stable sort: of samples at one instant, the last one given ends up last and wins below.
  const sorted = samples.map((s, i) => ({ s, i })).sort((a, b) => a.s.t - b.s.t || a.i - b.i);
  const raw: ControlInterval[] = [];
  let cursor = window.from; // everything before it is already covered
  const push = (from: number, to: number, mode: TimelineMode, source: string | null) => {
    const start = Math.max(from, cursor);
    const end = Math.min(to, window.to);
    if (end <= start) return;
    raw.push({ from: start, to: end, mode, source });
    cursor = end;
  };
  for (let k = 0; k < sorted.length; k++) {
    const { t, control } = sorted[k]!.s;
    if (t >= window.to) break;
    const next = sorted[k + 1]?.s.t ?? Number.POSITIVE_INFINITY;
    if (next === t) continue; // a later sample at the same instant overrides this one
    if (t > cursor) push(cursor, t, UNKNOWN_MODE, null); // nothing known before this sample
    const heldUntil = Math.min(next, t + MAX_READING_GAP_MS);
    push(t, heldUntil, control ? control.mode : UNKNOWN_MODE, control ? control.source : null);
  }
  push(cursor, window.to, UNKNOWN_MODE, null);
  return mergeNeighbours(raw);
}

function mergeNeighbours(intervals: readonly ControlInterval[]): ControlInterval[] {
  const out: ControlInterval[] = [];
  for (const interval of intervals) {
    const last = out[out.length - 1];
    if (last && last.to === interval.from && last.mode === interval.mode && last.source === interval.source) {
      last.to = interval.to;
    } else {
      out.push({ ...interval });
    }
  }
  return out;
}

/**
 * The interval in force at `instant`, or undefined outside the timeline. Intervals are
 * half-open: at an instant where one ends and the next begins, the next one is in force.
 */
export function intervalAt(
  timeline: readonly ControlInterval[],
  instant: number,
): ControlInterval | undefined {
  // Binary search: a timeline of a noisy hand-over can hold many intervals.
  let lo = 0;
  let hi = timeline.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const interval = timeline[mid]!;
    if (instant < interval.from) hi = mid - 1;
    else if (instant >= interval.to) lo = mid + 1;
    else return interval;
  }
  return undefined;
}

/** The control mode at `instant`: `unknown` when the timeline has nothing for it. */
export function modeAt(timeline: readonly ControlInterval[], instant: number): TimelineMode {
  return intervalAt(timeline, instant)?.mode ?? UNKNOWN_MODE;
}
