import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { HmacSha256, sha256Hex } from './sha256.ts';

test('sha256Hex is SHA-256 of strings (UTF-8) and buffers', () => {
  for (const data of ['', 'abc', 'Action=GetSendQuota&Version=2010-12-01', 'é€😀'.repeat(50), randomBytes(1000)]) {
    assert.equal(sha256Hex(data), createHash('sha256').update(data).digest('hex'));
  }
});

test('HmacSha256 agrees with createHmac for keys and messages of every size, used again and again', () => {
  // Keys: shorter than, equal to and longer than the 64-byte block; messages beyond the first buffer.
  for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
    const key = randomBytes(keyLength);
    const hmac = new HmacSha256(key);
    for (const message of [
      '',
      'a',
      'AWS4-HMAC-SHA256\n20261127T170000Z\n20261127/us-east-1/ses/aws4_request\n' + 'f'.repeat(64),
      'x'.repeat(191),
      'y'.repeat(192),
      'z'.repeat(5000),
      'é😀'.repeat(300),
      'short again',
    ]) {
      assert.equal(
        hmac.hex(message),
        createHmac('sha256', key).update(message, 'utf8').digest('hex'),
        `key ${keyLength} bytes, message ${message.length} chars`,
      );
    }
  }
});

test('hexOfAscii agrees with createHmac on ASCII messages of every size', () => {
  const key = randomBytes(32);
  const hmac = new HmacSha256(key);
  for (const message of ['', 'AWS4-HMAC-SHA256\n20261127T170000Z\n20261127/us-east-1/ses/aws4_request\n' + 'f'.repeat(64), 'q'.repeat(300), 'r']) {
    assert.equal(hmac.hexOfAscii(message), createHmac('sha256', key).update(message).digest('hex'));
  }
});
