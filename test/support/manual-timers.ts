// Time that moves only when a test says so: a clock and timers for the seams that take them
// (the checkpointer's `timers`, the context's `clock`). Unlike Vitest's fake timers it replaces
// no global, so the database drivers keep their real timers while the code under test waits on
// these. `advance` runs every timer that falls due, in order, and awaits what each returns.
export class ManualTimers {
  #nowMs: number;
  #nextId = 1;
  readonly #pending = new Map<number, { dueMs: number; callback: () => unknown }>();

  constructor(startMs = Date.UTC(2030, 0, 1)) {
    this.#nowMs = startMs;
  }

  get nowMs(): number {
    return this.#nowMs;
  }

  /** The clock seam: a Date of the manual time. */
  readonly clock = (): Date => new Date(this.#nowMs);

  setTimeout = (callback: () => unknown, delayMs: number): number => {
    const id = this.#nextId++;
    this.#pending.set(id, { dueMs: this.#nowMs + delayMs, callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#pending.delete(handle as number);
  };

  /** The delays, from now, of the timers still pending. */
  pendingDelays(): number[] {
    return [...this.#pending.values()].map((t) => t.dueMs - this.#nowMs).sort((a, b) => a - b);
  }

  /** Moves time on by `ms`, running (and awaiting) each timer when its time comes. */
  async advance(ms: number): Promise<void> {
    const end = this.#nowMs + ms;
    for (;;) {
      let next: [number, { dueMs: number; callback: () => unknown }] | undefined;
      for (const entry of this.#pending) {
        if (entry[1].dueMs <= end && (!next || entry[1].dueMs < next[1].dueMs)) next = entry;
      }
      if (!next) break;
      this.#pending.delete(next[0]);
      this.#nowMs = next[1].dueMs;
      await next[1].callback();
    }
    this.#nowMs = end;
  }
}
