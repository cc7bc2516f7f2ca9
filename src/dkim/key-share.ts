/**
 * How many ready keys one account may take from the shared pool per window before it must wait for
 * keys generated for it: a quarter of the pool's target, at least one domain's three. The pool is
 * shared by every account, and without a share one account creating domains in a loop would empty
 * it, leaving every other account waiting on RSA generation (issue 14, finding 5).
 */
export const KEY_SHARE_WINDOW_MS = 60_000;

export function fairKeyShare(poolTarget: number): number {
  return Math.max(3, Math.floor(poolTarget / 4));
}

/**
 * The ready keys an account over its share must leave for the others: half the target. Until the
 * pool falls to it, an account beyond its share still takes ready keys, so that one account alone
 * (the common case) is slowed only when it would otherwise empty the pool.
 */
export function keyReserve(poolTarget: number): number {
  return Math.ceil(poolTarget / 2);
}

/** Keys taken from the pool per account over a sliding window; memory bounded by the accounts active in it. */
export class KeyShareLedger {
  readonly #windowMs: number;
  readonly #takes = new Map<string, { at: number; count: number }[]>();
  static readonly MAX_ACCOUNTS = 10_000;

  constructor(windowMs: number = KEY_SHARE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Keys `account` took within the window ending at `now`. */
  recent(account: string, now: number): number {
    const takes = this.#live(account, now);
    return takes.reduce((sum, t) => sum + t.count, 0);
  }

  record(account: string, count: number, now: number): void {
    if (this.#takes.size >= KeyShareLedger.MAX_ACCOUNTS && !this.#takes.has(account)) this.#prune(now);
    const takes = this.#live(account, now);
    takes.push({ at: now, count });
    this.#takes.set(account, takes);
  }

  #live(account: string, now: number): { at: number; count: number }[] {
    const takes = (this.#takes.get(account) ?? []).filter((t) => t.at > now - this.#windowMs);
    if (takes.length === 0) this.#takes.delete(account);
    else this.#takes.set(account, takes);
    return takes;
  }

  #prune(now: number): void {
    for (const account of [...this.#takes.keys()]) this.#live(account, now);
    // Still full of active accounts: forget the oldest entries rather than grow without bound.
    while (this.#takes.size >= KeyShareLedger.MAX_ACCOUNTS) this.#takes.delete(this.#takes.keys().next().value!);
  }
}
