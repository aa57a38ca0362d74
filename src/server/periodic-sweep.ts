// A periodic sweep of a background service (incident evidence, health advisories, recall
// remedies): one pass every interval, never two at once (a pass still running when the next
// tick comes lets it go by), a failed pass logged and the next one trying again (every sweep's
// work is idempotent). The timer does not keep the process alive; close() stops it and waits
// for a pass under way, so the composition root can close what the pass uses afterwards.
import type { AppContext } from './app-context.js';

export interface PeriodicSweep {
  close(): Promise<void>;
}

export function startPeriodicSweep(
  ctx: Pick<AppContext, 'log'>,
  name: string,
  intervalMs: number,
  pass: () => Promise<void>,
): PeriodicSweep {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = pass()
      .catch((error: unknown) => ctx.log.error({ err: error }, `${name} failed`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
