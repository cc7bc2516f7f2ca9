import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { masterKeyFingerprint } from './master-key-fingerprint.ts';

test('the master key fingerprint is HMAC-SHA256 of the label under the key (checked against node:crypto)', () => {
  const key = Buffer.alloc(32, 7);
  const expected = createHmac('sha256', key).update('signet/master-key-fingerprint').digest('hex');
  assert.equal(masterKeyFingerprint(key), expected);
  assert.notEqual(masterKeyFingerprint(Buffer.alloc(32, 8)), expected);
});
