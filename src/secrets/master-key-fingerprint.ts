import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

const LABEL = utf8ToBytes('signet/master-key-fingerprint');

/**
 * A key check value for the master key: HMAC-SHA256 under the key of a fixed label, in hex. Stored
 * beside the store's secrets, it tells whether a process holds the key that sealed them without
 * opening any, and reveals nothing of the key (a PRF output on a public input).
 *
 * Why @noble/hashes and not node:crypto: the embedded command line (`signet ses` with no endpoint)
 * checks the key on every call, and most calls need no other cryptography; loading node:crypto
 * (and the stream modules it pulls in) costs about 3 ms of a 45 ms start (bench/embedded-startup.mjs).
 * The command line already signs with this audited library for the same reason (src/cli/sign.ts).
 */
export function masterKeyFingerprint(masterKey: Uint8Array): string {
  return bytesToHex(hmac(sha256, masterKey, LABEL));
}
