import { isDomainError, type DomainErrorCode } from '../core/index.ts';

/**
 * Everything Signet's SMTP interface says on the wire, in SES's words (SES Developer Guide,
 * troubleshoot-smtp.md "SMTP response codes returned by Amazon SES", and real session transcripts).
 * The one place where domain errors become SMTP replies, as `api/ses-error.ts` is for the API.
 */
export interface SmtpReply {
  readonly code: number;
  readonly text: string;
}

export const REPLIES = {
  authOk: { code: 235, text: 'Authentication successful.' },
  badCredentials: { code: 535, text: 'Authentication Credentials Invalid' },
  authTemporaryFailure: { code: 454, text: 'Temporary authentication failure' },
  authRequired: { code: 530, text: 'Authentication required' },
  startTlsFirst: { code: 530, text: 'Must issue a STARTTLS command first' },
  tooManyConnections: { code: 421, text: 'Too many concurrent SMTP connections' },
  timeout: { code: 451, text: '4.4.2 Timeout waiting for data from client.' },
  tooLong: { code: 552, text: 'Message is too long.' },
  temporaryFailure: { code: 451, text: 'Temporary service failure' },
} as const satisfies Record<string, SmtpReply>;

/** `250 Ok <MessageId>`: the id SendRawEmail returns (transcripts: `250 Ok 0107017033dbb64d-...-000000`). */
export function acceptedText(messageId: string): string {
  return `Ok ${messageId}`;
}

/**
 * A domain error of SendRawEmail as SES's SMTP endpoint answers it after DATA. Rejections are 554
 * `Message rejected: ...` (the unverified-identity text is the API's, word for word); quotas are 454
 * `Throttling failure: ...`, which clients retry; malformed messages are `554 Transaction failed: ...`
 * (as SES answers a duplicate header).
 */
const DOMAIN_REPLIES: Record<DomainErrorCode, (message: string) => SmtpReply> = {
  message_rejected: (m) => ({ code: 554, text: `Message rejected: ${m}` }),
  sending_rate_exceeded: () => ({ code: 454, text: 'Throttling failure: Maximum sending rate exceeded' }),
  daily_quota_exceeded: () => ({ code: 454, text: 'Throttling failure: Daily message quota exceeded' }),
  message_too_long: () => REPLIES.tooLong,
  // Seen from SES after DATA: `554 MAIL FROM domain not verified: DNS setup for MAIL FROM domain is invalid.`
  mail_from_domain_not_verified: (m) => ({ code: 554, text: `MAIL FROM domain not verified: ${m}` }),
  key_pool_unavailable: () => REPLIES.temporaryFailure,
  invalid_parameter: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  missing_parameter: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  invalid_domain: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  invalid_email: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  invalid_identity: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  too_many_identities: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  invalid_next_token: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  invalid_max_items: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  invalid_identity_type: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  identity_not_found: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  dkim_not_set_up: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  identity_already_exists: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  template_not_found: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  not_supported: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  validation_failed: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  identity_not_verified: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  invalid_policy: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  policy_already_exists: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
  too_many_policies: (m) => ({ code: 554, text: `Transaction failed: ${m}` }),
};

/** The reply to a failed submission; null for an unexpected failure (451, to be logged by the caller). */
export function replyForError(err: unknown): SmtpReply | null {
  if (!isDomainError(err)) return null;
  // A reply line must stay one line whatever the message holds.
  return DOMAIN_REPLIES[err.code](err.message.replace(/[\r\n]+/g, ' '));
}

/** An error smtp-server turns into a reply (`responseCode` and message). */
export function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.text), { responseCode: reply.code });
}

/**
 * smtp-server's own replies that SES words differently. smtp-server sends 538 for AUTH before TLS
 * (RFC 3207's "encryption required"); SES sends 530. Its idle timeout is a 421; SES's is a 451 with
 * an enhanced code, after which the connection is closed all the same.
 */
export function sesWording(code: number, text: string | undefined): { reply: SmtpReply; close: boolean } | null {
  if (code === 538) return { reply: REPLIES.startTlsFirst, close: false };
  if (code === 421 && text === 'Timeout - closing connection') return { reply: REPLIES.timeout, close: true };
  if (code === 421 && text?.endsWith('Too many connected clients, try again in a moment')) return { reply: REPLIES.tooManyConnections, close: true };
  if (code === 235) return { reply: REPLIES.authOk, close: false };
  // MAIL, RCPT, RSET, NOOP: SES says `250 Ok`.
  if (code === 250 && (text === 'Accepted' || text === 'OK')) return { reply: { code: 250, text: 'Ok' }, close: false };
  return null;
}
