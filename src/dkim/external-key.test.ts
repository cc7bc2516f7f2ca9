import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { readExternalPrivateKey } from './external-key.ts';

function rsaDer(bits: number, type: 'pkcs1' | 'pkcs8'): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return privateKey.export({ type, format: 'der' }).toString('base64');
}

describe('BYODKIM private key validation (DomainSigningPrivateKey)', () => {
  test('a PKCS#1 RSA-2048 key is accepted; its public half is the SPKI DER the customer publishes', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    const result = readExternalPrivateKey(der);
    assert.ok(result.ok);
    assert.equal(result.key.bits, 2048);
    assert.equal(result.key.publicKey, createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64'));
    assert.match(result.key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  test('a PKCS#8 RSA-1024 key is accepted', () => {
    const result = readExternalPrivateKey(rsaDer(1024, 'pkcs8'));
    assert.ok(result.ok);
    assert.equal(result.key.bits, 1024);
  });

  test('512-bit and 4096-bit keys are refused with the allowed range', () => {
    for (const bits of [512, 4096]) {
      const result = readExternalPrivateKey(rsaDer(bits, 'pkcs1'));
      assert.ok(!result.ok);
      assert.match(result.reason, new RegExp(`${bits}-bit RSA key; the key must be 1024 to 2048 bits`));
    }
  });

  test('text that is not base64 (a PEM with its armour, spaces) is refused', () => {
    for (const text of ['-----BEGIN RSA PRIVATE KEY-----', 'not base64!', 'abc', '']) {
      const result = readExternalPrivateKey(text);
      assert.ok(!result.ok, text);
      assert.match(result.reason, /base64/);
    }
  });

  test('base64 that is not a DER private key is refused', () => {
    const result = readExternalPrivateKey(Buffer.from('hello, world, not a key').toString('base64'));
    assert.ok(!result.ok);
    assert.match(result.reason, /not a PKCS#1 or PKCS#8 DER private key/);
  });

  test('an EC key is refused as not RSA', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const result = readExternalPrivateKey(privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
    assert.ok(!result.ok);
    assert.match(result.reason, /must be an RSA key; this one is ec/);
  });

  test('the reason never echoes the key', () => {
    const der = rsaDer(512, 'pkcs8');
    const result = readExternalPrivateKey(der);
    assert.ok(!result.ok);
    assert.ok(!result.reason.includes(der.slice(0, 40)));
  });
});
