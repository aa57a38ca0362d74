// A simulated fleet: N robots with their own seeded physics, each producing numbered batches of
// samples. Signing and sending are the caller's (the `roboledger sim` command, tests, benchmarks).
import type { TelemetryPayload } from '../telemetry/payload.js';
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
}

export interface SimulatedRobot {
  readonly robotId: string;
  readonly state: RobotState;
  /** The next batch: `samples` samples `intervalMs` apart ending at `endMs`, with the next seq. */
  nextBatch(samples: number, intervalMs: number, endMs: number): TelemetryPayload;
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
  return {
    robotId: spec.robotId,
    state,
    nextBatch(samples, intervalMs, endMs) {
      const out = [];
      for (let i = samples - 1; i >= 0; i--) {
        out.push(stepRobot(state, (intervalMs / 1000) * timeScale, endMs - i * intervalMs, random));
      }
      return { robotId: spec.robotId, seq: seq++, samples: out };
    },
  };
}

export function simulateFleet(specs: readonly SimulatedRobotSpec[], options: FleetOptions): SimulatedRobot[] {
  const root = seededRandom(options.seed);
  return specs.map((spec, i) => simulateRobot(spec, root.fork(i + 1), options.timeScale ?? 1));
}
