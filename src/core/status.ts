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
 * A key's role in its domain's ring (issue 16, core/key-ring.ts). One key per token: the active key
 * signs, the next one is published and waits, the previous one stopped signing but stays published
 * for mail in transit; keys rotate behind the same CNAMEs without the customer touching DNS.
 */
export type KeyState = 'active' | 'next' | 'previous';

/**
 * A new domain's ring: the first key signs, the second waits as next, the third is a previous key that
 * never signed (so it may be regenerated at once, it has no mail in transit to cover).
 */
export function initialKeyState(position: number): KeyState {
  return position === 0 ? 'active' : position === 1 ? 'next' : 'previous';
}
