import type { Clock, KeySupply, PooledKey, Store } from '../app/ports.ts';
import type { GeneratedKeyPair } from './generate-key-pair.ts';
import { fairKeyShare, keyReserve, KeyShareLedger } from './key-share.ts';

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
  /** Who took how many ready keys lately (the fair share, see claimShare). */
  readonly #ledger = new KeyShareLedger();
  /** Callers beyond their share, each waiting for `remaining` more keys to be generated. */
  #fresh: Array<{ remaining: number; resolve: () => void }> = [];
  /** Generations under way that were started for those callers. */
  #freshInFlight = 0;
  /** Keys of other lengths asked for by supply(), and the loop making them. */
  readonly #otherOwed = new Map<number, number>();
  #otherRunning: Promise<void> | null = null;

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
    // Nobody is left waiting on a generation that will not come; they find the pool as it is.
    for (const waiter of this.#fresh.splice(0)) waiter.resolve();
    await this.#idle;
    await this.#otherRunning;
  }

  /**
   * Called before an account takes `count` ready keys (issue 14, finding 5): within its fair share
   * (fairKeyShare of the target per KEY_SHARE_WINDOW_MS) it goes ahead at once; beyond it, it goes
   * ahead only while the pool keeps its reserve for the others (keyReserve), and otherwise first
   * waits until `count` keys have been generated, so that what it takes is made good. Per account,
   * whatever the region. In memory, per process: each node of a shared store keeps its own ledger.
   */
  async claimShare(accountId: string, count: number): Promise<void> {
    const now = this.#options.clock.now();
    const target = this.#options.target;
    const over = this.#ledger.recent(accountId, now) + count > fairKeyShare(target);
    this.#ledger.record(accountId, count, now);
    if (!over || this.#stopped) return;
    const ready = await this.#store.countPoolKeys(this.bits);
    if (ready - count >= keyReserve(target)) return;
    await new Promise<void>((resolve) => {
      this.#fresh.push({ remaining: count, resolve });
      void this.#refill();
    });
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
    // Keys owed to callers beyond their share are made whatever the pool holds (they wait for new ones).
    let owed = this.#fresh.reduce((sum, f) => sum + f.remaining, 0) - this.#freshInFlight;
    while (!this.#stopped && this.#inFlight < this.#options.concurrency && (owed > 0 || this.#known + this.#inFlight < want)) {
      this.#launch(owed > 0);
      owed -= 1;
    }
  }

  #launch(fresh: boolean): void {
    if (this.#inFlight === 0) {
      this.#idle = new Promise((resolve) => (this.#settleIdle = resolve));
    }
    this.#inFlight += 1;
    if (fresh) this.#freshInFlight += 1;
    void this.#generateOne().then((ok) => {
      this.#inFlight -= 1;
      if (fresh) this.#freshInFlight -= 1;
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
      this.#creditFresh();
      this.#wake();
      return true;
    } catch (err) {
      this.#options.onError?.(err);
      return false;
    }
  }

  /**
   * Makes sure `count` ready keys of `bits` will be in the pool, of any length (issue 16: a key ring
   * whose NextSigningKeyLength differs from the pool's standing length). Keys of the pool's own length
   * go through the refill above; others are generated here, one at a time, without a standing target:
   * a length change is rare, and each such key is taken by the ring that asked for it.
   */
  supply(bits: number, count: number): void {
    if (this.#stopped) return;
    if (bits === this.bits) {
      void this.waitForKeys(count).catch(() => {});
      return;
    }
    const owed = (this.#otherOwed.get(bits) ?? 0) + count;
    this.#otherOwed.set(bits, owed);
    if (this.#otherRunning) return;
    this.#otherRunning = this.#generateOthers().finally(() => (this.#otherRunning = null));
  }

  async #generateOthers(): Promise<void> {
    for (const [bits, owed] of this.#otherOwed) {
      // What the pool already holds counts: another process may have made it, or a ring not yet taken it.
      const ready = await this.#store.countPoolKeys(bits).catch(() => 0);
      for (let made = ready; made < owed && !this.#stopped; made++) {
        try {
          const pair = await this.#options.generate(bits);
          await this.#store.addPoolKeys([
            { bits, publicKey: pair.publicKey, sealedPrivateKey: this.#options.seal(pair), createdAt: this.#options.clock.now() },
          ]);
          this.#generated += 1;
        } catch (err) {
          this.#options.onError?.(err);
          break;
        }
      }
      this.#otherOwed.delete(bits);
    }
  }

  /** One more key exists: the first caller beyond its share is one key nearer to going ahead. */
  #creditFresh(): void {
    const first = this.#fresh[0];
    if (first === undefined) return;
    first.remaining -= 1;
    if (first.remaining <= 0) {
      this.#fresh.shift();
      first.resolve();
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
