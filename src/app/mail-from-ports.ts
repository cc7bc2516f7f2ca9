import type { BehaviorOnMxFailure, MailFromDetectionState, MailFromMxVerdict, MailFromSettings, MailFromSpfVerdict, Scope } from '../core/index.ts';

/** What SetIdentityMailFromDomain writes: a domain (null to switch the custom domain off) and the behaviour. */
export interface MailFromChange {
  readonly mailFromDomain: string | null;
  readonly behaviorOnMxFailure: BehaviorOnMxFailure;
}

/** One identity's MAIL FROM domain claimed for a check. */
export interface MailFromTarget {
  readonly identityId: number;
  readonly scope: Scope;
  /** The identity (domain or address) the MAIL FROM domain belongs to. */
  readonly identity: string;
  readonly mailFromDomain: string;
  readonly state: MailFromDetectionState;
}

/** The result of one check, written back with the claim released. */
export interface MailFromCompletion {
  readonly identityId: number;
  /** The domain and start the check was about: a completion for a set-up changed meanwhile is dropped. */
  readonly mailFromDomain: string;
  readonly startedAt: number;
  readonly checkedAt: number;
  readonly state: MailFromDetectionState;
  readonly nextCheckAt: number | null;
  readonly mx: { readonly verdict: MailFromMxVerdict; readonly observed: string };
  readonly spf: { readonly verdict: MailFromSpfVerdict; readonly observed: string };
}

/** What the last check found at a MAIL FROM domain (for operators and the doctor). */
export interface MailFromRecordsSeen {
  readonly checkedAt: number;
  readonly mx: { readonly verdict: MailFromMxVerdict; readonly observed: string };
  readonly spf: { readonly verdict: MailFromSpfVerdict; readonly observed: string };
}

/**
 * Custom MAIL FROM domains: the settings per identity (any identity, domain or address), their
 * detection state, and claims on the checks, which work as detection's do (a lease until
 * `now + leaseMs`, taken over only once expired; SKIP LOCKED on PostgreSQL, the single writer on
 * SQLite). Rows go with their identity. Implementations must pass test/mail-from-store-contract.ts.
 */
export interface MailFromStore {
  /**
   * Writes an identity's set-up; false when there is no such identity. A new or changed domain (or
   * one that had `Failed`) starts detection over: `Pending`, due at once. The same domain again keeps
   * its status and only takes the new behaviour.
   */
  put(scope: Scope, identity: string, change: MailFromChange, now: number): Promise<boolean>;
  /** The set-ups of those identities that have one (identities never set are absent). */
  get(scope: Scope, identities: readonly string[]): Promise<Map<string, MailFromSettings>>;
  /** The last check's verdicts; null before the first check or without a domain. */
  lastRecords(scope: Scope, identity: string): Promise<MailFromRecordsSeen | null>;
  /** Claims up to `limit` MAIL FROM domains whose next check is due. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<MailFromTarget[]>;
  /** Claims one identity's MAIL FROM domain now, due or not; null without one, 'claimed' when held. */
  claimIdentity(scope: Scope, identity: string, now: number, leaseMs: number): Promise<MailFromTarget | null | 'claimed'>;
  /** Writes the results and releases the claims in one transaction. */
  complete(completions: readonly MailFromCompletion[]): Promise<void>;
}
