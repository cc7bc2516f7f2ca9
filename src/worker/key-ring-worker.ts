import { advanceKeyRing, type KeyRingDeps } from '../app/key-ring.ts';
import { PollingLoop, type PollingLoopOptions } from './polling-loop.ts';

export interface KeyRingWorkerOptions extends PollingLoopOptions {
  /** How long to rest when no ring is due (dev mode's clock moves are seen within it). */
  readonly pollMs: number;
  /**
   * The share of the process's time rotations may take (default 0.1). Each step is a transaction
   * whose commit waits for the disk (SQLite's synchronous=FULL, on the event loop): 10,000 domains
   * rotating at once would otherwise hold DNS answers and sends for minutes (bench/key-rotation.ts).
   * After each ring the worker rests in proportion to the time it took; rotations are never urgent
   * (a next key waits a TTL anyway).
   */
  readonly dutyCycle?: number;
}

/**
 * The key-ring loop (issue 16): advances every ring whose due time has come (a rotation asked for or
 * scheduled, a key to activate once served for a TTL, a retired key whose retention is over). Several
 * workers (processes, nodes) may run it on one store: each step locks its ring's row.
 */
export class KeyRingWorker {
  readonly #deps: KeyRingDeps;
  readonly #options: KeyRingWorkerOptions;
  readonly #loop: PollingLoop;

  constructor(deps: KeyRingDeps, options: KeyRingWorkerOptions) {
    this.#deps = deps;
    this.#options = options;
    // Paced here, ring by ring (see dutyCycle), not by the loop's rounds.
    this.#loop = new PollingLoop(() => this.#round(), { ...options, dutyCycle: 1 });
  }

  start(): void {
    this.#loop.start();
  }

  /** Stops after the ring under way is written. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** Advances the due rings one at a time, resting after each (see dutyCycle). */
  async #round(): Promise<number> {
    const due = await this.#deps.rings.dueRings(this.#deps.clock.now(), this.#options.batchSize);
    const duty = Math.min(1, Math.max(0.01, this.#options.dutyCycle ?? 0.1));
    for (const id of due) {
      if (this.#loop.stopping) break;
      const started = performance.now();
      await advanceKeyRing(this.#deps, id);
      // A timer, not a microtask: the store's promises resolve at once, so only a timer lets DNS
      // queries and requests in between.
      const rest = ((performance.now() - started) * (1 - duty)) / duty;
      await this.#loop.rest(Math.max(1, rest));
    }
    return due.length;
  }
}
