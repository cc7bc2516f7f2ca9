import type { Clock } from '../app/ports.ts';

/**
 * The service clock of dev mode: the system time plus an offset that only grows, so that tests can
 * move a domain through the 72-hour window and grace period in seconds (`/_signet/clock`).
 */
export class OffsetClock implements Clock {
  #offsetMs = 0;
  readonly #base: Clock;

  constructor(base: Clock = { now: () => Date.now() }) {
    this.#base = base;
  }

  now(): number {
    return this.#base.now() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Moves the clock forward; time never runs backwards, which the lifecycle relies on. */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('the clock only moves forward');
    this.#offsetMs += ms;
  }
}
