import type { Clock } from '../../src/app/ports.ts';

/** 2026-01-01T00:00:00Z: a fixed start, so that dates in outputs are the same on every run. */
export const TEST_EPOCH = Date.UTC(2026, 0, 1);

/**
 * The Clock port for tests: stands still until moved. It moves forward only, as the service clock
 * does (`OffsetClock`): the detection lifecycle relies on time never running backwards.
 */
export class TestClock implements Clock {
  #now: number;

  constructor(start = TEST_EPOCH) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): this {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('the test clock only moves forward');
    this.#now += ms;
    return this;
  }

  /** Moves to an absolute time, not before the current one. */
  set(ms: number): this {
    return this.advance(ms - this.#now);
  }
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
