// A simulated fleet: N robots with their own seeded physics, each producing numbered batches of
// samples. Signing and sending are the caller's (the `roboledger sim` command, tests, benchmarks).
import type { TelemetryPayload } from '../telemetry/payload.js';
import { SIM_SOFTWARE, simulateControl } from './control.js';
import { type Random, seededRandom } from './random.js';
import { initialRobotState, type RobotState, stepRobot } from './robot-physics.js';

export interface SimulatedRobotSpec {
  robotId: string;
  jointCount: number;
  /** The next batch sequence number (continue where a previous run stopped). */
  nextSeq?: number;
  /**
   * The robot's usage counters where a previous run stopped: a robot's hours and battery cycles
   * never run backwards (docs/telemetry.md "Usage counters"), so a continued run goes on from them.
   */
  operatingHours?: number;
  cycles?: number;
  /** The software the robot runs (default SIM_SOFTWARE). */
  software?: Record<string, string>;
}

export interface SimulatedRobot {
  readonly robotId: string;
  readonly state: RobotState;
  /**
   * The next batch: `samples` samples `intervalMs` apart ending at `endMs`, with the next seq,
   * each sample with who was in control. The first batch (start-up) and the first after the
   * software changed carry `software`.
   */
  nextBatch(samples: number, intervalMs: number, endMs: number): TelemetryPayload;
  /** The software the robot runs now. */
  readonly software: Readonly<Record<string, string>>;
  /** Installs `version` of `component` (an update): the next batch reports the software. */
  install(component: string, version: string): void;
}

export interface FleetOptions {
  seed: number;
  /** Simulated seconds per real second (ages the fleet faster). */
  timeScale?: number;
}

export function simulateRobot(spec: SimulatedRobotSpec, random: Random, timeScale = 1): SimulatedRobot {
  const state = initialRobotState(
    {
      jointCount: spec.jointCount,
      ...(spec.operatingHours !== undefined ? { operatingHours: spec.operatingHours } : {}),
      ...(spec.cycles !== undefined ? { cycles: spec.cycles } : {}),
    },
    random,
  );
  let seq = spec.nextSeq ?? 0;
  // A stream of its own: the wear physics draw the same numbers with or without it.
  const control = simulateControl(random.fork(0xc0de));
  let software: Record<string, string> = { ...(spec.software ?? SIM_SOFTWARE) };
  let softwareReported = false;
  return {
    robotId: spec.robotId,
    state,
    get software() {
      return software;
    },
    install(component, version) {
      if (software[component] === version) return;
      software = { ...software, [component]: version };
      softwareReported = false;
    },
    nextBatch(samples, intervalMs, endMs) {
      const out = [];
      for (let i = samples - 1; i >= 0; i--) {
        const atMs = endMs - i * intervalMs;
        const sample = stepRobot(state, (intervalMs / 1000) * timeScale, atMs, random);
        sample.control = control.next(atMs, state.charging);
        out.push(sample);
      }
      const payload: TelemetryPayload = { robotId: spec.robotId, seq: seq++, samples: out };
      if (!softwareReported) {
        payload.software = { ...software };
        softwareReported = true;
      }
      return payload;
    },
  };
}

export function simulateFleet(specs: readonly SimulatedRobotSpec[], options: FleetOptions): SimulatedRobot[] {
  const root = seededRandom(options.seed);
  return specs.map((spec, i) => simulateRobot(spec, root.fork(i + 1), options.timeScale ?? 1));
}
