import type { DomainErrorCode } from '../core/index.ts';

/** An error as the SES Query protocol reports it: HTTP status, `Type`, `Code` and `Message`. */
export class SesError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';

  constructor(code: string, message: string, status = 400, type: 'Sender' | 'Receiver' = 'Sender') {
    super(message);
    this.name = 'SesError';
    this.code = code;
    this.status = status;
    this.type = type;
  }
}

/**
 * The one translation of domain error codes into SES's. All SES-modelled client errors are HTTP 400
 * with `<Type>Sender</Type>` (service model: httpStatusCode 400, senderFault true).
 */
const SES_CODES: Record<DomainErrorCode, { code: string; status: number }> = {
  invalid_domain: { code: 'InvalidParameterValue', status: 400 },
  invalid_email: { code: 'InvalidParameterValue', status: 400 },
  invalid_identity: { code: 'InvalidParameterValue', status: 400 },
  invalid_parameter: { code: 'InvalidParameterValue', status: 400 },
  too_many_identities: { code: 'InvalidParameterValue', status: 400 },
  invalid_next_token: { code: 'InvalidParameterValue', status: 400 },
  invalid_max_items: { code: 'InvalidParameterValue', status: 400 },
  identity_not_found: { code: 'InvalidParameterValue', status: 400 },
  dkim_not_set_up: { code: 'InvalidParameterValue', status: 400 },
  // moto answers a bad IdentityType with ValidationError (golden moto-list-identities-type-bogus), as
  // AWS's model validation does; so does a missing required member.
  invalid_identity_type: { code: 'ValidationError', status: 400 },
  missing_parameter: { code: 'ValidationError', status: 400 },
  key_pool_unavailable: { code: 'ServiceUnavailable', status: 503 },
  // SendEmail / SendRawEmail: SES's modelled MessageRejected, and Throttling for MaxSendRate.
  message_rejected: { code: 'MessageRejected', status: 400 },
  sending_rate_exceeded: { code: 'Throttling', status: 400 },
  // Distinct codes so that the SMTP interface can answer 454 and 552; the API keeps MessageRejected.
  daily_quota_exceeded: { code: 'MessageRejected', status: 400 },
  message_too_long: { code: 'MessageRejected', status: 400 },
  // The model's MailFromDomainNotVerifiedException (its error code is the shape's name), 400 Sender.
  mail_from_domain_not_verified: { code: 'MailFromDomainNotVerifiedException', status: 400 },
  // Raised only by the SES v2 use cases; v1 would answer them in its generic way.
  identity_already_exists: { code: 'InvalidParameterValue', status: 400 },
  template_not_found: { code: 'TemplateDoesNotExist', status: 400 },
  not_supported: { code: 'InvalidParameterValue', status: 400 },
  // AWS's model validation, as for a missing member.
  validation_failed: { code: 'ValidationError', status: 400 },
  // "Identity X is invalid. Must be a verified email address or domain." (SetIdentityNotificationTopic, boto3#2645).
  identity_not_verified: { code: 'InvalidParameterValue', status: 400 },
  // PutIdentityPolicy's one modelled error: InvalidPolicyException, code InvalidPolicy.
  invalid_policy: { code: 'InvalidPolicy', status: 400 },
  policy_already_exists: { code: 'InvalidParameterValue', status: 400 },
  // SES v1's LimitExceededException carries the code LimitExceeded (service model).
  too_many_policies: { code: 'LimitExceeded', status: 400 },
};

export function sesErrorFromDomain(code: DomainErrorCode, message: string): SesError {
  const mapped = SES_CODES[code];
  return new SesError(mapped.code, message, mapped.status, mapped.status >= 500 ? 'Receiver' : 'Sender');
}
