import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';

/**
 * SHA-256 and HMAC-SHA256 for SigV4 verification, which hashes three times per request (the body,
 * the canonical request, the string to sign under the signing key) and runs on every request.
 *
 * Why not createHash / createHmac each time: on Node 20 with OpenSSL 3 each of those objects costs
 * a digest fetch and a stream-shaped wrapper, about 2 µs and 5 µs, more than the hashing of a few
 * hundred bytes. crypto.hash (one call, Node 20.12 and later) takes about 0.9 µs. HMAC is two such
 * hashes over the key's padded blocks (RFC 2104 §2), computed once per key; src/api/auth/sha256.test.ts
 * checks the result against createHmac.
 */
type OneShotHash = (algorithm: string, data: string | Buffer, outputEncoding: 'hex' | 'buffer') => string | Buffer;
// Looked up on first use, not when the module loads: the embedded command line's bundle loads
// node:crypto only when something calls it (scripts/build.mjs, lazy-crypto).
let chosen: OneShotHash | undefined;
const oneShot: OneShotHash = (algorithm, data, outputEncoding) => {
  chosen ??=
    (crypto as unknown as { hash?: OneShotHash }).hash ??
    ((algorithm, data, outputEncoding) => {
      const digest = createHash(algorithm).update(data);
      return outputEncoding === 'hex' ? digest.digest('hex') : digest.digest();
    });
  return chosen(algorithm, data, outputEncoding);
};

export function sha256Hex(data: string | Buffer): string {
  return oneShot('sha256', data, 'hex') as string;
}

const BLOCK = 64;
const DIGEST = 32;

/** HMAC-SHA256 under one key, with the key's inner and outer blocks prepared once (RFC 2104). */
export class HmacSha256 {
  /** K xor ipad, then room for the message. */
  #inner: Buffer;
  /** K xor opad, then the inner digest. */
  readonly #outer: Buffer;

  constructor(key: Buffer) {
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is padded with zeros.
    const k = Buffer.alloc(BLOCK);
    (key.length > BLOCK ? createHash('sha256').update(key).digest() : key).copy(k);
    this.#inner = Buffer.alloc(BLOCK + 256);
    this.#outer = Buffer.alloc(BLOCK + DIGEST);
    for (let i = 0; i < BLOCK; i++) {
      this.#inner[i] = k[i]! ^ 0x36;
      this.#outer[i] = k[i]! ^ 0x5c;
    }
  }

  /** HMAC-SHA256(key, message as UTF-8), in lower-case hex. */
  hex(message: string): string {
    return this.#hex(message, Buffer.byteLength(message, 'utf8'), 'utf8');
  }

  /**
   * hex() for a message the caller knows is ASCII (SigV4's string to sign): its length in bytes is
   * its length, and latin1 writes it without UTF-8 encoding.
   */
  hexOfAscii(message: string): string {
    return this.#hex(message, message.length, 'latin1');
  }

  #hex(message: string, length: number, encoding: 'utf8' | 'latin1'): string {
    if (BLOCK + length > this.#inner.length) {
      const bigger = Buffer.alloc(BLOCK + length);
      this.#inner.copy(bigger, 0, 0, BLOCK);
      this.#inner = bigger;
    }
    this.#inner.write(message, BLOCK, encoding);
    const innerDigest = oneShot('sha256', this.#inner.subarray(0, BLOCK + length), 'buffer') as Buffer;
    innerDigest.copy(this.#outer, BLOCK);
    return oneShot('sha256', this.#outer, 'hex') as string;
  }
}

/** HMAC-SHA256 with a one-off key (the signing-key derivation, once per key and day). */
export function hmacSha256(key: string | Buffer, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}
