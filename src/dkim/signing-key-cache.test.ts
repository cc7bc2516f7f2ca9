import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { dkimKeyContext, SecretBox } from '../secrets/secret-box.ts';
import { createMessageSigner, SigningKeyCache } from './signing-key-cache.ts';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return { pub: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function storedKey(box: SecretBox, domain: string, token: string, pair = keyPair()) {
  return {
    domain,
    token,
    position: 0,
    bits: 1024,
    publicKey: pair.pub,
    sealedPrivateKey: box.seal(pair.pem, dkimKeyContext(pair.pub)),
    state: 'active' as const,
  };
}

describe('the message signer', () => {
  const box = new SecretBox(randomBytes(32));
  const signer = createMessageSigner(new SigningKeyCache(box));
  const message = Buffer.from('From: a@one.example\r\nSubject: s\r\n\r\nbody\r\n');

  it("signs with d= the key's own domain and s= its token", () => {
    const signed = signer.sign(message, 'one.example', storedKey(box, 'one.example', 'tokenone'), 1).toString('latin1');
    assert.match(signed, /^DKIM-Signature: v=1; a=rsa-sha256; q=dns\/txt; c=relaxed\/simple;\r\n\ts=tokenone; d=one\.example;/);
  });

  it("never signs for a domain with another domain's key", () => {
    assert.throws(
      () => signer.sign(message, 'one.example', storedKey(box, 'two.example', 'tokentwo'), 1),
      /refusing to sign for one\.example with a key of two\.example/,
    );
  });

  it('refuses a key whose sealed private half does not match its public key (the pair check, past the AAD)', () => {
    const a = keyPair();
    const b = keyPair();
    // B's private key sealed under A's public key as AAD: the box opens, so only the public-key
    // comparison can catch the mismatch (a row written wrongly, not a row tampered with afterwards).
    const mismatched = { ...storedKey(box, 'one.example', 't1', a), sealedPrivateKey: box.seal(b.pem, dkimKeyContext(a.pub)) };
    assert.equal(box.open(mismatched.sealedPrivateKey, dkimKeyContext(mismatched.publicKey)), b.pem, 'the sealed box itself opens');
    assert.throws(() => signer.sign(message, 'one.example', mismatched, 1), /^Error: DKIM key for one\.example\/t1 does not match its public key$/);
  });

  it("refuses a sealed private key moved to another key's row (the AAD binds it to its public key)", () => {
    const a = storedKey(box, 'one.example', 't1');
    const b = storedKey(box, 'one.example', 't2');
    assert.throws(
      () => signer.sign(message, 'one.example', { ...a, sealedPrivateKey: b.sealedPrivateKey }, 1),
      /unable to authenticate data|Unsupported state/,
    );
  });
});
