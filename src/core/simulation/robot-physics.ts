// Plausible physics of a humanoid robot's wear, for the fleet simulator. Pure and seeded: state
// in, state and a telemetry sample out. Not a model of any real machine; the shapes are the
// ones maintenance data shows:
// - battery: state of charge cycles with load; each equivalent full cycle fades capacity, more
//   so when the pack runs hot (Arrhenius-like doubling per 10 °C above 25 °C), plus calendar fade;
// - joints: wear grows with operating hours and load (load^1.5), faster when a joint runs hot;
//   heavily loaded joints (hips, knees) wear first;
// - accuracy: position error drifts up with mean joint wear, task success falls with it;
// - faults: rare, more likely with wear and heat.
import type { TelemetrySample } from '../telemetry/payload.js';
import type { Random } from './random.js';

export interface RobotPhysicsOptions {
  jointCount: number;
  /** Simulated seconds per real second: >1 ages the fleet fast enough to watch alerts fire. */
  timeScale?: number;
  /** Starting age. */
  operatingHours?: number;
  cycles?: number;
}

export interface RobotState {
  socPct: number;
  charging: boolean;
  /** Equivalent full cycles, fractional. */
  cycles: number;
  sohPct: number;
  operatingHours: number;
  jointWear: number[];
  /** Per-joint share of the load (hips and knees carry more). */
  jointLoad: number[];
  /** Per-joint wear rate multiplier: units differ. */
  jointQuality: number[];
  ambientC: number;
}

const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Wear per operating hour of a joint at full load, 25 °C: ~0.5 after 20,000 h. */
const WEAR_PER_HOUR = 2.5e-5;
/** Capacity fade per equivalent full cycle at 25 °C, in SoH percent points. */
const FADE_PER_CYCLE = 0.02;
/** Calendar fade per operating hour, in percent points. */
const FADE_PER_HOUR = 0.0002;

export function initialRobotState(options: RobotPhysicsOptions, random: Random): RobotState {
  const n = options.jointCount;
  const jointLoad: number[] = [];
  const jointQuality: number[] = [];
  const jointWear: number[] = [];
  const hours = options.operatingHours ?? random.between(0, 4000);
  for (let j = 0; j < n; j++) {
    // Legs (the first third of the joints by convention here) carry the body.
    jointLoad.push(clamp((j < n / 3 ? 0.8 : 0.45) + 0.1 * random.gaussian(), 0.1, 1));
    jointQuality.push(clamp(1 + 0.15 * random.gaussian(), 0.6, 1.6));
    jointWear.push(0);
  }
  for (let j = 0; j < n; j++) {
    jointWear[j] = clamp(hours * WEAR_PER_HOUR * jointLoad[j]! ** 1.5 * jointQuality[j]!, 0, 1);
  }
  const cycles = options.cycles ?? hours / 2.5;
  return {
    socPct: random.between(30, 100),
    charging: false,
    cycles,
    sohPct: clamp(100 - cycles * FADE_PER_CYCLE - hours * FADE_PER_HOUR, 0, 100),
    operatingHours: hours,
    jointWear,
    jointLoad,
    jointQuality,
    ambientC: random.between(18, 28),
  };
}

/**
 * Advances `state` by `dtSeconds` of simulated time and returns the sample taken at `atMs`.
 * Mutates `state` (the simulator keeps one per robot and steps it thousands of times a second).
 */
export function stepRobot(
  state: RobotState,
  dtSeconds: number,
  atMs: number,
  random: Random,
): TelemetrySample {
  const dtHours = dtSeconds / 3600;
  const n = state.jointWear.length;
  // Work comes in bouts: the load wanders around 0.6.
  const load = clamp(0.6 + 0.25 * random.gaussian(), 0.05, 1);
  const batteryTempC = state.ambientC + (state.charging ? 8 : 14 * load) + 0.8 * random.gaussian();

  // Battery: about 2.5 h per full discharge at load 0.6, 1 h to charge.
  if (state.charging) {
    state.socPct += (100 / 1) * dtHours;
    if (state.socPct >= 100) {
      state.socPct = 100;
      state.charging = false;
    }
  } else {
    const used = (100 / 2.5) * (load / 0.6) * dtHours;
    state.socPct -= used;
    state.cycles += used / 100;
    const heat = 2 ** Math.max(0, (batteryTempC - 25) / 10);
    state.sohPct -= (used / 100) * FADE_PER_CYCLE * heat + dtHours * FADE_PER_HOUR;
    state.operatingHours += dtHours;
    if (state.socPct <= 20) state.charging = true;
  }
  state.sohPct = clamp(state.sohPct, 0, 100);
  state.socPct = clamp(state.socPct, 0, 100);

  const wear: number[] = new Array(n);
  const tempC: number[] = new Array(n);
  let wearSum = 0;
  let hottest = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    const jointLoad = state.charging ? 0 : load * state.jointLoad[j]!;
    const t = state.ambientC + 30 * jointLoad + 25 * state.jointWear[j]! + 1.2 * random.gaussian();
    const heat = 1 + Math.max(0, (t - 60) / 20);
    state.jointWear[j] = clamp(
      state.jointWear[j]! + dtHours * WEAR_PER_HOUR * jointLoad ** 1.5 * state.jointQuality[j]! * heat,
      0,
      1,
    );
    wear[j] = round(state.jointWear[j]!, 5);
    tempC[j] = round(clamp(t, -40, 200), 1);
    wearSum += state.jointWear[j]!;
    if (t > hottest) hottest = t;
  }
  const meanWear = wearSum / n;
  const positionErrorMm = clamp(0.4 + 9 * meanWear ** 1.2 + 0.05 * Math.abs(random.gaussian()), 0, 1000);
  const taskSuccessRate = clamp(0.999 - 0.25 * meanWear - 0.002 * Math.abs(random.gaussian()), 0, 1);

  const faults: string[] = [];
  const p = 2e-5 * (1 + 20 * meanWear);
  if (hottest > 95) faults.push('JOINT_OVERTEMP');
  if (batteryTempC > 60) faults.push('BATTERY_OVERTEMP');
  if (random.next() < p) faults.push(random.next() < 0.5 ? 'ENCODER_GLITCH' : 'MOTOR_STALL');

  return {
    t: new Date(atMs).toISOString(),
    battery: {
      socPct: round(state.socPct, 1),
      sohPct: round(state.sohPct, 2),
      cycles: Math.floor(state.cycles),
      tempC: round(clamp(batteryTempC, -40, 120), 1),
    },
    joints: { wear, tempC },
    accuracy: { positionErrorMm: round(positionErrorMm, 3), taskSuccessRate: round(taskSuccessRate, 4) },
    operatingHours: round(state.operatingHours, 3),
    faults,
  };
}
