// A service made on first use and closed once by its owner: for services that cost threads or
// sockets to start, which many contexts (tests, benchmarks, `audit`) never use.
import { PlatformError } from '../core/errors.js';

export class OnDemand<T extends { close(): Promise<void> }> {
  readonly #make: () => T;
  readonly #name: string;
  #value: T | undefined;
  #closed = false;

  constructor(name: string, make: () => T) {
    this.#name = name;
    this.#make = make;
  }

  /** The service, made now if it was not yet; refused once closed (the platform is stopping). */
  get(): T {
    if (this.#closed) throw new PlatformError('NOT_READY', `${this.#name} is shutting down`);
    this.#value ??= this.#make();
    return this.#value;
  }

  /** Whether the service was made (and so holds resources). */
  get started(): boolean {
    return this.#value !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#value?.close();
  }
}
