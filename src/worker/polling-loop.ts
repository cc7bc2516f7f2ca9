import { setTimeout as sleep } from 'node:timers/promises';

export interface PollingLoopOptions {
  /** How long to rest when a round found less than a full batch (nothing more is due yet). */
  readonly pollMs: number;
  /** A round that did this much work runs again at once: more may be due. */
  readonly batchSize: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * The loop every background worker runs: a round (claim what is due, do it, write it), again at once
 * while rounds come back full, a rest of `pollMs` otherwise. `stop()` wakes a resting loop and waits
 * for the round under way, so nothing is left half-written at shutdown. A round's error is reported
 * and the loop goes on: a store that is briefly unreachable must not end detection or rotation.
 */
export class PollingLoop {
  readonly #round: (signal: AbortSignal) => Promise<number>;
  readonly #options: PollingLoopOptions;
  readonly #wake = new AbortController();
  #running: Promise<void> | null = null;
  #stopping = false;

  /** `round` returns how much it did; `signal` aborts when the loop is stopping (rests inside a round end early). */
  constructor(round: (signal: AbortSignal) => Promise<number>, options: PollingLoopOptions) {
    this.#round = round;
    this.#options = options;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops after the round under way is written. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    await this.#running;
  }

  /** Rests `ms`, or less if the loop is stopped meanwhile. */
  async rest(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#wake.signal }).catch(() => {});
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      let done = 0;
      try {
        done = await this.#round(this.#wake.signal);
      } catch (err) {
        this.#options.onError?.(err);
      }
      if (done < this.#options.batchSize && !this.#stopping) await this.rest(this.#options.pollMs);
    }
  }
}
