import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { StoredDkimKey } from '../app/ports.ts';
import { dkimKeyContext, type SecretBox } from '../secrets/secret-box.ts';
import { signMessage } from './dkim-signer.ts';
import type { MessageSigner } from '../app/send-ports.ts';

/**
 * Parsed private keys by public key (each key pair is unique), so that a PEM is opened and parsed
 * once, not per message: parsing costs more than the RSA signature itself. Bounded: the least
 * recently used key is dropped first. The private key never leaves this object except as a
 * `KeyObject` handed to `crypto.sign`.
 */
export class SigningKeyCache {
  readonly #secrets: SecretBox;
  readonly #max: number;
  readonly #keys = new Map<string, KeyObject>();

  constructor(secrets: SecretBox, max = 10_000) {
    this.#secrets = secrets;
    this.#max = max;
  }

  keyFor(key: StoredDkimKey): KeyObject {
    const cached = this.#keys.get(key.publicKey);
    if (cached) {
      this.#keys.delete(key.publicKey);
      this.#keys.set(key.publicKey, cached);
      return cached;
    }
    const privateKey = createPrivateKey(this.#secrets.open(key.sealedPrivateKey, dkimKeyContext(key.publicKey)));
    // The sealed key is bound to its public key by the AAD; check the pair anyway, so that a row
    // whose public half was swapped can never sign under the published record's name.
    const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
    if (derived !== key.publicKey) throw new Error(`DKIM key for ${key.domain}/${key.token} does not match its public key`);
    this.#keys.set(key.publicKey, privateKey);
    if (this.#keys.size > this.#max) this.#keys.delete(this.#keys.keys().next().value as string);
    return privateKey;
  }
}

/** The signer port over the in-house RFC 6376 signer and the key cache. */
export function createMessageSigner(cache: SigningKeyCache): MessageSigner {
  return {
    sign(message, domain, key, timestamp) {
      // Never another domain's key: the d= tag is the key's own domain, and it must be the one asked for.
      if (key.domain !== domain) throw new Error(`refusing to sign for ${domain} with a key of ${key.domain}`);
      return signMessage(message, { domain: key.domain, selector: key.token, privateKey: cache.keyFor(key) }, { timestamp });
    },
  };
}
