import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { ExternalKeyImporter } from '../app/external-dkim.ts';
import { dkimKeyContext, type SecretBox } from '../secrets/secret-box.ts';

/** A customer's own DKIM private key (BYODKIM), checked and normalised. */
export interface ExternalKey {
  /** Base64 DER SubjectPublicKeyInfo: what the customer's `p=` tag must hold (RFC 6376 §3.6.1). */
  readonly publicKey: string;
  /** PKCS#8 PEM, the form the signer and the sealed store use for Easy DKIM keys too. Sealed before it goes anywhere. */
  readonly privateKeyPem: string;
  readonly bits: number;
}

export type ExternalKeyResult = { readonly ok: true; readonly key: ExternalKey } | { readonly ok: false; readonly reason: string };

/** SES BYODKIM: "at least 1024-bit … and up to 2048-bit" (send-email-authentication-dkim-bring-your-own). */
export const EXTERNAL_KEY_MIN_BITS = 1024;
export const EXTERNAL_KEY_MAX_BITS = 2048;

// The API model's pattern for PrivateKey: base64 without the PEM armour or line breaks.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function importDer(der: Buffer): KeyObject | null {
  // SES accepts "either PKCS #1 or PKCS #8 format"; try both DER encodings.
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // not this encoding
    }
  }
  return null;
}

/**
 * Reads DomainSigningPrivateKey: base64 DER, PKCS#1 or PKCS#8, an RSA key of 1024 to 2048 bits. The
 * reasons never echo the key. The public half is derived here, so what the customer must publish and
 * what detection compares with cannot disagree with what signs.
 */
export function readExternalPrivateKey(base64: string): ExternalKeyResult {
  const text = base64.trim();
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) {
    return { ok: false, reason: 'DomainSigningPrivateKey must be the base64 encoding of a DER private key (no PEM header lines or line breaks).' };
  }
  const key = importDer(Buffer.from(text, 'base64'));
  if (key === null) return { ok: false, reason: 'DomainSigningPrivateKey is not a PKCS#1 or PKCS#8 DER private key.' };
  if (key.asymmetricKeyType !== 'rsa') {
    return { ok: false, reason: `DomainSigningPrivateKey must be an RSA key; this one is ${key.asymmetricKeyType ?? 'of an unknown type'}.` };
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < EXTERNAL_KEY_MIN_BITS || bits > EXTERNAL_KEY_MAX_BITS) {
    return {
      ok: false,
      reason: `DomainSigningPrivateKey is a ${bits}-bit RSA key; the key must be ${EXTERNAL_KEY_MIN_BITS} to ${EXTERNAL_KEY_MAX_BITS} bits.`,
    };
  }
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
  const privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { ok: true, key: { publicKey, privateKeyPem, bits } };
}

/** The use cases' importer port: reads the key, then seals it under its public key, as Easy DKIM keys are sealed. */
export function createExternalKeyImporter(secrets: SecretBox): ExternalKeyImporter {
  return {
    importKey(base64) {
      const read = readExternalPrivateKey(base64);
      if (!read.ok) return read;
      const { publicKey, privateKeyPem, bits } = read.key;
      return { ok: true, key: { publicKey, bits, sealedPrivateKey: secrets.seal(privateKeyPem, dkimKeyContext(publicKey)) } };
    },
  };
}
