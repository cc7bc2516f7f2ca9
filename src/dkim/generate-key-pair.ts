import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

// Made on first use, not at load: the embedded command line's bundle loads node:crypto only when
// something calls it (scripts/build.mjs, lazy-crypto).
let generateKeyPairAsync: ((type: 'rsa', options: object) => Promise<{ publicKey: Buffer; privateKey: string }>) | undefined;

export interface GeneratedKeyPair {
  /** Base64 DER SubjectPublicKeyInfo: the `p=` tag of the DKIM record (RFC 6376 §3.6.1). */
  readonly publicKey: string;
  /** PKCS#8 PEM. Sealed before it goes anywhere. */
  readonly privateKeyPem: string;
}

/**
 * One RSA key pair for DKIM (RFC 8301 §3.2: at least 1024 bits, 2048 recommended), public exponent
 * 65537. node:crypto runs the generation on libuv's thread pool, so the event loop keeps serving.
 */
export async function generateDkimKeyPair(bits: number): Promise<GeneratedKeyPair> {
  generateKeyPairAsync ??= promisify(generateKeyPair) as typeof generateKeyPairAsync & {};
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey: publicKey.toString('base64'), privateKeyPem: privateKey };
}
