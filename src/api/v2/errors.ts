import type { DomainErrorCode } from '../../core/index.ts';

/**
 * An error as SES v2 (rest-json) reports it: the code in `x-amzn-ErrorType`, `{"message": ...}` as
 * the body, and the HTTP status the service model gives the code. botocore and aws-sdk-js-v3 both
 * read the code from that header first (botocore `RestJSONParser`, js `loadRestJsonErrorCode`).
 */
export class SesV2Error extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'SesV2Error';
    this.code = code;
    this.status = status;
  }
}

export function badRequest(message: string): SesV2Error {
  return new SesV2Error('BadRequestException', message, 400);
}

/** The model's validation wording ("1 validation error detected: Value ... at 'x' failed to satisfy constraint: ..."). */
export function validationError(what: string, constraint: string): SesV2Error {
  return badRequest(`1 validation error detected: ${what} failed to satisfy constraint: ${constraint}`);
}

/** The one translation of domain error codes into SES v2's codes and statuses (service model 2019-09-27). */
const V2_CODES: Record<DomainErrorCode, { code: string; status: number }> = {
  invalid_domain: { code: 'BadRequestException', status: 400 },
  invalid_email: { code: 'BadRequestException', status: 400 },
  invalid_identity: { code: 'BadRequestException', status: 400 },
  invalid_parameter: { code: 'BadRequestException', status: 400 },
  missing_parameter: { code: 'BadRequestException', status: 400 },
  too_many_identities: { code: 'BadRequestException', status: 400 },
  invalid_next_token: { code: 'BadRequestException', status: 400 },
  invalid_max_items: { code: 'BadRequestException', status: 400 },
  invalid_identity_type: { code: 'BadRequestException', status: 400 },
  dkim_not_set_up: { code: 'BadRequestException', status: 400 },
  not_supported: { code: 'BadRequestException', status: 400 },
  validation_failed: { code: 'BadRequestException', status: 400 },
  identity_not_verified: { code: 'BadRequestException', status: 400 },
  invalid_policy: { code: 'BadRequestException', status: 400 },
  policy_already_exists: { code: 'AlreadyExistsException', status: 400 },
  too_many_policies: { code: 'LimitExceededException', status: 400 },
  identity_not_found: { code: 'NotFoundException', status: 404 },
  template_not_found: { code: 'NotFoundException', status: 404 },
  identity_already_exists: { code: 'AlreadyExistsException', status: 400 },
  message_rejected: { code: 'MessageRejected', status: 400 },
  daily_quota_exceeded: { code: 'MessageRejected', status: 400 },
  message_too_long: { code: 'MessageRejected', status: 400 },
  mail_from_domain_not_verified: { code: 'MailFromDomainNotVerifiedException', status: 400 },
  // MaxSendRate: SES v2 answers TooManyRequestsException, which the SDKs retry with backoff.
  sending_rate_exceeded: { code: 'TooManyRequestsException', status: 429 },
  key_pool_unavailable: { code: 'InternalServiceErrorException', status: 500 },
};

export function v2ErrorFromDomain(code: DomainErrorCode, message: string): SesV2Error {
  const mapped = V2_CODES[code];
  return new SesV2Error(mapped.code, message, mapped.status);
}
