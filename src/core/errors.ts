/**
 * Stable error codes of the domain. Each edge translates them once: the SES API into an
 * ErrorResponse (code, HTTP status), the CLI into an exit code, the DNS server into an RCODE.
 * The codes never change meaning; add new ones rather than reuse.
 */
export type DomainErrorCode =
  | 'invalid_domain'
  | 'invalid_email'
  | 'invalid_identity'
  | 'missing_parameter'
  | 'invalid_parameter'
  | 'too_many_identities'
  | 'invalid_next_token'
  | 'invalid_max_items'
  | 'invalid_identity_type'
  | 'identity_not_found'
  | 'dkim_not_set_up'
  | 'key_pool_unavailable'
  | 'message_rejected'
  | 'sending_rate_exceeded'
  | 'daily_quota_exceeded'
  | 'message_too_long'
  /** SES v2: CreateEmailIdentity for an identity the account already has. */
  | 'identity_already_exists'
  /** SES v2: SendEmail with a template that does not exist (Signet keeps no templates yet). */
  | 'template_not_found'
  /**
   * SendEmail from an identity whose custom MAIL FROM domain is not verified while its
   * BehaviorOnMXFailure is RejectMessage (SES's MailFromDomainNotVerifiedException).
   */
  | 'mail_from_domain_not_verified'
  /** A valid request for something this Signet does not do (yet): BYODKIM, MAIL FROM, another key length. */
  | 'not_supported'
  /** A member that breaks the service model's constraints (length, pattern), where no model validator ran (v1). */
  | 'validation_failed'
  /** Owner-only identity settings (notifications, policies) on an identity the account has not verified. */
  | 'identity_not_verified'
  /** A sending authorization policy that is not a valid policy document (SES's InvalidPolicy). */
  | 'invalid_policy'
  /** SES v2 CreateEmailIdentityPolicy for a policy name the identity already has. */
  | 'policy_already_exists'
  /** More sending authorization policies than SES allows on one identity (20). */
  | 'too_many_policies';

/** An expected failure of a use case, carrying a stable code and a message for humans. */
export class DomainError extends Error {
  readonly code: DomainErrorCode;
  constructor(code: DomainErrorCode, message: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
