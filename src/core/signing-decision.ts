import type { DkimKey, Identity } from './identity.ts';
import type { VerificationStatus } from './status.ts';

/** Why a message leaves without its domain's signature (the kinds are counted and logged apart). */
export type UnsignedKind = 'not_verified' | 'disabled' | 'unsignable';

export type SigningDecision<K extends DkimKey> =
  | { readonly sign: true; readonly key: K }
  | { readonly sign: false; readonly kind: UnsignedKind; readonly reason: string };

/**
 * May a message whose From domain is `domain` be signed, and with which key? SES's Easy DKIM promise:
 * a domain's own signature only once its DKIM status is Success and while DKIM signing is enabled
 * ("Amazon SES signs ... after the DKIM status is Success"), and only with one of that domain's own
 * active keys; never a key of another domain.
 */
export function signingDecision<K extends DkimKey & { readonly domain: string }>(
  domain: string,
  identity: Identity | undefined,
  keys: readonly K[],
): SigningDecision<K> {
  if (identity === undefined || identity.kind !== 'Domain' || identity.dkimStatus !== 'Success') {
    return { sign: false, kind: 'not_verified', reason: `DKIM for ${domain} is ${identity?.kind === 'Domain' ? identity.dkimStatus : 'NotStarted'}` };
  }
  if (!identity.dkimEnabled) return { sign: false, kind: 'disabled', reason: `DKIM signing is disabled for ${domain}` };
  const key = keys.find((k) => k.state === 'active' && k.domain === domain);
  if (key === undefined) return { sign: false, kind: 'unsignable', reason: `cannot sign for ${domain}: no active DKIM key for ${domain}` };
  return { sign: true, key };
}

/** SES's SigningAttributesOrigin as far as signing goes: Easy DKIM or Bring Your Own DKIM. */
export type DkimSigningMethod = 'AWS_SES' | 'EXTERNAL';

/** Where each method stands for a domain; null when the domain has none of that kind. */
export interface SigningMethods {
  /** The method the customer asked for last (PutEmailIdentityDkimSigningAttributes / CreateEmailIdentity). */
  readonly chosen: DkimSigningMethod;
  /** Easy DKIM's detection status (the three CNAMEs); null when the domain has no Easy DKIM tokens. */
  readonly easy: VerificationStatus | null;
  /** The external key's detection status (its selector's TXT); null when no external key was given. */
  readonly external: VerificationStatus | null;
}

/**
 * Which method signs a domain's mail now (issue 16 item 4). SES switches at once and leaves mail
 * unsigned until the new method is verified ("Easy DKIM to BYODKIM ... your emails will not be DKIM
 * signed" until the status is Success). Signet keeps signing with the method that is verified until
 * the chosen one reaches Success, then switches: never a gap. Null: neither is verified.
 */
export function signingMethod(methods: SigningMethods): DkimSigningMethod | null {
  const statusOf = (m: DkimSigningMethod): VerificationStatus | null => (m === 'AWS_SES' ? methods.easy : methods.external);
  if (statusOf(methods.chosen) === 'Success') return methods.chosen;
  const other: DkimSigningMethod = methods.chosen === 'AWS_SES' ? 'EXTERNAL' : 'AWS_SES';
  if (statusOf(other) === 'Success') return other;
  return null;
}
