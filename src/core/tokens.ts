/**
 * Easy DKIM tokens and domain verification tokens, computed from random bytes handed in (the core does
 * no I/O and owns no randomness, so tests can give fixed bytes).
 */

/** SES returns three DKIM tokens per domain. */
export const DKIM_TOKENS_PER_DOMAIN = 3;

/** 20 random bytes make exactly 32 base32 characters (160 bits / 5), the length SES's tokens have. */
export const DKIM_TOKEN_RANDOM_BYTES = 20;

/** 32 random bytes make the 44-character base64 VerificationToken of VerifyDomainIdentity. */
export const VERIFICATION_TOKEN_RANDOM_BYTES = 32;

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 §6, lower-cased as SES prints tokens

/** A DKIM token: RFC 4648 base32 of 20 bytes, lower case, no padding: 32 characters of `[a-z2-7]`. */
export function dkimTokenFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== DKIM_TOKEN_RANDOM_BYTES) {
    throw new RangeError(`a DKIM token needs ${DKIM_TOKEN_RANDOM_BYTES} random bytes`);
  }
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

export const DKIM_TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export function isDkimToken(value: string): boolean {
  return DKIM_TOKEN_PATTERN.test(value);
}

/** The VerificationToken: standard base64 with padding of 32 random bytes (44 characters). */
export function verificationTokenFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== VERIFICATION_TOKEN_RANDOM_BYTES) {
    throw new RangeError(`a verification token needs ${VERIFICATION_TOKEN_RANDOM_BYTES} random bytes`);
  }
  return base64(bytes);
}

// The core may not import node:buffer; this small encoder keeps it self-contained.
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += BASE64_ALPHABET[a >> 2];
    out += BASE64_ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)];
    out += b === undefined ? '=' : BASE64_ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)];
    out += c === undefined ? '=' : BASE64_ALPHABET[c & 63];
  }
  return out;
}
