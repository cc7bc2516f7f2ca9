import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config/config.ts';
import type { PlatformSigner } from '../app/send-ports.ts';
import { signMessage, type DkimSigningKey } from './dkim-signer.ts';

/** Where the operator's own signature comes from: `--platform-domain`, `--platform-selector`, `--platform-key-file`. */
export interface PlatformSignatureConfig {
  readonly domain: string;
  readonly selector: string;
  readonly keyFile: string;
}

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

/**
 * The operator's signature, added to every message that leaves Signet, as SES adds its
 * `d=amazonses.com` signature to all mail whether or not the customer's domain signed it. It only
 * ever uses the operator's key given at start: never a customer's key, which lives in the store.
 *
 * It goes on top of whatever the message already carries: RFC 6376 §5.6 inserts a new DKIM-Signature
 * "before any other DKIM-Signature fields". Neither signature covers the other: §5.4 lists
 * DKIM-Signature in `h=` only to sign earlier signatures on purpose, and SES's header set (the one
 * both use) leaves it out. So adding this one cannot break the customer's, and a hop that drops one
 * signature leaves the other verifiable.
 */
export function createPlatformSigner(key: DkimSigningKey): PlatformSigner {
  return {
    domain: key.domain,
    selector: key.selector,
    sign: (message, timestamp) => signMessage(message, key, { timestamp }),
  };
}
