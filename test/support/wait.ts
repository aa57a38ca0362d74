// Waiting for something another component does in its own time (a broker delivering, a
// background reload): poll a probe until it yields, with ONE explicit, generous deadline. The
// deadline bounds a hang; it is never what a test asserts, so a slow machine only makes a test
// slower, and a failure names what was awaited and the last thing the probe saw.

/** How long a test waits for an effect before failing (a loaded machine can stall for seconds). */
export const EFFECT_DEADLINE_MS = 5 * 60_000;

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { deadlineMs?: number; everyMs?: number; seen?: () => unknown } = {},
): Promise<T> {
  const deadlineMs = options.deadlineMs ?? EFFECT_DEADLINE_MS;
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      const seen = options.seen ? `; last seen: ${JSON.stringify(options.seen())}` : '';
      throw new Error(`waited ${deadlineMs} ms for ${what}${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 25));
  }
}
