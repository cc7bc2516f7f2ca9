/**
 * Accounts and access keys, in the shapes AWS uses: 12-digit account ids, 20-character access key ids
 * starting `AKIA`, 40-character secret access keys. Built from random bytes handed in.
 */

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const ACCESS_KEY_ID_PATTERN = /^AKIA[A-Z2-7]{16}$/;

/** The account that the embedded command line, dev mode and the first start of a server use. */
export const LOCAL_ACCOUNT_ID = '000000000000';

const BASE32_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID_PATTERN.test(value);
}

/** 12 decimal digits from 12 random bytes; never the all-zero local account. */
export function accountIdFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 12) throw new RangeError('an account id needs 12 random bytes');
  const id = Array.from(bytes, (b) => String(b % 10)).join('');
  return id === LOCAL_ACCOUNT_ID ? '100000000000' : id;
}

/** `AKIA` and 16 base32 characters (AWS's long-term key id shape) from 16 random bytes. */
export function accessKeyIdFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError('an access key id needs 16 random bytes');
  return `AKIA${Array.from(bytes, (b) => BASE32_UPPER[b & 31]).join('')}`;
}

/** 40 characters of base64's alphabet from 40 random bytes (the length of an AWS secret key). */
export function secretAccessKeyFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 40) throw new RangeError('a secret access key needs 40 random bytes');
  return Array.from(bytes, (b) => SECRET_ALPHABET[b & 63]).join('');
}
