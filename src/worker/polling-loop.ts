import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollingLoopOptions {
  /** How long to rest when a round found less than a full batch (nothing more is due yet). */
  readonly pollMs: number;
  /** A round that did this much work runs again at once: more may be due. */
  readonly batchSize: number;
  readonly onError?: (err: unknown) => void;
  /**
   * The share of the event loop rounds that did work may keep busy (1, the default: no rest). After
   * such a round the loop rests restAfterRound(the loop's busy time during the round, dutyCycle).
   */
  readonly dutyCycle?: number;
}

/**
 * How long to rest after a round that kept the event loop busy for `busyMs`, so that rounds take at
 * most `dutyCycle` of it. The busy time is the whole loop's (performance.eventLoopUtilization):
 * DNS answers and API requests in between count too, so a worker yields more when the process is
 * busy serving, which is what must not wait.
 */
export function restAfterRound(busyMs: number, dutyCycle: number): number {
  const duty = Math.min(1, Math.max(0.01, dutyCycle));
  return (busyMs * (1 - duty)) / duty;
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
    const dutyCycle = this.#options.dutyCycle ?? 1;
    while (!this.#stopping) {
      let done = 0;
      const before = dutyCycle < 1 ? performance.eventLoopUtilization() : null;
      try {
        done = await this.#round(this.#wake.signal);
      } catch (err) {
        this.#options.onError?.(err);
      }
      // A timer rest, not a microtask: only a timer lets DNS queries and requests in between. One
      // rest, the longer of the duty cycle's and, after a round short of a batch, pollMs.
      const duty = before !== null && done > 0 ? restAfterRound(performance.eventLoopUtilization(before).active, dutyCycle) : 0;
      const short = done < this.#options.batchSize;
      if ((short || duty >= 1) && !this.#stopping) await this.rest(Math.max(duty, short ? this.#options.pollMs : 0));
    }
  }
}
