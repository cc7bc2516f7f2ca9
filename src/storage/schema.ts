import type { Generated } from 'kysely';

/** The tables, as Kysely sees them. Times are milliseconds since the epoch; flags are 0/1 integers. */
export interface Database {
  identities: IdentitiesTable;
  dkim_keys: DkimKeysTable;
  dkim_key_rings: DkimKeyRingsTable;
  external_dkim_keys: ExternalDkimKeysTable;
  key_pool: KeyPoolTable;
  accounts: AccountsTable;
  access_keys: AccessKeysTable;
  settings: SettingsTable;
  rate_buckets: RateBucketsTable;
  outbox_messages: OutboxMessagesTable;
  outbox_counts_by_minute: OutboxCountsByMinuteTable;
  email_verifications: EmailVerificationsTable;
  detection_checks: DetectionChecksTable;
  detection_record_results: DetectionRecordResultsTable;
  dev_sandbox_records: DevSandboxRecordsTable;
  key_zone_version: KeyZoneVersionTable;
  key_zone_changes: KeyZoneChangesTable;
  identity_details: IdentityDetailsTable;
  identity_mail_from: IdentityMailFromTable;
  identity_notifications: IdentityNotificationsTable;
  identity_policies: IdentityPoliciesTable;
}

/** Feedback notification settings per identity (migration 0010); flags 0/1. */
export interface IdentityNotificationsTable {
  identity_id: number;
  bounce_topic: string | null;
  complaint_topic: string | null;
  delivery_topic: string | null;
  forwarding_enabled: number;
  headers_in_bounce: number;
  headers_in_complaint: number;
  headers_in_delivery: number;
}

/** Sending authorization policies (migration 0010), as given. */
export interface IdentityPoliciesTable {
  identity_id: number;
  name: string;
  policy: string;
}

/** SES v2's tags and default configuration set per identity (migration 0007); tags as JSON text. */
export interface IdentityDetailsTable {
  identity_id: number;
  tags: string;
  configuration_set_name: string | null;
}

/** Custom MAIL FROM set-up and its detection state, one row per identity that has one (migration 0009). */
export interface IdentityMailFromTable {
  identity_id: number;
  mail_from_domain: string | null;
  behavior_on_mx_failure: string;
  status: string;
  started_at: number;
  last_found_at: number | null;
  grace_started_at: number | null;
  next_check_at: number | null;
  /** The claim's lease, as detection_checks.claimed_until. */
  claimed_until: number | null;
  last_checked_at: number | null;
  mx_verdict: string | null;
  mx_observed: string | null;
  spf_verdict: string | null;
  spf_observed: string | null;
}

export interface IdentitiesTable {
  id: Generated<number>;
  account_id: string;
  region: string;
  name: string;
  kind: string;
  verification_status: string;
  verification_token: string | null;
  dkim_enabled: number;
  dkim_status: string;
  created_at: number;
  /**
   * 1: detection has yet to enroll this domain or to see its DKIM status change (migration 0013);
   * set by the store's writers, cleared by the claim that handled it.
   */
  detection_dirty: Generated<number>;
}

export interface DkimKeysTable {
  id: Generated<number>;
  identity_id: number;
  token: string;
  position: number;
  bits: number;
  public_key: string;
  sealed_private_key: string;
  state: string;
  created_at: number;
  /** Migration 0011: when the key (its public half) was committed, when it last began and stopped signing. */
  published_at: number | null;
  activated_at: number | null;
  retired_at: number | null;
}

/** The key ring's settings and schedule per domain with keys (migration 0011, core/key-ring.ts). */
export interface DkimKeyRingsTable {
  identity_id: number;
  next_bits: number;
  last_generated_at: number;
  length_changed_at: number | null;
  downgraded_at: number | null;
  rotate_requested_at: number | null;
  due_at: number | null;
}

export interface ExternalDkimKeysTable {
  identity_id: number;
  selector: string;
  public_key: string;
  sealed_private_key: string;
  bits: number;
  status: string;
  verdict: string | null;
  observed: string | null;
  /** 1 when the customer chose EXTERNAL last; 0 after switching back to AWS_SES. */
  chosen_external: number;
  created_at: number;
  checked_at: number | null;
  /** Since when the key has not been served right (migration 0015); null while Success. */
  unverified_since: number | null;
}

export interface KeyPoolTable {
  id: Generated<number>;
  bits: number;
  public_key: string;
  sealed_private_key: string;
  created_at: number;
}

export interface AccountsTable {
  account_id: string;
  created_at: number;
  /** 1: out of SES's sandbox (migration 0008). */
  production_access: number;
}

export interface AccessKeysTable {
  access_key_id: string;
  account_id: string;
  sealed_secret: string;
  created_at: number;
}

/** Detection's schedule and lifecycle state, one row per domain identity (migration 0002). */
export interface DetectionChecksTable {
  identity_id: number;
  dkim_started_at: number;
  dkim_last_found_at: number | null;
  dkim_grace_started_at: number | null;
  /** The identity's dkim_status as detection last wrote or saw it (see migration 0002). */
  dkim_status_seen: string;
  next_check_at: number | null;
  /** The claim's lease: held until then by one worker; null when free. */
  claimed_until: number | null;
  last_checked_at: number | null;
}

/** The last result of each checked record. */
export interface DetectionRecordResultsTable {
  identity_id: number;
  name: string;
  type: string;
  verdict: string;
  observed: string;
  checked_at: number;
  checks: Generated<number>;
}

/** Dev mode's sandbox zone. */
export interface DevSandboxRecordsTable {
  name: string;
  type: string;
  value: string;
}

/** One row (id 1): the key zone's change sequence, bumped by triggers on dkim_keys. */
export interface KeyZoneVersionTable {
  id: number;
  seq: number;
}

/** The recent changes of the key zone: which token's key was added, replaced or removed, in order. */
export interface KeyZoneChangesTable {
  seq: number;
  token: string;
  /** 'add' or 'delete' (migration 0012); null in rows written before it. */
  op: string | null;
  /** The key added, or the key deleted (migration 0012); null in rows written before it. */
  public_key: string | null;
}

/** Every message sent (migration 0005); JSON text in recipients, simple_parts and tags. */
export interface OutboxMessagesTable {
  id: Generated<number>;
  message_id: string;
  account_id: string;
  region: string;
  kind: string;
  source: string;
  envelope_from: string;
  recipients: string;
  recipient_count: number;
  subject: string;
  simple_parts: string | null;
  tags: string;
  raw_base64: string;
  signing_domain: string | null;
  selector: string | null;
  unsigned_reason: string | null;
  created_at: number;
  hidden: number;
  delivery_status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  delivered_at: number | null;
  /** JSON of the mailbox simulator's outcomes (migration 0008); null when no recipient was one. */
  simulated: string | null;
}

/**
 * The outbox's messages counted per account, region and minute (migration 0020), added to as each is
 * kept: the daily quota and GetSendStatistics read these instead of every message.
 */
export interface OutboxCountsByMinuteTable {
  account_id: string;
  region: string;
  /** created_at / 60,000, rounded down. */
  minute: number;
  /** Recipients the daily quota counts: every message's, the mailbox simulator's left out. */
  recipients: number;
  /** Messages other than Signet's own verification mail (GetSendStatistics leaves it out). */
  messages: number;
  /** Those messages' recipients: GetSendStatistics' delivery attempts. */
  attempts: number;
  /** Those of them in messages the relay gave up on: GetSendStatistics' bounces. */
  failed: number;
}

/** Address-verification links (migration 0005): only the SHA-256 of the token is kept. */
export interface EmailVerificationsTable {
  token_hash: string;
  account_id: string;
  region: string;
  address: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** 1 once the relay worker's expiry has seen this link end (migration 0021). */
  expiry_handled: Generated<number>;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface RateBucketsTable {
  bucket: string;
  tokens: number;
  updated_ms: number;
}
