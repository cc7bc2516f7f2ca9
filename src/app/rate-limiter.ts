/** Decides whether a call may go ahead now; one bucket per key (account and region). */
export interface RateLimiter {
  /** In memory for one node; in the database when several nodes share the limit. */
  tryTake(key: string): boolean | Promise<boolean>;
}

export interface TokenBucketOptions {
  /** Calls per second, refilled continuously. */
  readonly ratePerSecond: number;
  /** The most calls that may go at once after a quiet spell. */
  readonly burst: number;
  readonly now: () => number;
}

/**
 * Token buckets, one per key. SES limits the identity operations to one call per second per account
 * ("You can execute this operation no more than once per second"), answering `Throttling`; the
 * default burst of 1 and rate of 1 reproduce that. Idle buckets are dropped so that memory stays
 * bounded by the accounts active in the last few seconds.
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly #options: TokenBucketOptions;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #lastSweep = 0;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
    this.#options = options;
  }

  tryTake(key: string): boolean {
    const now = this.#options.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#options.burst, at: now };
    bucket.tokens = Math.min(this.#options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#options.ratePerSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #sweep(now: number): void {
    // A bucket idle long enough to be full again carries no state worth keeping.
    const full = (this.#options.burst / this.#options.ratePerSecond) * 1000;
    if (now - this.#lastSweep < full) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) if (now - bucket.at > full) this.#buckets.delete(key);
  }
}
