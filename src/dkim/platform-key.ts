import type { PlatformSigner } from '../app/send-ports.ts';
import { signMessage, type DkimSigningKey } from './dkim-signer.ts';

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
