import { DomainError } from './errors.ts';
import type { KeyState } from './status.ts';

/**
 * The signing-key ring behind a domain's three stable tokens (issue 16). Each token holds one key with
 * a role: `active` signs, `next` is published and waits, `previous` stopped signing and stays published
 * so that mail in transit still verifies. A rotation makes the next key active (only once DNS has
 * served it for at least the record's TTL, so no resolver can miss it), the active key previous, and
 * later regenerates the token whose key retired longest ago (once its retention is over) as the new
 * next key. Tokens never change, so the customer's CNAMEs never do.
 *
 * Everything here is a pure function of the ring, the settings and the clock: the store applies each
 * step in one transaction, so a crash between steps leaves a ring this function can continue from.
 */

/** One token's key as the ring sees it. Times are milliseconds since the epoch. */
export interface RingKey {
  readonly token: string;
  readonly bits: number;
  readonly state: KeyState;
  /** When this key's row was committed, i.e. when the zone's change feed carried it. */
  readonly publishedAt: number;
  /** When it last became the signing key; null if it never signed. */
  readonly activatedAt: number | null;
  /** When it stopped signing; null if it never signed or still signs. */
  readonly retiredAt: number | null;
}

/** A domain's ring settings (SES's NextSigningKeyLength, and a rotation asked for). */
export interface RingSettings {
  /** The length of the next key to be generated (SES: NextSigningKeyLength). */
  readonly nextBits: number;
  /** A rotation asked for (on demand, or by a key length change) and not yet done. */
  readonly rotateRequestedAt: number | null;
}

export interface RingPolicy {
  /** TTL of the key records: a key signs only after DNS served it this long (resolvers' caches). */
  readonly ttlMs: number;
  /**
   * How long after its commit a key may still be missing from a DNS server's cache (the change feed's
   * cross-process bound, ARCHITECTURE.md: about 100 ms, stated and tested as 1 s).
   */
  readonly feedLagMs: number;
  /** How long a retired key stays published after its last signature (mail in transit). */
  readonly retentionMs: number;
  /** Scheduled rotation (`--key-rotation-interval`): the active key's age that asks for one; null = off. */
  readonly intervalMs: number | null;
}

/** TTL of the key zone's records unless configured (dns/key-zone.ts): what a next key waits before it signs. */
export const DEFAULT_KEY_TTL_S = 3600;
export const DEFAULT_KEY_RETENTION_MS = 4 * 24 * 3600_000;
/** ARCHITECTURE.md "The key zone in DNS": changes from another process show within 1 s. */
export const KEY_FEED_LAG_MS = 1000;

/** What the ring should do now. */
export type RingStep =
  /** Put a fresh key of `bits` behind `token` (which must not hold the active key); it becomes next. */
  | { readonly kind: 'regenerate'; readonly token: string; readonly bits: number }
  /** The next key becomes active; the active key becomes previous. */
  | { readonly kind: 'activate'; readonly token: string }
  /** Nothing now; look again at `dueAt` (null: only when something changes). */
  | { readonly kind: 'idle'; readonly dueAt: number | null };

/** When a next key may start signing: once served for a full TTL (plus the feed's lag). */
export function servedLongEnoughAt(key: RingKey, policy: RingPolicy): number {
  return key.publishedAt + policy.feedLagMs + policy.ttlMs;
}

/** Whether the ring wants its active key replaced. */
export function rotationWanted(keys: readonly RingKey[], settings: RingSettings, now: number, policy: RingPolicy): boolean {
  const active = keys.find((k) => k.state === 'active');
  if (active === undefined) return true;
  if (settings.rotateRequestedAt !== null) return true;
  if (active.bits !== settings.nextBits) return true;
  return policy.intervalMs !== null && (active.activatedAt ?? active.publishedAt) + policy.intervalMs <= now;
}

/**
 * The ring's next step. Regeneration first, since activation needs a next key of the right length:
 * - a next key of the wrong length (NextSigningKeyLength changed) is replaced at once: it never signed;
 * - with no next key, the previous key that retired longest ago (or never signed) is replaced once its
 *   retention is over: it may still verify mail in transit until then;
 * - a wanted rotation activates the next key once it has been served for a TTL.
 */
export function nextRingStep(keys: readonly RingKey[], settings: RingSettings, now: number, policy: RingPolicy): RingStep {
  const dues: number[] = [];
  const next = keys.find((k) => k.state === 'next');
  if (next !== undefined && next.bits !== settings.nextBits) return { kind: 'regenerate', token: next.token, bits: settings.nextBits };
  if (next === undefined) {
    const oldest = keys
      .filter((k) => k.state === 'previous')
      .sort((a, b) => (a.retiredAt ?? Number.NEGATIVE_INFINITY) - (b.retiredAt ?? Number.NEGATIVE_INFINITY))[0];
    if (oldest !== undefined) {
      const freeAt = oldest.retiredAt === null ? now : oldest.retiredAt + policy.retentionMs;
      if (freeAt <= now) return { kind: 'regenerate', token: oldest.token, bits: settings.nextBits };
      dues.push(freeAt);
    }
  }
  if (next !== undefined) {
    if (rotationWanted(keys, settings, now, policy)) {
      const readyAt = servedLongEnoughAt(next, policy);
      if (readyAt <= now) return { kind: 'activate', token: next.token };
      dues.push(readyAt);
    } else if (policy.intervalMs !== null) {
      const active = keys.find((k) => k.state === 'active');
      if (active !== undefined) dues.push((active.activatedAt ?? active.publishedAt) + policy.intervalMs);
    }
  }
  return { kind: 'idle', dueAt: dues.length > 0 ? Math.min(...dues) : null };
}

/** The one signing key of a ring, or null if the ring is broken (no key, or more than one, active). */
export function activeKeyOf<K extends { readonly state: KeyState }>(keys: readonly K[]): K | null {
  const active = keys.filter((k) => k.state === 'active');
  return active.length === 1 ? active[0]! : null;
}

export const KEY_LENGTHS = [1024, 2048] as const;
const DAY_MS = 24 * 3600_000;

/** When the next key length was last changed (SES's "once per 24 hours" rule). */
export interface KeyLengthHistory {
  readonly nextBits: number;
  readonly lengthChangedAt: number | null;
  /** When it was last changed down to 1024 (the rule's one exception per period). */
  readonly downgradedAt: number | null;
}

/**
 * SES's rules for NextSigningKeyLength (send-email-authentication-dkim-easy.md): "You can't switch to
 * the same key length as is already configured." "You can't switch to a different key length more
 * than once in a 24 hour period (unless it's the first downgrade to 1024 in that period)." SES words
 * a violation as invalid input (400 BadRequestException).
 */
export function checkKeyLengthChange(history: KeyLengthHistory, bits: number, now: number): void {
  if (!(KEY_LENGTHS as readonly number[]).includes(bits)) throw new DomainError('invalid_parameter', `Invalid key length: ${bits}.`);
  if (bits === history.nextBits) {
    throw new DomainError('invalid_parameter', `The key length is already RSA_${bits}_BIT: you can't switch to the same key length as is already configured.`);
  }
  const recentChange = history.lengthChangedAt !== null && now - history.lengthChangedAt < DAY_MS;
  if (!recentChange) return;
  const firstDowngrade = bits === 1024 && (history.downgradedAt === null || now - history.downgradedAt >= DAY_MS);
  if (!firstDowngrade) {
    throw new DomainError(
      'invalid_parameter',
      "You can't switch to a different key length more than once in a 24 hour period (unless it's the first downgrade to 1024 in that period).",
    );
  }
}
