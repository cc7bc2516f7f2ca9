import type { DkimKey, Identity } from './identity.ts';

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
