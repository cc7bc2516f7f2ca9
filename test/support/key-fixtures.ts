import { readFileSync } from 'node:fs';
import type { GeneratedKeyPair } from '../../src/dkim/generate-key-pair.ts';

/**
 * Pre-generated RSA-1024 key pairs (test/support/fixtures/test-dkim-keys-1024.json), TEST-ONLY keys
 * published on purpose: RSA generation costs tens of milliseconds per key even at 1024 bits, and the
 * fast tests would spend most of their time on it. 1024 bits is the RFC 8301 §3.2 minimum, which
 * verifiers (mailauth, dkimpy) accept.
 */
const FIXTURE = new URL('./fixtures/test-dkim-keys-1024.json', import.meta.url);

let cached: readonly GeneratedKeyPair[] | null = null;

export const TEST_KEY_BITS = 1024;

export function testKeyPairs(): readonly GeneratedKeyPair[] {
  cached ??= (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { keys: GeneratedKeyPair[] }).keys;
  return cached;
}

/**
 * A `generate` for the KeyPool that hands out the fixture keys in turn (from `start`), instead of
 * generating: distinct keys for the first 24 calls, then the same ones again (a key's public half
 * need not be unique in the store).
 */
export function fixtureKeyGenerator(start = 0): (bits: number) => Promise<GeneratedKeyPair> {
  let next = start;
  return async (bits) => {
    if (bits !== TEST_KEY_BITS) throw new Error(`the fixture keys are ${TEST_KEY_BITS}-bit, not ${bits}`);
    const keys = testKeyPairs();
    return keys[next++ % keys.length]!;
  };
}
