import type { ComposeInput, Scope, SimulatedOutcome } from '../core/index.ts';
import type { StoredDkimKey } from './ports.ts';

/** Where a kept message stands with the SMTP relay. `none`: no relay configured when it was sent. */
export type DeliveryStatus = 'none' | 'pending' | 'delivered' | 'failed';

/** What produced the message: SendEmail, SendRawEmail, or Signet's own address-verification mail. */
export type OutboxKind = 'email' | 'raw' | 'verification';

/** What SendEmail was given, kept so that `/_aws/ses` can answer in LocalStack's shape. */
export interface SimpleParts {
  readonly subject: string;
  readonly text: string | null;
  readonly html: string | null;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
}

export interface NewOutboxMessage {
  readonly messageId: string;
  readonly scope: Scope;
  readonly kind: OutboxKind;
  /** The Source as given (may carry a display name). */
  readonly source: string;
  /** SMTP MAIL FROM: the Return-Path, else the Source's address. */
  readonly envelopeFrom: string;
  /** SMTP RCPT TO, in order (mailbox simulator addresses included). */
  readonly recipients: readonly string[];
  /** The outcomes of the recipients that are mailbox simulator addresses: never relayed, not counted in the daily quota. */
  readonly simulated: readonly SimulatedOutcome[];
  readonly subject: string;
  readonly simple: SimpleParts | null;
  readonly tags: readonly { name: string; value: string }[];
  /** The message exactly as it leaves Signet (signature included). */
  readonly raw: Buffer;
  readonly signature: { readonly domain: string; readonly selector: string } | null;
  readonly unsignedReason: string | null;
  readonly delivery: 'none' | 'pending';
  readonly createdAt: number;
}

export interface OutboxMessage extends Omit<NewOutboxMessage, 'delivery'> {
  readonly delivery: {
    readonly status: DeliveryStatus;
    readonly attempts: number;
    readonly nextAttemptAt: number | null;
    readonly lastError: string | null;
    readonly deliveredAt: number | null;
  };
}

export interface OutboxFilter {
  readonly scope?: Scope;
  readonly messageId?: string;
  /** LocalStack's `email` filter: the Source address. */
  readonly source?: string;
  readonly limit?: number;
}

/** One interval of an account's sending, as GetSendStatistics reports it. */
export interface SendActivity {
  /** The interval's start (ms), a multiple of its length. */
  readonly start: number;
  /** Recipients of the messages sent in it (SES counts each recipient as a delivery attempt). */
  readonly deliveryAttempts: number;
  /** Recipients of those messages whose relay delivery failed for good (a 5xx reply, or retries exhausted). */
  readonly failedRecipients: number;
}

/** The outbox: every message sent, kept for inspection and for delivery to the relay. */
export interface OutboxStore {
  add(message: NewOutboxMessage): Promise<void>;
  list(filter: OutboxFilter): Promise<OutboxMessage[]>;
  get(messageId: string): Promise<OutboxMessage | null>;
  /** LocalStack's DELETE: hides messages from listings; they still count in SentLast24Hours. */
  hide(filter: OutboxFilter): Promise<number>;
  /** Recipients of messages sent by the account since `since` (SES counts every recipient). */
  countRecipientsSince(scope: Scope, since: number): Promise<number>;
  /**
   * The account's messages since `since` (verification mail aside), per interval of `intervalMs`
   * counted from the epoch, oldest first; intervals without messages are absent.
   */
  sendActivity(scope: Scope, since: number, intervalMs: number): Promise<SendActivity[]>;
  /**
   * Takes up to `limit` messages due for delivery and leases them until `now + leaseMs`, so that
   * another worker (another node) does not take them meanwhile. A lease that runs out makes the
   * message due again: a crash mid-delivery means another attempt, never a lost message.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]>;
  markDelivered(messageId: string, now: number): Promise<void>;
  /** Records a failed attempt; `nextAttemptAt` null means given up (`failed`). */
  markAttemptFailed(messageId: string, error: string, nextAttemptAt: number | null): Promise<void>;
  /** Deletes messages created before `before`, those still waiting for the relay aside; returns how many. */
  purge(before: number): Promise<number>;
  /**
   * Deletes the counts that countRecipientsSince and sendActivity read (kept apart from the messages,
   * whose retention may be shorter) for the minutes before `before`: see OUTBOX_COUNTS_KEPT_MS.
   */
  purgeCounts(before: number): Promise<void>;
}

/**
 * How long the outbox's per-minute counts are kept: GetSendStatistics' two weeks (SES: "the past two
 * weeks") and a day, whatever the retention of the messages themselves.
 */
export const OUTBOX_COUNTS_KEPT_MS = 15 * 86_400_000;

/** Makes the DKIM-Signature for `domain` with one of its own keys and returns the signed message. */
export interface MessageSigner {
  sign(message: Buffer, domain: string, key: StoredDkimKey, timestamp: number): Buffer;
}

/**
 * The operator's own signature (`--platform-domain`), added on top of every outgoing message as SES
 * adds `d=amazonses.com`. It holds only the operator's key, given at start.
 */
export interface PlatformSigner {
  readonly domain: string;
  readonly selector: string;
  /** Returns the message with the platform's DKIM-Signature on top of its fields. */
  sign(message: Buffer, timestamp: number): Buffer;
}

/** Takes one sending slot for a key (account and region); false means over MaxSendRate. */
export interface SendRateLimiter {
  tryTake(key: string): boolean;
  /** Whether tryTake would succeed now, taking nothing: lets the API refuse before it parses a large body. */
  wouldAllow?(key: string): boolean;
}

/** Whether an account is out of SES's sandbox (read per send; an account the store does not know has it). */
export interface AccountAccess {
  hasProductionAccess(accountId: string): Promise<boolean>;
}

/** Why a message that should be signed goes out unsigned, or why DKIM was not applied at all. */
export interface UnsignedEvent {
  readonly messageId: string;
  readonly domain: string;
  readonly reason: string;
  /** `disabled`: the owner switched DKIM off (SES sends unsigned); `unsignable`: a promise not kept. */
  readonly kind: 'disabled' | 'not_verified' | 'unsignable';
}

export interface SendPolicy {
  /** Max24HourSend; -1 is unlimited. */
  readonly max24HourSend: number;
  /** MaxSendRate, messages per second. */
  readonly maxSendRate: number;
  /** What to do when the domain has DKIM Success and on, but signing fails (no active key, bad key). */
  readonly unsignable: 'refuse' | 'send-unsigned';
  /** The host part of the Message-ID header Signet sets (SES: `email.amazonses.com`). */
  readonly messageIdDomain: string;
}

/** Address verification (VerifyEmailIdentity's mail and its link). */
export interface EmailVerificationStore {
  /** Stores the hash of a new link token for an address. */
  addToken(scope: Scope, address: string, tokenHash: string, expiresAt: number, now: number): Promise<void>;
  /** Consumes a token; returns the address's outcome, or null if the token is unknown. */
  useToken(tokenHash: string, now: number): Promise<{ scope: Scope; address: string; status: 'Success' | 'Failed' } | null>;
  /** Marks Pending addresses whose every link has expired as Failed (SES: after 24 hours). */
  expire(now: number): Promise<number>;
}

export interface VerificationMailSettings {
  /** The base of the link: Signet's public URL, e.g. `http://127.0.0.1:8580`. */
  readonly publicUrl: string;
  /** Who the verification mail is from. */
  readonly from: string;
  readonly ttlMs: number;
}

/** Builds SendEmail's MIME message; refuses a charset it cannot encode with DomainError `invalid_parameter`. */
export interface MessageComposer {
  compose(input: ComposeInput): Promise<Buffer>;
}

/** Everything SendEmail, SendRawEmail and address verification need beyond the AppContext. */
export interface SendServices {
  readonly outbox: OutboxStore;
  readonly composer: MessageComposer;
  readonly signer: MessageSigner;
  /** The operator's second signature on every message; null when no platform domain is configured. */
  readonly platformSigner: PlatformSigner | null;
  readonly rate: SendRateLimiter | null;
  /**
   * SES's sandbox rate (1 message per second), taken as well by accounts in the sandbox when the
   * configured MaxSendRate is higher; null when it is not (or when sending rates are off).
   */
  readonly sandboxRate: SendRateLimiter | null;
  readonly policy: SendPolicy;
  /** The sandbox: whether an account may send to any recipient. */
  readonly access: AccountAccess;
  readonly verifications: EmailVerificationStore;
  readonly verificationMail: VerificationMailSettings;
  /** Told about every message that leaves unsigned (log line and metric). */
  onUnsigned(event: UnsignedEvent): void;
  /** Told when a message was queued for the relay, so that delivery starts without waiting for a poll. */
  onQueued(): void;
  /** Whether new messages are to be delivered to a relay. */
  readonly relay: boolean;
}
