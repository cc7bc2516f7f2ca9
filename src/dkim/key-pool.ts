import type { Clock, KeySupply, PooledKey, Store } from '../app/ports.ts';
import type { GeneratedKeyPair } from './generate-key-pair.ts';

export interface KeyPoolOptions {
  readonly bits: number;
  /** How many ready keys to keep in the store; 0 generates only on demand. */
  readonly target: number;
  /** Key generations running at once; each occupies one thread-pool thread. */
  readonly concurrency: number;
  readonly generate: (bits: number) => Promise<GeneratedKeyPair>;
  /** Seals a private key for storage; it never leaves this module in the clear. */
  readonly seal: (pair: GeneratedKeyPair) => string;
  readonly clock: Clock;
  readonly onError?: (err: unknown) => void;
}

const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Keeps a pool of ready DKIM key pairs in the store, refilled in the background. RSA-2048 generation
 * costs about 0.2 s of CPU, far beyond a request's budget, so VerifyDomainDkim only takes finished keys;
 * when the pool is short it waits here (see waitForKeys) and this pool generates what is asked for.
 */
export class KeyPool implements KeySupply {
  readonly bits: number;
  readonly #store: Store;
  readonly #options: KeyPoolOptions;
  #inFlight = 0;
  /** Keys callers are waiting for beyond the standing target. */
  #demand = 0;
  #waiters: Array<() => void> = [];
  #running = false;
  #stopped = false;
  #known = 0;
  #generated = 0;
  #idle: Promise<void> = Promise.resolve();
  #settleIdle: (() => void) | null = null;

  constructor(store: Store, options: KeyPoolOptions) {
    this.#store = store;
    this.#options = options;
    this.bits = options.bits;
  }

  /** Starts filling the pool up to its target. */
  start(): void {
    this.#running = true;
    void this.#refill();
  }

  /** Stops generating; resolves when the generations under way have been stored. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#running = false;
    await this.#idle;
  }

  /** Keys ready in the pool when last counted. */
  get size(): number {
    return this.#known;
  }

  /** Keys this process generated and stored in the pool since it started (none is ever dropped). */
  get generated(): number {
    return this.#generated;
  }

  async waitForKeys(count: number): Promise<void> {
    if (this.#stopped) throw new Error('the key pool is stopped');
    this.#demand += count;
    try {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        void this.#refill();
      });
    } finally {
      this.#demand -= count;
    }
  }

  async #refill(): Promise<void> {
    if (this.#stopped) return;
    try {
      this.#known = await this.#store.countPoolKeys(this.bits);
    } catch (err) {
      this.#options.onError?.(err);
      return;
    }
    const want = (this.#running ? this.#options.target : 0) + this.#demand;
    // Someone may be waiting on keys that are already there (added by another process, or counted late).
    if (this.#known >= this.#demand && this.#demand > 0) this.#wake();
    while (!this.#stopped && this.#inFlight < this.#options.concurrency && this.#known + this.#inFlight < want) {
      this.#launch();
    }
  }

  #launch(): void {
    if (this.#inFlight === 0) {
      this.#idle = new Promise((resolve) => (this.#settleIdle = resolve));
    }
    this.#inFlight += 1;
    void this.#generateOne().then((ok) => {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) this.#settleIdle?.();
      // After a failure (store unavailable, say), look again a little later rather than spin.
      if (ok) void this.#refill();
      else setTimeout(() => void this.#refill(), RETRY_AFTER_FAILURE_MS).unref();
    });
  }

  async #generateOne(): Promise<boolean> {
    try {
      const pair = await this.#options.generate(this.bits);
      const key: PooledKey = {
        bits: this.bits,
        publicKey: pair.publicKey,
        sealedPrivateKey: this.#options.seal(pair),
        createdAt: this.#options.clock.now(),
      };
      await this.#store.addPoolKeys([key]);
      this.#known += 1;
      this.#generated += 1;
      this.#wake();
      return true;
    } catch (err) {
      this.#options.onError?.(err);
      return false;
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
