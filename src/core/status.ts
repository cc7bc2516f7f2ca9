/**
 * Verification and DKIM statuses, as SES names them (`VerificationStatus` and
 * `DkimVerificationStatus` enums of the 2010-12-01 model).
 */
export const VERIFICATION_STATUSES = ['Pending', 'Success', 'Failed', 'TemporaryFailure', 'NotStarted'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export function isVerificationStatus(value: string): value is VerificationStatus {
  return (VERIFICATION_STATUSES as readonly string[]).includes(value);
}

/**
 * Where a DKIM key stands. One key per token: SES signs with one and keeps the others published, which
 * is what later lets keys rotate behind the same CNAMEs without the customer touching DNS.
 */
export type KeyState = 'active' | 'standby';

/** The first of a domain's three keys signs; the other two stand by, already published. */
export function initialKeyState(position: number): KeyState {
  return position === 0 ? 'active' : 'standby';
}
