import type { IdentityKind } from './identity-name.ts';
import type { KeyState, VerificationStatus } from './status.ts';

/** Identities belong to one account in one region, as in SES. */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

/** An identity as the use cases see it. Times are milliseconds since the epoch. */
export interface Identity {
  readonly name: string;
  readonly kind: IdentityKind;
  readonly verificationStatus: VerificationStatus;
  /** Domains only: the TXT value for `_amazonses.DOMAIN`. */
  readonly verificationToken: string | null;
  /** Domains: true once VerifyDomainDkim ran, unless switched off. Addresses: off until switched on. */
  readonly dkimEnabled: boolean;
  /** NotStarted until VerifyDomainDkim (domains); addresses borrow their domain's. */
  readonly dkimStatus: VerificationStatus;
  readonly createdAt: number;
}

/** One DKIM key pair behind one token. The private key stays encrypted outside the signer. */
export interface DkimKey {
  readonly token: string;
  readonly position: number;
  readonly bits: number;
  /** Base64 of the DER SubjectPublicKeyInfo, the `p=` value of the DKIM record (RFC 6376 §3.6.1). */
  readonly publicKey: string;
  readonly state: KeyState;
}

/** What GetIdentityDkimAttributes reports for one identity. */
export interface DkimAttributes {
  readonly dkimEnabled: boolean;
  readonly status: VerificationStatus;
  readonly tokens: readonly string[] | null;
}

/**
 * The DKIM attributes SES reports: a domain reports its own tokens and status; an address reports its
 * domain's, but only once DKIM is switched on for it (the AWS example shows `user@example.com` as
 * `DkimEnabled: false, NotStarted` beside a verified `example.com`). Without tokens there is nothing
 * to sign with, so DkimEnabled reads false and the status NotStarted.
 */
export function dkimAttributesOf(
  identity: Identity,
  ownTokens: readonly string[],
  domain: { identity: Identity; tokens: readonly string[] } | null,
): DkimAttributes {
  if (identity.kind === 'Domain') {
    if (ownTokens.length === 0) return { dkimEnabled: false, status: 'NotStarted', tokens: null };
    return { dkimEnabled: identity.dkimEnabled, status: identity.dkimStatus, tokens: ownTokens };
  }
  if (!identity.dkimEnabled || domain === null || domain.tokens.length === 0) {
    return { dkimEnabled: false, status: 'NotStarted', tokens: null };
  }
  return { dkimEnabled: true, status: domain.identity.dkimStatus, tokens: domain.tokens };
}
