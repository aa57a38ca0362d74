// The background sweeps' shared timer (src/server/periodic-sweep.ts), on fake timers: one
// pass at a time, a failure logged and the next pass tried, close() stops and waits.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPeriodicSweep } from '../../src/server/periodic-sweep.js';

describe('startPeriodicSweep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs one pass per interval, never two at once; logs a failure and tries again; close waits', async () => {
    const errors: string[] = [];
    const log = { error: (_: unknown, message: string) => errors.push(message) } as never;
    let passes = 0;
    let finish: (() => void) | undefined;
    const sweep = startPeriodicSweep({ log }, 'test sweep', 1000, async () => {
      passes++;
      if (passes === 1) throw new Error('boom');
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(passes).toBe(1);
    expect(errors).toEqual(['test sweep failed']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(passes).toBe(2);
    // The second pass is still running: the next ticks let it go by.
    await vi.advanceTimersByTimeAsync(3000);
    expect(passes).toBe(2);
    let closed = false;
    const closing = sweep.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    finish!();
    await closing;
    expect(closed).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(passes).toBe(2);
  });
});
