import type { DkimRecordVerdict, Scope } from '../core/index.ts';

/** A resource tag as SES v2 keeps it (TagResource rules: key 1-128, value 0-256 characters). */
export interface IdentityTag {
  readonly key: string;
  readonly value: string;
}

/** What SES v2 keeps per identity beside DKIM: CreateEmailIdentity's `Tags` and `ConfigurationSetName`. */
export interface IdentityDetails {
  readonly tags: readonly IdentityTag[];
  readonly configurationSetName: string | null;
}

/** The keys behind a domain's tokens, as GetEmailIdentity reports them (never the keys themselves). */
export interface DomainKeyFacts {
  /** Bits of the key that signs now. */
  readonly currentBits: number;
  /** When the newest of the domain's keys was made theirs (ms). */
  readonly lastGeneratedAt: number;
}

/** What the detection worker last found about a domain's records, for GetEmailIdentity's VerificationInfo. */
export interface VerificationChecks {
  /** The last check of any record (ms), or null when none has run yet. */
  readonly lastCheckedAt: number | null;
  /** The last time every DKIM record was found (ms), or null. */
  readonly lastFoundAt: number | null;
  /** The verdict kept per record by the last check. */
  readonly records: readonly { readonly type: 'CNAME' | 'TXT'; readonly verdict: DkimRecordVerdict | 'found' | 'not_found' }[];
}

/**
 * The persistence the SES v2 identity use cases need beside the main Store. Implementations must pass
 * test/email-identity-store-contract.ts on every engine.
 */
export interface EmailIdentityStore {
  /** Replaces the identity's details; false when there is no such identity. */
  putDetails(scope: Scope, name: string, details: IdentityDetails): Promise<boolean>;
  /** The details of an identity; the empty details when it has none kept (or does not exist). */
  getDetails(scope: Scope, name: string): Promise<IdentityDetails>;
  /** Null when the domain has no keys. */
  domainKeyFacts(scope: Scope, domain: string): Promise<DomainKeyFacts | null>;
  verificationChecks(scope: Scope, domain: string): Promise<VerificationChecks>;
}

export const NO_DETAILS: IdentityDetails = { tags: [], configurationSetName: null };
