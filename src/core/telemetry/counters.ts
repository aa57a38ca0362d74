// Usage counters (docs/telemetry.md "Usage counters"): a robot's `operatingHours` and its
// battery's `cycles` only ever grow, except across a recorded replacement of the part that
// keeps them (the controller keeps the hours, the battery pack its cycles). A sample whose
// counter is below that of the sample before it (by sample time) is a rollback: it is stored
// all the same — it is signed evidence — but raises an alert and is marked on reads. A meter
// that runs backwards is how a robot's age is hidden at resale.
// Pure: the last known reading and the recorded replacements come in, the rollbacks go out.

export const USAGE_COUNTERS = ['operatingHours', 'cycles'] as const;
export type UsageCounter = (typeof USAGE_COUNTERS)[number];

/** Parts whose replacement a maintenance event records (`data.replaced`). */
export const REPLACEABLE_PARTS = ['controller', 'battery_pack'] as const;
export type ReplaceablePart = (typeof REPLACEABLE_PARTS)[number];

/** The part that keeps each counter: replacing it starts the counter afresh. */
export const COUNTER_PART: Record<UsageCounter, ReplaceablePart> = {
  operatingHours: 'controller',
  cycles: 'battery_pack',
};

/** One sample's counters, with the sample's time and the batch it came in. */
export interface CounterReading {
  atMs: number;
  seq: number;
  operatingHours: number;
  cycles: number;
}

/** A recorded replacement of a part, at the time it happened (the event's occurredAt). */
export interface PartReplacement {
  part: ReplaceablePart;
  atMs: number;
}

/** A sample whose counter is below the one of the sample before it. */
export interface CounterRollback {
  counter: UsageCounter;
  /** The sample that ran backwards (it may be the last known one, when a late batch is older). */
  atMs: number;
  seq: number;
  /** The counter of the sample before it, and that sample's time. */
  previous: number;
  previousAtMs: number;
  /** The lower value. */
  value: number;
}

export interface CounterCheck {
  rollbacks: CounterRollback[];
  /** The latest reading (by time, then seq) of the last known one and `readings`: the next check's start. */
  last: CounterReading | null;
}

/** Sample-time order; two samples of one instant in batch order. */
function before(a: CounterReading, b: CounterReading): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** Whether `part` was replaced after `fromMs` and at or before `toMs`. */
function replacedBetween(
  replacements: readonly PartReplacement[],
  part: ReplaceablePart,
  fromMs: number,
  toMs: number,
): boolean {
  return replacements.some((r) => r.part === part && r.atMs > fromMs && r.atMs <= toMs);
}

/**
 * The rollbacks among `readings` (one robot's samples, any order, several batches allowed)
 * and the robot's last known reading: all of them in sample-time order, each compared with the
 * one before it. A replacement of the part between two samples lets its counter start again
 * from any value. A late batch, older than the last known reading, is checked in the same
 * order, so the last known sample is the one marked when it is lower than the late one's.
 */
export function checkUsageCounters(
  last: CounterReading | null,
  readings: readonly CounterReading[],
  replacements: readonly PartReplacement[] = [],
): CounterCheck {
  const chain = last ? [last, ...readings] : [...readings];
  // Stable: a sample of the same time and seq as another keeps its place.
  chain.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const rollbacks: CounterRollback[] = [];
  for (let i = 1; i < chain.length; i++) {
    const prev = chain[i - 1]!;
    const cur = chain[i]!;
    for (const counter of USAGE_COUNTERS) {
      if (cur[counter] >= prev[counter]) continue;
      if (replacedBetween(replacements, COUNTER_PART[counter], prev.atMs, cur.atMs)) continue;
      rollbacks.push({
        counter,
        atMs: cur.atMs,
        seq: cur.seq,
        previous: prev[counter],
        previousAtMs: prev.atMs,
        value: cur[counter],
      });
    }
  }
  return { rollbacks, last: chain.length > 0 ? chain[chain.length - 1]! : null };
}

/** The readings of a batch's samples, packed as [atMs, operatingHours, cycles] per sample. */
export function unpackReadings(seq: number, packed: ArrayLike<number>): CounterReading[] {
  const out: CounterReading[] = [];
  for (let i = 0; i + 2 < packed.length; i += 3) {
    out.push({ atMs: packed[i]!, seq, operatingHours: packed[i + 1]!, cycles: packed[i + 2]! });
  }
  return out;
}
