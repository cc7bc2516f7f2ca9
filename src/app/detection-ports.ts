import type { DkimDetectionState, DkimRecordVerdict, DnsLookup, Scope, VerificationStatus } from '../core/index.ts';

/**
 * DNS lookups as the detection worker and the doctor need them. Implementations never throw for DNS
 * outcomes: NXDOMAIN, NODATA, SERVFAIL, timeouts come back as typed errors in the result.
 */
export interface Resolver {
  /** CNAME targets at `name` (one, normally). */
  cname(name: string): Promise<DnsLookup>;
  /** TXT records at `name`, each one's character-strings joined (RFC 6376 §3.6.2.2, RFC 7208 §3.3). */
  txt(name: string): Promise<DnsLookup>;
  /** MX records at `name`, each as `PRIORITY EXCHANGE` (custom MAIL FROM domains). */
  mx(name: string): Promise<DnsLookup>;
}

/** One domain identity whose DNS records a check looks at, as claimed from the store. */
export interface DetectionTarget {
  readonly identityId: number;
  readonly scope: Scope;
  readonly domain: string;
  /** The DKIM tokens in position order; empty when VerifyDomainDkim was never called. */
  readonly tokens: readonly string[];
  readonly verificationToken: string | null;
  readonly verificationStatus: VerificationStatus;
  /** When the identity was created: the start of domain verification. */
  readonly createdAt: number;
  /** DKIM detection so far; `startedAt` is when the tokens were created unless restarted. */
  readonly dkim: DkimDetectionState;
}

/** What one check found about one record, kept per record in the store. */
export interface RecordCheckResult {
  /** The record's name: `TOKEN._domainkey.DOMAIN` or `_amazonses.DOMAIN`. */
  readonly name: string;
  readonly type: 'CNAME' | 'TXT';
  readonly verdict: DkimRecordVerdict | 'found' | 'not_found';
  readonly observed: string;
}

/** The result of one check, written back in one step with the claim released. */
export interface CheckCompletion {
  readonly identityId: number;
  readonly checkedAt: number;
  /** The DKIM status the check started from: a concurrent change (VerifyDomainDkim again) wins over it. */
  readonly previousDkimStatus: VerificationStatus;
  /** Null when the identity has no DKIM tokens (only its verification TXT was checked). */
  readonly dkim: (DkimDetectionState & { readonly nextCheckAt: number | null }) | null;
  readonly verificationStatus: VerificationStatus;
  /** The earliest next check of either kind; null when there is nothing left to look for. */
  readonly nextCheckAt: number | null;
  readonly records: readonly RecordCheckResult[];
}

/** The last result kept for one record. */
export interface StoredRecordCheck extends RecordCheckResult {
  readonly checkedAt: number;
  /** How many checks have looked at this record so far. */
  readonly checks: number;
}

/**
 * What detection needs from persistence, beside the main Store. Claims make sure that two workers
 * (two processes, or two nodes on one PostgreSQL) never check the same identity at once: a claim is a
 * lease until `now + leaseMs`, released by `completeChecks`, and taken over only once it has expired.
 */
export interface DetectionStore {
  /**
   * Claims up to `limit` domain identities that are due: never checked yet, next check time reached,
   * or whose DKIM status was changed by someone else since the last check (VerifyDomainDkim again).
   */
  claimDueChecks(now: number, limit: number, leaseMs: number): Promise<DetectionTarget[]>;
  /** Claims one named domain now, due or not (dev controls, manual checks). Null if absent or claimed. */
  claimDomain(scope: Scope, domain: string, now: number, leaseMs: number): Promise<DetectionTarget | null | 'claimed'>;
  /** Writes the checks' results and releases their claims, all in one transaction. */
  completeChecks(completions: readonly CheckCompletion[]): Promise<void>;
  /** The last kept result of each record of a domain. */
  getRecordChecks(scope: Scope, domain: string): Promise<StoredRecordCheck[]>;
  /**
   * Every account's identities counted by kind and status, and the checks overdue: due more than
   * `overdueAfterMs` before `now` and held by no worker (`/metrics`, `signet admin status`).
   */
  overview(now: number, overdueAfterMs: number): Promise<DetectionOverview>;
}

export interface DetectionOverview {
  /** Identities by kind (`Domain`, `EmailAddress`) and verification status. */
  readonly verification: ReadonlyArray<{ readonly kind: string; readonly status: string; readonly count: number }>;
  /** Domain identities by DKIM status. */
  readonly dkim: ReadonlyArray<{ readonly status: string; readonly count: number }>;
  /** BYODKIM keys by their own detection status (issue 16 item 4). */
  readonly external: ReadonlyArray<{ readonly status: string; readonly count: number }>;
  readonly overdue: number;
  /**
   * How long the store's own reads of these counts took, in ms (not a thread's start or a wait for a
   * connection): what they cost the store, which grows with it (`/metrics` keeps a costly one a while).
   */
  readonly readMs: number;
}

/** One status an identity moved from and to in a check (issue 19, item 3: never invisible again). */
export interface DetectionStatusChange {
  readonly scope: Scope;
  readonly domain: string;
  /** Which status changed: DKIM detection, the domain's verification, or its BYODKIM key's. */
  readonly kind: 'dkim' | 'verification' | 'external';
  readonly from: string;
  readonly to: string;
  /** Why, in words (core/detection-events.ts). */
  readonly reason: string;
  /** Each record looked at and its verdict. */
  readonly records: ReadonlyArray<{ readonly name: string; readonly type: string; readonly verdict: string }>;
}

/**
 * Told about every detection check once its result is written: metrics and the log line of a status
 * change live at the edge, the use case only reports.
 */
export interface DetectionObserver {
  /** A check written: its DKIM outcome (null when it had no tokens) and how long its lookups took. */
  checked(outcome: string | null, seconds: number): void;
  statusChanged(change: DetectionStatusChange): void;
}

/** A token's public key, as the DNS server publishes it. */
export interface PublishedKey {
  readonly token: string;
  /** Base64 DER SubjectPublicKeyInfo. */
  readonly publicKey: string;
}

/** What changed in the key zone after a point of its change sequence. */
export interface KeyZoneChanges {
  /** The sequence number these changes bring the reader to. */
  readonly seq: number;
  /** Tokens whose key was added, replaced or removed, oldest first (a token may repeat). */
  readonly tokens: readonly string[];
  /**
   * True when the kept changes no longer reach back to the point asked about (the reader fell too
   * far behind): anything cached from the zone must be dropped.
   */
  readonly reset: boolean;
}

/**
 * The key zone's contents, and its change feed: a sequence number that every change of a key
 * (creation, deletion, replacement) bumps in the transaction that makes it, whichever process or
 * node runs it. A DNS server may cache keys only because it follows this feed (see KeyZoneCache).
 */
export interface DnsKeyStore {
  findKey(token: string): Promise<PublishedKey | null>;
  /**
   * The keys of those tokens that exist, in any order, in one round trip: the DNS cache reads the
   * misses of one event-loop turn together where a lookup is a network round trip (PostgreSQL).
   */
  findKeys(tokens: readonly string[]): Promise<PublishedKey[]>;
  /**
   * The same point lookup, answered synchronously, where the engine can do it in microseconds
   * without a round trip (SQLite: a prepared statement on a read-only connection of its own, which
   * sees only committed transactions); absent where a lookup is a network round trip (PostgreSQL).
   * The DNS server's cache reads a key it does not hold through this when it can: at a million
   * domains most uniform questions miss a bounded cache, and an asynchronous read per miss on the
   * one DNS event loop held it to a tenth of NSD's rate (issue 17).
   */
  readonly findKeyNow?: (token: string) => PublishedKey | null;
  /**
   * With `findKeyNow`: lookups made after this call see every transaction committed before it. The
   * synchronous lookups of one turn of the event loop share one read snapshot (begun at the first,
   * ended when the turn ends), because beginning and ending a read transaction costs SQLite more than
   * the lookup itself. The DNS cache calls this when it applies the change feed, so that no lookup
   * from a snapshot older than the feed's position puts back a key the feed has just dropped.
   */
  readonly refreshKeyReads?: () => void;
  /**
   * Where the engine reads findKeys' batches by a means of its own that fails over to a slower one
   * (SQLite's key read thread, which falls back to the store's connection on the event loop): starts
   * it now rather than at the first miss, and tells `onTrouble` of each failure that findKeys hides
   * from its callers by answering anyway, so that an operator hears of a DNS server on its slow path.
   * Returns what stops the telling. The DNS cache calls it at start unless it reads misses at once.
   */
  readonly startKeyReads?: (onTrouble: (err: Error) => void) => () => void;
  /**
   * One page of the published keys, in the order the store keeps them (creation order): at most
   * `limit`, the first ones after the position `after` (0: from the start), and the position of the
   * page's last key to ask for the next. Paged, never whole: at platform scale the zone is millions
   * of keys, more than a process should hold; and in storage order, because a walk in token order
   * reads the keys at random (issue 17: 9 s per 50,000 keys of a 3M-key zone).
   */
  listKeys(after: number, limit: number): Promise<{ keys: PublishedKey[]; last: number }>;
  /**
   * The most recently created keys, newest first, at most `limit`, created before the position
   * `before` (omitted: the newest of all); `last` is the position of the page's oldest key, to ask
   * for the next page. What the DNS cache loads after it starts, a page at a time. Read in the order
   * the store keeps them, so its cost is the page's, whatever the zone's size (a page in token order
   * is a random read per key: 9 s for 50,000 keys of a 3M-key zone, issue 17).
   */
  recentKeys(limit: number, before?: number): Promise<{ keys: PublishedKey[]; last: number }>;
  /** The change sequence now (0 before the first change). */
  keyZoneSeq(): Promise<number>;
  /** The changes after `seq`, at most `limit` of them (more follow when `seq` comes back lower than `keyZoneSeq`). */
  keyZoneChangesSince(seq: number, limit: number): Promise<KeyZoneChanges>;
  /**
   * Every change after `seq` with what it did, oldest first, up to the sequence now (at most `limit`
   * of them: when more were made, null). Null too when the kept history no longer reaches back to
   * `seq` (pruned, or written before the journal recorded values): the reader must start afresh.
   */
  keyZoneJournal(seq: number, limit: number): Promise<KeyZoneJournalEntry[] | null>;
  /** The whole zone at one sequence number, consistent even while keys change (for AXFR). */
  keyZoneSnapshot(): Promise<KeyZoneSnapshot>;
}

/** One change of the key zone: the record of `token` added with, or deleted with, `publicKey`. */
export interface KeyZoneJournalEntry {
  readonly seq: number;
  readonly token: string;
  readonly op: 'add' | 'delete';
  readonly publicKey: string;
}

export interface KeyZoneSnapshot {
  readonly seq: number;
  /** In token order. */
  readonly keys: readonly PublishedKey[];
}

/** One record of the dev-mode sandbox zone, which the detection resolver consults first in `--dev`. */
export interface SandboxRecord {
  readonly name: string;
  readonly type: 'CNAME' | 'TXT' | 'MX';
  /** For MX: `PRIORITY EXCHANGE`. */
  readonly value: string;
}

/** Dev mode only: records that exist for the detection resolver without any real DNS. */
export interface SandboxStore {
  publish(records: readonly SandboxRecord[]): Promise<void>;
  /** Removes every sandbox record at these names. */
  unpublish(names: readonly string[]): Promise<void>;
  lookup(name: string, type: 'CNAME' | 'TXT' | 'MX'): Promise<{ exists: boolean; values: string[] }>;
}
