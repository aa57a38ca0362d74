// Signature checks on worker threads (piscina), so both cores verify while the main thread
// serves HTTP and MQTT. Checks are sent in groups: a batch waits at most one turn of the event
// loop, and one message between threads carries up to `groupSize` of them, which keeps the
// per-message cost of crossing threads off the per-batch budget.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { BatchCheckInput, BatchCheckResult } from './batch-check.js';

export interface VerifierPoolOptions {
  /** Worker threads; default: one per core. */
  threads?: number;
  /** Most batches in one message to a worker. */
  groupSize?: number;
}

interface PendingCheck {
  input: BatchCheckInput;
  resolve(result: BatchCheckResult): void;
  reject(error: unknown): void;
}

/** The worker module: compiled JavaScript in dist/, TypeScript through tsx when run from src/. */
function workerModule(): { filename: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    return { filename: new URL('./verify-worker.ts', import.meta.url).href, execArgv: ['--import', 'tsx'] };
  }
  return { filename: new URL('./verify-worker.js', import.meta.url).href, execArgv: [] };
}

export class VerifierPool {
  readonly #pool: Piscina;
  readonly #groupSize: number;
  #pending: PendingCheck[] = [];
  #scheduled = false;
  #closed = false;

  constructor(options: VerifierPoolOptions = {}) {
    // One verifier per core: the checks are most of the CPU an ingested batch costs, and the
    // main thread mostly waits on sockets. (One fewer, leaving a core to the main thread, was
    // measured 20-30% slower on 2 cores: bench/ingest-http.ts.)
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const { filename, execArgv } = workerModule();
    this.#pool = new Piscina({
      filename,
      execArgv,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      // The ingest queue bounds what is in flight; the pool's own queue stays unbounded.
    });
    this.#groupSize = options.groupSize ?? 64;
  }

  get threads(): number {
    return this.#pool.threads.length;
  }

  check(input: BatchCheckInput): Promise<BatchCheckResult> {
    if (this.#closed) return Promise.reject(new Error('the verifier pool is closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      if (this.#pending.length >= this.#groupSize) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#pending.length > 0) {
      // Split evenly over the threads when there is less than a full group per thread.
      const perThread = Math.ceil(this.#pending.length / Math.max(1, this.#pool.options.maxThreads));
      const group = this.#pending.splice(0, Math.min(this.#groupSize, Math.max(1, perThread)));
      this.#pool.run(group.map((p) => p.input)).then(
        (results: BatchCheckResult[]) => {
          for (let i = 0; i < group.length; i++) group[i]!.resolve(results[i]!);
        },
        (error: unknown) => {
          for (const p of group) p.reject(error);
        },
      );
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#flush();
    await this.#pool.close({ force: false }).catch(() => this.#pool.destroy());
  }
}
