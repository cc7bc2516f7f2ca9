import { DomainError, checkKeyLengthChange, nextRingStep, normalizeDomain, type RingPolicy, type Scope, type ToAscii } from '../core/index.ts';
import type { KeyRingStore, RingAdvance, StoredRing } from './key-ring-ports.ts';
import type { Clock } from './ports.ts';
import type { ZoneChangeListener } from './zone-change-listener.ts';

/** A change of a key's role, for the log and /metrics (issue 16, item 5). */
export interface KeyRingEvent {
  readonly kind: 'generated' | 'activated' | 'retired';
  readonly scope: Scope;
  readonly domain: string;
  readonly token: string;
  readonly bits: number;
  readonly at: number;
}

/** What the ring use cases are given by the composition root. */
export interface KeyRingDeps {
  readonly rings: KeyRingStore;
  readonly clock: Clock;
  readonly policy: RingPolicy;
  /** Asks the key pool for ready keys of a length (generation starts; the caller does not wait). */
  readonly wantKeys: (bits: number, count: number) => void;
  /** This process's DNS caches, told after a key was replaced so they drop the old one at once. */
  readonly zoneChanges?: ZoneChangeListener;
  readonly onEvent?: (event: KeyRingEvent) => void;
  readonly toAscii?: ToAscii;
}

/** Steps one ring may take in a row (regenerate, activate, regenerate): beyond, it waits for its due time. */
const MAX_STEPS_PER_RING = 4;

/**
 * Advances one ring until it has nothing to do now; each step is its own transaction (see
 * KeyRingStore.advanceRing), so a crash between two leaves a ring the next call continues from.
 * Returns the steps applied.
 */
export async function advanceKeyRing(deps: KeyRingDeps, identityId: number): Promise<number> {
  let applied = 0;
  for (let i = 0; i < MAX_STEPS_PER_RING; i++) {
    const now = deps.clock.now();
    const result = await deps.rings.advanceRing(identityId, now, (ring) => nextRingStep(ring.keys, ring.settings, now, deps.policy));
    if (result.kind === 'pool_short') {
      deps.wantKeys(result.bits, 1);
      break;
    }
    if (result.kind !== 'applied') break;
    applied++;
    await report(deps, result, now);
  }
  return applied;
}

async function report(deps: KeyRingDeps, result: Extract<RingAdvance, { kind: 'applied' }>, now: number): Promise<void> {
  const { ring, step } = result;
  const event = (kind: KeyRingEvent['kind'], token: string, bits: number) =>
    deps.onEvent?.({ kind, scope: ring.scope, domain: ring.domain, token, bits, at: now });
  if (step.kind === 'regenerate') {
    // The new public key is on the change feed; this process's DNS drops the old one now.
    await deps.zoneChanges?.keyZoneChanged();
    event('generated', step.token, step.bits);
    return;
  }
  const retired = ring.keys.find((k) => k.state === 'active');
  const activated = ring.keys.find((k) => k.token === step.token)!;
  event('activated', activated.token, activated.bits);
  if (retired) event('retired', retired.token, retired.bits);
}

/** The worker's round: advances every ring that is due. Returns how many rings were looked at. */
export async function advanceDueKeyRings(deps: KeyRingDeps, limit: number): Promise<number> {
  const due = await deps.rings.dueRings(deps.clock.now(), limit);
  for (const id of due) await advanceKeyRing(deps, id);
  return due.length;
}

/**
 * `signet dkim rotate DOMAIN`: a rotation on demand (after a suspected leak, say). The next key signs
 * as soon as DNS has served it for a TTL, at once if it has; the old key stays published for the
 * retention period, as for a scheduled rotation, so mail in transit still verifies.
 */
export async function rotateDomainKeys(deps: KeyRingDeps, scope: Scope, domainInput: string): Promise<KeyRingReport> {
  const domain = deps.toAscii ? normalizeDomain(domainInput, deps.toAscii) : domainInput;
  if (!(await deps.rings.requestRotation(scope, domain, deps.clock.now()))) {
    throw new DomainError('identity_not_found', `Domain ${domain} has no DKIM keys.`);
  }
  const ring = await deps.rings.ringOf(scope, domain);
  if (ring !== null) await advanceKeyRing(deps, ring.identityId);
  const after = (await deps.rings.ringOf(scope, domain)) ?? ring!;
  return keyRingReport(after, deps.clock.now());
}

/** A ring as `signet dkim rotate` and the doctor show it: each token's key role, length and age (never a key). */
export interface KeyRingReport {
  readonly domain: string;
  readonly nextKeyLength: number;
  /** A rotation asked for and not yet done (the next key waits to have been served for a TTL). */
  readonly rotationPending: boolean;
  readonly lastKeyGeneration: string;
  readonly keys: readonly {
    readonly token: string;
    readonly role: string;
    readonly bits: number;
    readonly publishedAt: string;
    /** Seconds since the key was published. */
    readonly ageSeconds: number;
    readonly activatedAt: string | null;
    readonly retiredAt: string | null;
  }[];
}

export function keyRingReport(ring: StoredRing, now: number): KeyRingReport {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    domain: ring.domain,
    nextKeyLength: ring.settings.nextBits,
    rotationPending: ring.settings.rotateRequestedAt !== null,
    lastKeyGeneration: new Date(ring.lastGeneratedAt).toISOString(),
    keys: ring.keys.map((k) => ({
      token: k.token,
      role: k.state,
      bits: k.bits,
      publishedAt: new Date(k.publishedAt).toISOString(),
      ageSeconds: Math.max(0, Math.floor((now - k.publishedAt) / 1000)),
      activatedAt: iso(k.activatedAt),
      retiredAt: iso(k.retiredAt),
    })),
  };
}

/**
 * SES's NextSigningKeyLength (PutEmailIdentityDkimSigningAttributes, AWS_SES): the next key is
 * generated at this length and signs once DNS has served it for a TTL. SES's rules apply
 * (core/key-ring.ts checkKeyLengthChange). False if the domain has no keys.
 */
export async function setNextSigningKeyLength(deps: KeyRingDeps, scope: Scope, domain: string, bits: number): Promise<boolean> {
  const now = deps.clock.now();
  const changed = await deps.rings.setNextKeyLength(scope, domain, bits, now, (history) => checkKeyLengthChange(history, bits, now));
  if (!changed) return false;
  deps.wantKeys(bits, 1);
  const ring = await deps.rings.ringOf(scope, domain);
  if (ring !== null) await advanceKeyRing(deps, ring.identityId);
  return true;
}
