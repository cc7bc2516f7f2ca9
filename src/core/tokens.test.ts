import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { dkimTokenFromBytes, isDkimToken, verificationTokenFromBytes } from './tokens.ts';

describe('dkimTokenFromBytes', () => {
  it('is RFC 4648 base32, lower case, 32 characters', () => {
    // RFC 4648 §10 test vector "foobar" → MZXW6YTBOI; padded to 20 bytes with zeros.
    const bytes = new Uint8Array(20);
    bytes.set(Buffer.from('foobar'));
    const token = dkimTokenFromBytes(bytes);
    assert.equal(token.length, 32);
    assert.ok(token.startsWith('mzxw6ytboi'));
    for (let i = 0; i < 200; i++) assert.ok(isDkimToken(dkimTokenFromBytes(randomBytes(20))));
  });
  it('refuses the wrong number of bytes', () => {
    assert.throws(() => dkimTokenFromBytes(new Uint8Array(19)), RangeError);
  });
});

describe('verificationTokenFromBytes', () => {
  it('matches Buffer base64 and is 44 characters', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = randomBytes(32);
      const token = verificationTokenFromBytes(bytes);
      assert.equal(token, bytes.toString('base64'));
      assert.equal(token.length, 44);
    }
  });
});
