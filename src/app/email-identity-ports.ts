import type { DkimRecordVerdict, MailFromSettings, Scope } from '../core/index.ts';

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

/** A domain's Easy DKIM tokens with what GetEmailIdentity reports of their keys (never the keys themselves). */
export interface DomainKeys {
  /** In position order, as Store.getDkimTokens gives them. */
  readonly tokens: readonly string[];
  /** Bits of the key that signs now. */
  readonly currentBits: number;
  /** Bits of the next key to be generated (SES's NextSigningKeyLength, the key ring's setting). */
  readonly nextBits: number;
  /** When the newest of the domain's keys was made theirs (ms). */
  readonly lastGeneratedAt: number;
}

/** An identity's v2 details with when detection last looked at it, read in one go. */
export interface IdentityDescription {
  readonly details: IdentityDetails;
  /** The last check (ms), or null when none has run (addresses are never checked). */
  readonly lastCheckedAt: number | null;
  /** The last time every DKIM record was found (ms), or null. */
  readonly lastFoundAt: number | null;
  /** The verdict the last check kept per record (domains; none before the first check). */
  readonly records: readonly RecordVerdict[];
  /** The custom MAIL FROM set-up (GetEmailIdentity's MailFromAttributes); null when never set. */
  readonly mailFrom: MailFromSettings | null;
}

/** The verdict kept per record by the detection worker's last check of a domain. */
export interface RecordVerdict {
  readonly type: 'CNAME' | 'TXT';
  readonly verdict: DkimRecordVerdict | 'found' | 'not_found';
}

/**
 * The persistence the SES v2 identity use cases need beside the main Store, shaped so that
 * GetEmailIdentity costs as many round trips as v1's GetIdentityDkimAttributes. Implementations must
 * pass test/email-identity-store-contract.ts on every engine.
 */
export interface EmailIdentityStore {
  /** Replaces the identity's details; false when there is no such identity. */
  putDetails(scope: Scope, name: string, details: IdentityDetails): Promise<boolean>;
  /** The empty details and no checks when the identity has none kept (or does not exist); one query. */
  describe(scope: Scope, name: string): Promise<IdentityDescription>;
  /** Null when the domain has no keys. */
  domainKeys(scope: Scope, domain: string): Promise<DomainKeys | null>;
}

export const NO_DETAILS: IdentityDetails = { tags: [], configurationSetName: null };
