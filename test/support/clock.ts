// A platform clock that runs with real time (the database and the other tests' timestamps
// stay plausible) until a test stops it: a test about a boundary relative to "now" (5 minutes
// ahead, tomorrow) freezes it, so the platform's now is the test's now however slow the machine.
export class StoppableClock {
  #stoppedAt: Date | undefined;

  /** The clock seam (ContextOptions.clock). */
  readonly now = (): Date => new Date(this.#stoppedAt ?? Date.now());

  /** Stops the clock at `at` (default: now) and returns that time. */
  stop(at: Date = new Date()): Date {
    this.#stoppedAt = new Date(at);
    return new Date(at);
  }

  /** Lets it run with real time again. */
  resume(): void {
    this.#stoppedAt = undefined;
  }

  /** Runs `work` with the clock stopped at now, passing that time; resumes afterwards. */
  async stopped<T>(work: (now: Date) => Promise<T>): Promise<T> {
    const now = this.stop();
    try {
      return await work(now);
    } finally {
      this.resume();
    }
  }
}
