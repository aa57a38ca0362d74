// The recall runtime: the sweep that settles software remedies (docs/recalls.md "Remedies"). A
// unit is remedied once its robot has the remedy's software_update and, at or after it, a
// signed telemetry batch attesting that version; the attestation arrives by ingest, which this
// sweep follows without touching the ingest path. Started and closed by the composition root
// like the health runtime; a failed pass is logged and the next one tries again (settling is
// idempotent: a remedied unit is never settled twice).
import type { AppContext } from '../../app-context.js';
import { settleRecalls } from './recall-service.js';

export interface RecallRuntime {
  close(): Promise<void>;
}

/** How often the sweep runs. */
export const RECALL_SWEEP_MS = 60_000;

export function startRecallRuntime(ctx: AppContext, intervalMs = RECALL_SWEEP_MS): RecallRuntime {
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return;
    running = settleRecalls(ctx)
      .then((remedied) => {
        if (remedied > 0) ctx.log.info({ remedied }, 'recall units remedied');
      })
      .catch((error: unknown) => ctx.log.error({ err: error }, 'recall sweep failed'))
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
