import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildControlTimeline,
  CONTROL_MODES,
  type ControlInterval,
  type ControlMode,
  type ControlSample,
  MAX_READING_GAP_MS,
  modeAt,
  type TimelineMode,
} from '../../../src/core/incidents/control-timeline.js';

// Times in seconds from an injected origin, to keep the tables readable.
const O = Date.UTC(2026, 10, 3, 13, 30, 0);
const s = (sec: number) => O + sec * 1000;
const W = { from: s(0), to: s(60) };

const sample = (sec: number, mode?: ControlMode, source = 'nav/2.1'): ControlSample =>
  mode ? { t: s(sec), control: { mode, source } } : { t: s(sec) };
/** `[fromSec, toSec, mode, source]` rows, to compare against. */
const rows = (timeline: ControlInterval[]) =>
  timeline.map((i) => [(i.from - O) / 1000, (i.to - O) / 1000, i.mode, i.source]);

describe('buildControlTimeline', () => {
  it('pins the control modes', () => {
    expect(CONTROL_MODES).toEqual([
      'autonomous',
      'teleoperated',
      'operator_commanded',
      'hand_guided',
      'safety_stop',
      'idle',
    ]);
    expect(MAX_READING_GAP_MS).toBe(5_000);
  });

  const cases: [string, ControlSample[], (string | number | null)[][]][] = [
    ['no sample: the whole window is unknown', [], [[0, 60, 'unknown', null]]],
    [
      'consecutive equal mode and source merge',
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map((t) =>
        sample(t * 3, 'autonomous'),
      ),
      [[0, 60, 'autonomous', 'nav/2.1']],
    ],
    [
      'a change of source alone starts a new interval',
      [
        sample(0, 'teleoperated', 'station-1'),
        sample(3, 'teleoperated', 'station-2'),
        sample(6, 'idle', 'x'),
      ],
      [
        [0, 3, 'teleoperated', 'station-1'],
        [3, 6, 'teleoperated', 'station-2'],
        [6, 11, 'idle', 'x'],
        [11, 60, 'unknown', null],
      ],
    ],
    [
      'a gap of exactly 5 s is no gap',
      [sample(0, 'autonomous'), sample(5, 'autonomous'), sample(10, 'autonomous')],
      [
        [0, 15, 'autonomous', 'nav/2.1'],
        [15, 60, 'unknown', null],
      ],
    ],
    [
      'a longer gap becomes unknown beyond 5 s of the last reading',
      [sample(0, 'autonomous'), sample(12, 'hand_guided', 'op-7')],
      [
        [0, 5, 'autonomous', 'nav/2.1'],
        [5, 12, 'unknown', null],
        [12, 17, 'hand_guided', 'op-7'],
        [17, 60, 'unknown', null],
      ],
    ],
    [
      'a sample without control is unknown until the next sample',
      [sample(0, 'autonomous'), sample(2), sample(4, 'autonomous')],
      [
        [0, 2, 'autonomous', 'nav/2.1'],
        [2, 4, 'unknown', null],
        [4, 9, 'autonomous', 'nav/2.1'],
        [9, 60, 'unknown', null],
      ],
    ],
    [
      'the window is unknown up to its first sample',
      [sample(20, 'safety_stop', 'estop')],
      [
        [0, 20, 'unknown', null],
        [20, 25, 'safety_stop', 'estop'],
        [25, 60, 'unknown', null],
      ],
    ],
    [
      'a sample just before the window counts for its first seconds; samples outside are clipped',
      [
        sample(-3, 'teleoperated', 'st'),
        sample(-100, 'idle', 'x'),
        sample(58, 'idle', 'x'),
        sample(61, 'idle'),
      ],
      [
        [0, 2, 'teleoperated', 'st'],
        [2, 58, 'unknown', null],
        [58, 60, 'idle', 'x'],
      ],
    ],
    [
      'samples out of order are sorted; at one instant the last given wins',
      [sample(4, 'idle', 'x'), sample(0, 'autonomous'), sample(0, 'operator_commanded', 'op-1')],
      [
        [0, 4, 'operator_commanded', 'op-1'],
        [4, 9, 'idle', 'x'],
        [9, 60, 'unknown', null],
      ],
    ],
  ];
  for (const [name, samples, expected] of cases) {
    it(name, () => {
      expect(rows(buildControlTimeline(samples, W))).toEqual(expected);
    });
  }

  it('an empty window has no interval', () => {
    expect(buildControlTimeline([sample(0, 'idle')], { from: s(5), to: s(5) })).toEqual([]);
  });
});

describe('modeAt', () => {
  const timeline = buildControlTimeline(
    [sample(0, 'autonomous'), sample(3, 'teleoperated', 'st'), sample(6, 'teleoperated', 'st')],
    W,
  );
  const cases: [number, TimelineMode][] = [
    [0, 'autonomous'],
    [2.999, 'autonomous'],
    [3, 'teleoperated'], // half-open: the next interval is in force at the boundary
    [10.999, 'teleoperated'],
    [11, 'unknown'],
    [-1, 'unknown'], // outside the timeline
    [60, 'unknown'],
  ];
  for (const [sec, mode] of cases) {
    it(`at ${sec} s: ${mode}`, () => {
      expect(modeAt(timeline, s(sec))).toBe(mode);
    });
  }
});

describe('timeline properties', () => {
  const arbSample = fc.record({
    t: fc.integer({ min: -20_000, max: 80_000 }),
    control: fc.option(
      fc.record({ mode: fc.constantFrom(...CONTROL_MODES), source: fc.constantFrom('a', 'b') }),
      { nil: undefined },
    ),
  });
  const arbWindow = fc
    .tuple(fc.integer({ min: -10_000, max: 70_000 }), fc.integer({ min: 1, max: 60_000 }))
    .map(([from, length]) => ({ from, to: from + length }));

  /** The mode at `t` straight from the definition: the latest sample at or before t, if within 5 s. */
  function referenceMode(samples: ControlSample[], t: number): TimelineMode {
    let latest: ControlSample | undefined;
    for (const x of samples) if (x.t <= t && (!latest || x.t >= latest.t)) latest = x;
    if (!latest || t - latest.t >= MAX_READING_GAP_MS || !latest.control) return 'unknown';
    return latest.control.mode;
  }

  it('covers the window exactly, without overlap, empty or unmerged intervals, and agrees with the definition', () => {
    fc.assert(
      fc.property(
        fc.array(arbSample, { maxLength: 40 }),
        arbWindow,
        fc.array(fc.nat(60_000)),
        (samples, w, probes) => {
          const timeline = buildControlTimeline(samples, w);
          expect(timeline[0]!.from).toBe(w.from);
          expect(timeline[timeline.length - 1]!.to).toBe(w.to);
          timeline.forEach((interval, i) => {
            expect(interval.to).toBeGreaterThan(interval.from);
            expect(interval.source === null).toBe(interval.mode === 'unknown');
            const next = timeline[i + 1];
            if (next) {
              expect(next.from).toBe(interval.to);
              expect([next.mode, next.source]).not.toEqual([interval.mode, interval.source]);
            }
          });
          for (const p of probes) {
            const t = w.from + (p % (w.to - w.from));
            expect(modeAt(timeline, t)).toBe(referenceMode(samples, t));
          }
        },
      ),
    );
  });
});
