// The incident runtime: the sweep that lets window telemetry arriving after the report join
// the evidence (docs/incidents.md "Late telemetry"). Started and closed by the composition
// root; a failed sweep is logged and the next one tries again (the unique item per batch makes
// a repeated join a no-op, never a duplicate).
import type { AppContext } from '../../app-context.js';
import { joinLateTelemetry } from './incident-service.js';

export interface IncidentRuntime {
  close(): Promise<void>;
}

/** How often the sweep runs: late batches join within this long of their arrival. */
export const LATE_TELEMETRY_SWEEP_MS = 5_000;

export function startIncidentRuntime(ctx: AppContext, intervalMs = LATE_TELEMETRY_SWEEP_MS): IncidentRuntime {
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return;
    running = joinLateTelemetry(ctx)
      .then((added) => {
        if (added > 0) ctx.log.info({ added }, 'late telemetry joined incident evidence');
      })
      .catch((error: unknown) => ctx.log.error({ err: error }, 'late telemetry sweep failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
