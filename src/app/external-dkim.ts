import {
  DomainError,
  externalSelectorName,
  isValidSelector,
  judgeExternalKeyRecord,
  nextExternalKeyState,
  signingMethod,
  type ExternalKeyVerdict,
  type Identity,
  type Scope,
  type VerificationStatus,
} from '../core/index.ts';
import type { Resolver } from './detection-ports.ts';
import type { ExternalDkimStore, NewExternalKey, StoredExternalKey } from './external-dkim-ports.ts';
import type { Clock, StoredDkimKey } from './ports.ts';

/**
 * Reads and seals a customer's DomainSigningPrivateKey (an adapter: node:crypto and the secret box).
 * The reason, when refused, never holds the key.
 */
export interface ExternalKeyImporter {
  importKey(base64: string): { readonly ok: true; readonly key: Omit<NewExternalKey, 'selector'> } | { readonly ok: false; readonly reason: string };
}

/** Bring Your Own DKIM (issue 16 item 4); absent where it is not offered. */
export interface ExternalDkimDeps {
  readonly store: ExternalDkimStore;
  readonly importer: ExternalKeyImporter;
}

/**
 * PutEmailIdentityDkimSigningAttributes EXTERNAL (and CreateEmailIdentity's selector and key): checks
 * the selector and the key (SES: RSA 1024 to 2048 bits, PKCS#1 or PKCS#8, base64 DER), stores it sealed
 * and Pending, and makes EXTERNAL the chosen method. Nothing else changes: the Easy DKIM tokens and
 * keys stay, and keep signing until the external key reaches Success (core/signing-decision.ts).
 */
export async function setExternalSigningKey(
  deps: ExternalDkimDeps | undefined,
  clock: Clock,
  scope: Scope,
  domain: string,
  selector: string | undefined,
  privateKey: string | undefined,
): Promise<void> {
  const key = prepareExternalKey(deps, selector, privateKey);
  const stored = await deps!.store.putExternalKey(scope, domain, key, clock.now());
  if (!stored) throw new DomainError('identity_not_found', `Identity ${domain} does not exist.`);
}

/** Checks the selector and the key and seals the key; throws SES's BadRequestException (invalid_parameter) otherwise. */
export function prepareExternalKey(deps: ExternalDkimDeps | undefined, selector: string | undefined, privateKey: string | undefined): NewExternalKey {
  if (deps === undefined) throw new DomainError('not_supported', 'Bring Your Own DKIM is not available in this composition.');
  if (selector === undefined || privateKey === undefined) {
    throw new DomainError(
      'invalid_parameter',
      'Bring Your Own DKIM (SigningAttributesOrigin EXTERNAL) needs SigningAttributes with DomainSigningSelector and DomainSigningPrivateKey.',
    );
  }
  if (!isValidSelector(selector)) {
    throw new DomainError('invalid_parameter', 'DomainSigningSelector must be 1 to 63 letters, digits or inner hyphens (one DNS label).');
  }
  const imported = deps.importer.importKey(privateKey);
  if (!imported.ok) throw new DomainError('invalid_parameter', imported.reason);
  return { selector, ...imported.key };
}

/** Where the domain's DKIM stands as SES reports it: the chosen method, and the external key if that is it. */
export async function chosenExternalKey(deps: ExternalDkimDeps | undefined, scope: Scope, domain: string): Promise<StoredExternalKey | null> {
  if (deps === undefined) return null;
  if ((await deps.store.chosenMethod(scope, domain)) !== 'EXTERNAL') return null;
  return deps.store.externalKeyOf(scope, domain);
}

/**
 * The external key when it is the one to sign now: the Easy DKIM path decides otherwise (and signs
 * with the ring's active key, or not at all). DKIM signing must be on.
 */
export async function externalSigningKey(
  deps: ExternalDkimDeps | undefined,
  scope: Scope,
  domain: string,
  identity: Identity | undefined,
): Promise<StoredDkimKey | null> {
  if (deps === undefined || identity?.kind !== 'Domain' || !identity.dkimEnabled) return null;
  const external = await deps.store.externalKeyOf(scope, domain);
  if (external === null) return null;
  const chosen = await deps.store.chosenMethod(scope, domain);
  const method = signingMethod({ chosen, easy: identity.dkimStatus, external: external.status });
  if (method !== 'EXTERNAL') return null;
  // The selector stands where an Easy DKIM token does: the signer puts it in s= (RFC 6376 §3.5).
  return {
    domain,
    token: external.selector,
    position: 0,
    bits: external.bits,
    state: 'active',
    publicKey: external.publicKey,
    sealedPrivateKey: external.sealedPrivateKey,
  };
}

/** One check of an external key's TXT, as written and as the doctor shows it. */
export interface ExternalKeyCheck {
  readonly scope: Scope;
  readonly domain: string;
  readonly selector: string;
  readonly name: string;
  /** False when the key was replaced during the lookup: nothing was written. */
  readonly recorded: boolean;
  /** The status before the check, and after it. */
  readonly from: VerificationStatus;
  readonly status: VerificationStatus;
  readonly verdict: ExternalKeyVerdict;
  readonly observed: string;
}

/**
 * Looks up `SELECTOR._domainkey.DOMAIN TXT` and compares its p= with the key's public half. A match
 * is Success; a definite mismatch (missing, another key, malformed) is Pending, so that a key DNS no
 * longer serves stops signing, and Failed once that has lasted `windowMs` (SES: 72 hours); a resolver
 * error leaves the status as it was (no verdict). The step is core's nextExternalKeyState.
 */
export async function checkExternalKey(
  resolver: Resolver,
  store: ExternalDkimStore,
  key: StoredExternalKey,
  now: number,
  windowMs: number,
): Promise<ExternalKeyCheck> {
  const name = externalSelectorName(key.selector, key.domain);
  const judgement = judgeExternalKeyRecord(await resolver.txt(name), key.publicKey);
  const { status, unverifiedSince } = nextExternalKeyState(key, judgement.verdict, now, windowMs);
  const recorded = await store.recordExternalCheck(
    key.identityId,
    key.publicKey,
    { status, verdict: judgement.verdict, observed: judgement.observed, unverifiedSince },
    now,
  );
  return {
    recorded,
    scope: key.scope,
    domain: key.domain,
    selector: key.selector,
    name,
    from: key.status,
    status,
    verdict: judgement.verdict,
    observed: judgement.observed,
  };
}

/** How often a Pending external key is looked at again (SES searches for up to 72 hours). */
export const EXTERNAL_RECHECK_MS = 60_000;

/** The worker's pass: external keys neither Success nor Failed, not checked for a while. */
export async function runDueExternalChecks(
  resolver: Resolver,
  store: ExternalDkimStore,
  clock: Clock,
  limit: number,
  windowMs: number,
): Promise<ExternalKeyCheck[]> {
  const now = clock.now();
  const due = await store.pendingExternalKeys(now - EXTERNAL_RECHECK_MS, limit);
  return Promise.all(due.map((key) => checkExternalKey(resolver, store, key, now, windowMs)));
}

/**
 * DKIM attributes as SES reports them under BYODKIM: Tokens holds the selector and Status is the
 * external key's ("the selector that's associated with your public key"). Unchanged without one.
 */
export function withExternalKey<A extends { readonly status: VerificationStatus; readonly tokens: readonly string[] | null }>(
  attributes: A,
  external: StoredExternalKey | null,
): A {
  if (external === null || attributes.tokens === null) return attributes;
  return { ...attributes, status: external.status, tokens: [external.selector] };
}
