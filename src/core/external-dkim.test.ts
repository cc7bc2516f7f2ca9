import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { externalSelectorName, isValidSelector, judgeExternalKeyRecord, parseTagList } from './external-dkim.ts';

const KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest+key/AB==';
const OTHER = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAother+key/C==';

describe('BYODKIM: the TXT at SELECTOR._domainkey.DOMAIN against the key given', () => {
  test('the name and the selector rule (SES model pattern)', () => {
    assert.equal(externalSelectorName('sel1', 'example.com'), 'sel1._domainkey.example.com');
    assert.ok(isValidSelector('sel1'));
    assert.ok(isValidSelector('a-b'));
    assert.ok(!isValidSelector('-a'));
    assert.ok(!isValidSelector('a.b'));
    assert.ok(!isValidSelector('x'.repeat(64)));
  });

  test('ok: the p= holds the public half, with or without v= and k=, folding whitespace ignored', () => {
    for (const txt of [`p=${KEY}`, `v=DKIM1; k=rsa; p=${KEY}`, `v=DKIM1; p=${KEY.slice(0, 20)} ${KEY.slice(20)}`]) {
      assert.equal(judgeExternalKeyRecord({ ok: true, values: [txt] }, KEY).verdict, 'ok', txt);
    }
    // One right record among others is enough (a key being replaced).
    assert.equal(judgeExternalKeyRecord({ ok: true, values: [`p=${OTHER}`, `p=${KEY}`] }, KEY).verdict, 'ok');
  });

  test('missing: NXDOMAIN, NODATA or no value', () => {
    assert.equal(judgeExternalKeyRecord({ ok: false, error: 'NXDOMAIN' }, KEY).verdict, 'missing');
    assert.equal(judgeExternalKeyRecord({ ok: false, error: 'NODATA' }, KEY).verdict, 'missing');
    assert.equal(judgeExternalKeyRecord({ ok: true, values: [] }, KEY).verdict, 'missing');
  });

  test('another key: a readable record with another p=, or a revoked empty p=', () => {
    assert.equal(judgeExternalKeyRecord({ ok: true, values: [`v=DKIM1; k=rsa; p=${OTHER}`] }, KEY).verdict, 'another_key');
    assert.equal(judgeExternalKeyRecord({ ok: true, values: ['v=DKIM1; p='] }, KEY).verdict, 'another_key');
  });

  test('malformed: no p=, v= not first or not DKIM1, not a tag-list, k= not rsa, p= not base64', () => {
    for (const txt of [KEY, 'v=DKIM1; k=rsa', `k=rsa; v=DKIM1; p=${KEY}`, `v=DKIM2; p=${KEY}`, `k=ed25519; p=${KEY}`, 'p=not*base64', `p=${KEY}; p=${KEY}`]) {
      assert.equal(judgeExternalKeyRecord({ ok: true, values: [txt] }, KEY).verdict, 'malformed_record', txt);
    }
  });

  test('resolver errors give no verdict', () => {
    assert.equal(judgeExternalKeyRecord({ ok: false, error: 'SERVFAIL' }, KEY).verdict, 'resolver_error');
    assert.equal(judgeExternalKeyRecord({ ok: false, error: 'TIMEOUT' }, KEY).verdict, 'resolver_error');
  });

  test('tag-list parsing (RFC 6376 §3.2)', () => {
    assert.deepEqual(
      [...(parseTagList(' v = DKIM1 ; p=abc ;') ?? [])],
      [
        ['v', 'DKIM1'],
        ['p', 'abc'],
      ],
    );
    assert.equal(parseTagList('novalue'), null);
  });
});
