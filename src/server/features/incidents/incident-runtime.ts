// The incident runtime: the sweep that lets window telemetry arriving after the report join
// the evidence (docs/incidents.md "The workflow"). Started and closed by the composition
// root; a failed sweep is logged and the next one tries again (the unique item per batch makes
// a repeated join a no-op, never a duplicate).
import type { AppContext } from '../../app-context.js';
import { type PeriodicSweep, startPeriodicSweep } from '../../periodic-sweep.js';
import { joinLateTelemetry } from './incident-service.js';

export type IncidentRuntime = PeriodicSweep;

/** How often the sweep runs: late batches join within this long of their arrival. */
export const LATE_TELEMETRY_SWEEP_MS = 5_000;

export function startIncidentRuntime(ctx: AppContext, intervalMs = LATE_TELEMETRY_SWEEP_MS): IncidentRuntime {
  return startPeriodicSweep(ctx, 'late telemetry sweep', intervalMs, async () => {
    const added = await joinLateTelemetry(ctx);
    if (added > 0) ctx.log.info({ added }, 'late telemetry joined incident evidence');
  });
}
