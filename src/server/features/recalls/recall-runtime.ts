// The recall runtime: the sweep that settles software remedies (docs/recalls.md "Remedies"). A
// unit is remedied once its robot has the remedy's software_update and, at or after it, a
// signed telemetry batch attesting that version; the attestation arrives by ingest, which this
// sweep follows without touching the ingest path. Started and closed by the composition root
// like the health runtime; a failed pass is logged and the next one tries again (settling is
// idempotent: a remedied unit is never settled twice).
import type { AppContext } from '../../app-context.js';
import { type PeriodicSweep, startPeriodicSweep } from '../../periodic-sweep.js';
import { settleRecalls } from './recall-service.js';

export type RecallRuntime = PeriodicSweep;

/** How often the sweep runs. */
export const RECALL_SWEEP_MS = 60_000;

export function startRecallRuntime(ctx: AppContext, intervalMs = RECALL_SWEEP_MS): RecallRuntime {
  return startPeriodicSweep(ctx, 'recall sweep', intervalMs, async () => {
    const remedied = await settleRecalls(ctx);
    if (remedied > 0) ctx.log.info({ remedied }, 'recall units remedied');
  });
}
