// Who is in control of a simulated robot, sample by sample (the telemetry's `control`,
// docs/telemetry.md "Software and control"): mostly its own autonomy stack, now and then an
// operator at a teleoperation station for a minute or two, idle on the charging dock. Pure and
// seeded, on a random stream of its own so that the wear physics draw the same numbers as
// before the robots reported control.
import type { ControlReading } from '../incidents/control-timeline.js';
import type { Random } from './random.js';

/** What commands a simulated robot that drives itself: its autonomy stack and version. */
export const SIM_AUTONOMY_SOURCE = 'nav-stack 4.2.0';
/** The software a simulated robot attests at start-up (docs/telemetry.md "Software and control"). */
export const SIM_SOFTWARE: Readonly<Record<string, string>> = { locomotion: '2.3.1', perception: '5.0.0' };

/** Mean length of an autonomous stretch and of a teleoperated one, in sample time. */
const AUTONOMOUS_MEAN_MS = 15 * 60_000;
const TELEOPERATED_MEAN_MS = 90_000;

export interface ControlSimulator {
  /** The reading at `atMs` (non-decreasing from call to call); `charging` robots are idle. */
  next(atMs: number, charging: boolean): ControlReading;
}

export function simulateControl(random: Random): ControlSimulator {
  let teleoperated: { until: number; station: number } | undefined;
  let autonomousUntil: number | undefined;
  // Exponentially distributed stretch lengths: a switch is equally likely at any moment.
  const stretch = (mean: number) => -mean * Math.log(1 - random.next());
  return {
    next(atMs, charging) {
      if (charging) {
        teleoperated = undefined;
        autonomousUntil = undefined;
        return { mode: 'idle', source: 'charging-dock' };
      }
      if (teleoperated && atMs < teleoperated.until) {
        return { mode: 'teleoperated', source: `teleop-station-${teleoperated.station}` };
      }
      teleoperated = undefined;
      autonomousUntil ??= atMs + stretch(AUTONOMOUS_MEAN_MS);
      if (atMs < autonomousUntil) return { mode: 'autonomous', source: SIM_AUTONOMY_SOURCE };
      autonomousUntil = undefined;
      teleoperated = {
        until: atMs + stretch(TELEOPERATED_MEAN_MS),
        station: 1 + Math.floor(random.next() * 3),
      };
      return { mode: 'teleoperated', source: `teleop-station-${teleoperated.station}` };
    },
  };
}
