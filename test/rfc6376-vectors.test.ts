import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, verify as rsaVerify } from 'node:crypto';
import { describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { dkimTxtRecordStrings } from '../src/core/index.ts';
import { dkimSignatureHeader, relaxedHeader, signMessage, simpleBodyHash } from '../src/dkim/dkim-signer.ts';
import { parseHeaderFields } from '../src/mail/header-fields.ts';
import { FakeDnsZone } from './support/fake-dns-zone.ts';
import { mailauthResolver } from './support/app-context.ts';
import { testKeyPairs } from './support/key-fixtures.ts';

/**
 * The published examples of RFC 6376 run through Signet's signer (src/dkim/dkim-signer.ts), which
 * signs `c=relaxed/simple` as SES does: relaxed header and simple body canonicalization.
 */
describe('RFC 6376 examples', () => {
  describe('§3.4.5 canonicalization examples', () => {
    // The example message, byte for byte: "A: <SP> X <CRLF> B <SP> : <SP> Y <HTAB><CRLF> <HTAB> Z <SP><SP><CRLF>
    // <CRLF> <SP> C <SP><CRLF> D <SP><HTAB><SP> E <CRLF> <CRLF> <CRLF>".
    const header = 'A: X\r\nB : Y\t\r\n\tZ  ';
    const body = Buffer.from(' C \r\nD \t E\r\n\r\n\r\n', 'latin1');

    it('relaxed header canonicalization gives "a:X <CRLF> b:Y <SP> Z <CRLF>"', () => {
      const fields = parseHeaderFields(header);
      assert.deepEqual(
        fields.map((f) => f.key),
        ['a', 'b'],
      );
      assert.deepEqual(fields.map((f) => `${relaxedHeader(f.raw)}\r\n`).join(''), 'a:X\r\nb:Y Z\r\n');
    });

    it('simple body canonicalization gives "<SP> C <SP><CRLF> D <SP><HTAB><SP> E <CRLF>" (trailing empty lines removed)', () => {
      const expected = ' C \r\nD \t E\r\n';
      assert.equal(simpleBodyHash(body), sha256Base64(expected));
      // and not the relaxed form, which this signer does not use
      assert.notEqual(simpleBodyHash(body), sha256Base64(' C\r\nD E\r\n'));
    });
  });

  describe('§3.4.3 simple body canonicalization', () => {
    it('an empty body is a single CRLF', () => {
      assert.equal(simpleBodyHash(Buffer.alloc(0)), 'frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=');
      assert.equal(simpleBodyHash(Buffer.from('\r\n\r\n\r\n')), 'frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=');
    });

    it('a body without its final CRLF gets one; inner empty lines and trailing WSP stay', () => {
      assert.equal(simpleBodyHash(Buffer.from('abc')), sha256Base64('abc\r\n'));
      assert.equal(simpleBodyHash(Buffer.from('a \r\n\r\nb\t\r\n\r\n')), sha256Base64('a \r\n\r\nb\t\r\n'));
    });
  });

  describe('Appendix A: the example message', () => {
    // RFC 6376 Appendix A.1, as signed in A.2 (a=rsa-sha256, simple body: bh=2jUSOH9N...).
    const MESSAGE = Buffer.from(
      'From: Joe SixPack <joe@football.example.com>\r\n' +
        'To: Suzie Q <suzie@shopping.example.net>\r\n' +
        'Subject: Is dinner ready?\r\n' +
        'Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n' +
        'Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n' +
        '\r\n' +
        'Hi.\r\n' +
        '\r\n' +
        'We lost the game. Are you hungry yet?\r\n' +
        '\r\n' +
        'Joe.\r\n',
      'latin1',
    );
    const pair = testKeyPairs()[0]!;
    const key = { domain: 'example.com', selector: 'brisbane', privateKey: createPrivateKey(pair.privateKeyPem) };
    const T = 1_057_982_437; // the message's Date, in seconds

    it('the body hash is the one printed in A.2', () => {
      const field = dkimSignatureHeader(MESSAGE, key, { timestamp: T });
      assert.match(field, /\tbh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n/);
    });

    it('b= is an RSA-SHA256 signature over the §3.7 data, written out here by hand', () => {
      const field = dkimSignatureHeader(MESSAGE, key, { timestamp: T });
      const b = /\tb=([A-Za-z0-9+/=]+)\r\n$/.exec(field)![1]!;
      // The signed fields in h= order, relaxed, each with CRLF; then this field, relaxed, b= empty, no CRLF.
      const data =
        'from:Joe SixPack <joe@football.example.com>\r\n' +
        'to:Suzie Q <suzie@shopping.example.net>\r\n' +
        'subject:Is dinner ready?\r\n' +
        'date:Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n' +
        'message-id:<20030712040037.46341.5F8J@football.example.com>\r\n' +
        `dkim-signature:v=1; a=rsa-sha256; q=dns/txt; c=relaxed/simple; s=brisbane; d=example.com; t=${T}; h=From:To:Subject:Date:Message-ID; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=`;
      const publicKey = createPublicKey({ key: Buffer.from(pair.publicKey, 'base64'), format: 'der', type: 'spki' });
      assert.ok(rsaVerify('sha256', Buffer.from(data, 'latin1'), publicKey, Buffer.from(b, 'base64')));
    });

    it('mailauth verifies the signed message against the published key, and fails it once a signed byte changes', async () => {
      const dns = new FakeDnsZone().txt('brisbane._domainkey.example.com', dkimTxtRecordStrings(pair.publicKey));
      const options = { resolver: mailauthResolver(dns), curTime: new Date(T * 1000) };
      const signed = signMessage(MESSAGE, key, { timestamp: T });
      const good = await dkimVerify(signed, options);
      assert.equal(good.results[0]?.status.result, 'pass', JSON.stringify(good.results[0]?.status));
      const changedBody = Buffer.from(signed.toString('latin1').replace('hungry', 'Hungry'), 'latin1');
      assert.equal((await dkimVerify(changedBody, options)).results[0]?.status.result, 'neutral', 'body hash mismatch');
      const changedSubject = Buffer.from(signed.toString('latin1').replace('Is dinner', 'Is Dinner'), 'latin1');
      assert.equal((await dkimVerify(changedSubject, options)).results[0]?.status.result, 'fail');
      // Relaxed header canonicalization: refolding and case of names do not break the signature.
      const refolded = Buffer.from(signed.toString('latin1').replace('Subject: Is dinner ready?', 'SUBJECT:   Is dinner\r\n  ready?'), 'latin1');
      assert.equal((await dkimVerify(refolded, options)).results[0]?.status.result, 'pass');
    });

    it('RSA PKCS#1 v1.5 is deterministic: the same message, key and time sign the same', () => {
      assert.equal(dkimSignatureHeader(MESSAGE, key, { timestamp: T }), dkimSignatureHeader(MESSAGE, key, { timestamp: T }));
    });
  });
});

function sha256Base64(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'latin1')).digest('base64');
}
