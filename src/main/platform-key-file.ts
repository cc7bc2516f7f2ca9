import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config/config.ts';
import type { PlatformSignatureConfig } from '../config/send-config.ts';
import type { DkimSigningKey } from '../dkim/dkim-signer.ts';

/**
 * RFC 8301 §3.2: "Signers MUST use RSA keys of at least 1024 bits" (2048 recommended); verifiers
 * such as Gmail treat shorter keys as no signature at all.
 */
export const MIN_PLATFORM_KEY_BITS = 1024;

/**
 * Reads and checks the operator's private key once, at start. The key's bytes never appear in an
 * error or a log line: messages name the file and what is wrong with it, nothing more, and the
 * crypto library's own error text is not passed on.
 */
export function loadPlatformSigningKey(config: PlatformSignatureConfig): DkimSigningKey & { readonly bits: number; readonly publicKey: string } {
  let pem: Buffer;
  try {
    pem = readFileSync(config.keyFile);
  } catch (err) {
    throw new ConfigError(`--platform-key-file ${config.keyFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let privateKey: KeyObject;
  try {
    // PEM in either form: PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY"). An
    // encrypted key fails here too: Signet has no passphrase to open it with at start.
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError(`--platform-key-file ${config.keyFile} is not an unencrypted PKCS#8 or PKCS#1 PEM private key`);
  } finally {
    pem.fill(0);
  }
  // 'rsa' only: an RSA-PSS key cannot make the PKCS#1 v1.5 signatures that a=rsa-sha256 means
  // (RFC 6376 §3.3.1), and DKIM's other algorithm (ed25519-sha256) is not what SES signs with.
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new ConfigError(`--platform-key-file ${config.keyFile} holds a ${privateKey.asymmetricKeyType ?? 'non-RSA'} key; DKIM rsa-sha256 needs an RSA key`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_PLATFORM_KEY_BITS) {
    throw new ConfigError(`--platform-key-file ${config.keyFile} holds a ${bits}-bit RSA key; DKIM needs at least ${MIN_PLATFORM_KEY_BITS} bits (RFC 8301)`);
  }
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  return { domain: config.domain, selector: config.selector, privateKey, bits, publicKey };
}
