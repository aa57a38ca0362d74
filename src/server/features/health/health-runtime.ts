// The health runtime: the sweep that assesses robots reporting telemetry and raises the
// advisories their projections call for (docs/health.md "Advisories"). Started and closed by
// the composition root like the incident runtime; a failed sweep is logged and the next one
// tries again (raising is idempotent: one open advisory per robot, kind and component).
import type { AppContext } from '../../app-context.js';
import { type PeriodicSweep, startPeriodicSweep } from '../../periodic-sweep.js';
import { type SweepResult, sweepHealth } from './health-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs one health sweep now (features/index.ts decorates the app with it). */
    healthSweep: () => Promise<SweepResult>;
  }
}

export type HealthRuntime = PeriodicSweep;

/** How often the sweep runs. */
export const HEALTH_SWEEP_MS = 5 * 60_000;

export function startHealthRuntime(ctx: AppContext, intervalMs = HEALTH_SWEEP_MS): HealthRuntime {
  return startPeriodicSweep(ctx, 'health sweep', intervalMs, async () => {
    const { assessed, raised } = await sweepHealth(ctx);
    if (raised > 0) ctx.log.info({ assessed, raised }, 'health advisories raised');
  });
}
