import { setTimeout as sleep } from 'node:timers/promises';
import { advanceDueKeyRings, type KeyRingDeps } from '../app/key-ring.ts';

export interface KeyRingWorkerOptions {
  /** How long to rest when no ring is due (dev mode's clock moves are seen within it). */
  readonly pollMs: number;
  readonly batchSize: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * The key-ring loop (issue 16): advances every ring whose due time has come (a rotation asked for or
 * scheduled, a key to activate once served for a TTL, a retired key whose retention is over). Several
 * workers (processes, nodes) may run it on one store: each step locks its ring's row.
 */
export class KeyRingWorker {
  readonly #deps: KeyRingDeps;
  readonly #options: KeyRingWorkerOptions;
  readonly #wake = new AbortController();
  #running: Promise<void> | null = null;
  #stopping = false;

  constructor(deps: KeyRingDeps, options: KeyRingWorkerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops after the ring under way is written. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      let looked = 0;
      try {
        looked = await advanceDueKeyRings(this.#deps, this.#options.batchSize);
      } catch (err) {
        this.#options.onError?.(err);
      }
      if (looked < this.#options.batchSize && !this.#stopping) {
        await sleep(this.#options.pollMs, undefined, { signal: this.#wake.signal }).catch(() => {});
      }
    }
  }
}
