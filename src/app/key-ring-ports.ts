import type { KeyLengthHistory, RingKey, RingSettings, RingStep, Scope } from '../core/index.ts';

/** A domain's key ring as stored: its keys (one per token, in position order) and its settings. */
export interface StoredRing {
  readonly identityId: number;
  readonly scope: Scope;
  readonly domain: string;
  readonly keys: readonly (RingKey & { readonly position: number })[];
  readonly settings: RingSettings & KeyLengthHistory;
  /** When a key was last generated for this domain (SES's LastKeyGenerationTimestamp). */
  readonly lastGeneratedAt: number;
}

/** What one advance of a ring did. */
export type RingAdvance =
  /** The step was applied in one transaction; `ring` is the ring as it was before it. */
  | { readonly kind: 'applied'; readonly step: Exclude<RingStep, { kind: 'idle' }>; readonly ring: StoredRing }
  /** Nothing to do until `dueAt` (written as the ring's due time). */
  | { readonly kind: 'idle'; readonly dueAt: number | null }
  /** A regeneration found no ready key of that length in the pool: nothing was written. */
  | { readonly kind: 'pool_short'; readonly bits: number }
  /** The identity (or its keys) is gone. */
  | { readonly kind: 'gone' };

/**
 * Persistence of the key rings. Every change is one transaction that first takes the ring's row for
 * writing, so two workers (processes, nodes) advancing one ring run one after the other, and each
 * decides on what the other committed.
 */
export interface KeyRingStore {
  /** Rings whose due time has come, oldest first. */
  dueRings(now: number, limit: number): Promise<number[]>;
  /**
   * In one transaction: reads the ring, asks `decide` for the step, applies it (a regeneration takes a
   * key of the step's length from the pool; the key-zone feed's triggers carry the new public key)
   * and writes the ring's next due time (now after a step, so that the next step is looked at at once).
   */
  advanceRing(identityId: number, now: number, decide: (ring: StoredRing) => RingStep): Promise<RingAdvance>;
  /** The ring of a domain identity, or null if it has no keys. */
  ringOf(scope: Scope, domain: string): Promise<StoredRing | null>;
  /** Asks for a rotation (due at once). False if the domain has no keys. */
  requestRotation(scope: Scope, domain: string, now: number): Promise<boolean>;
  /**
   * Sets NextSigningKeyLength and asks for a rotation, in one transaction after `check` (SES's rules,
   * which may throw) approved the change against the stored history. False if the domain has no keys.
   */
  setNextKeyLength(scope: Scope, domain: string, bits: number, now: number, check: (history: KeyLengthHistory) => void): Promise<boolean>;
}
