import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { externalSelectorName, isValidSelector, judgeExternalKeyRecord, nextExternalKeyState, parseTagList } from './external-dkim.ts';

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

describe('an external key status after a check (SES: FAILED when the key is not found within 72 hours)', () => {
  const H = 3_600_000;
  const W = 72 * H;
  const given = { status: 'Pending', unverifiedSince: 0 } as const;

  it('Success when DNS serves the key, from any status', () => {
    assert.deepEqual(nextExternalKeyState(given, 'ok', H, W), { status: 'Success', unverifiedSince: null });
    assert.deepEqual(nextExternalKeyState({ status: 'Failed', unverifiedSince: 0 }, 'ok', 100 * H, W), { status: 'Success', unverifiedSince: null });
  });

  it('Pending within 72 hours of the key given, Failed from then on, and Failed stays', () => {
    assert.deepEqual(nextExternalKeyState(given, 'missing', W - 1, W), { status: 'Pending', unverifiedSince: 0 });
    assert.deepEqual(nextExternalKeyState(given, 'another_key', W, W), { status: 'Failed', unverifiedSince: 0 });
    assert.deepEqual(nextExternalKeyState({ status: 'Failed', unverifiedSince: 0 }, 'malformed_record', W + 1, W), { status: 'Failed', unverifiedSince: 0 });
  });

  it('a key served right, then not, gets its own 72 hours from the first miss', () => {
    const served = { status: 'Success', unverifiedSince: null } as const;
    const missed = nextExternalKeyState(served, 'missing', 500 * H, W);
    assert.deepEqual(missed, { status: 'Pending', unverifiedSince: 500 * H }, 'stops signing at once, not Failed although given long ago');
    assert.equal(nextExternalKeyState(missed, 'missing', 500 * H + W - 1, W).status, 'Pending');
    assert.equal(nextExternalKeyState(missed, 'missing', 500 * H + W, W).status, 'Failed');
  });

  it('a resolver error says nothing about the key, but the window still runs out', () => {
    assert.deepEqual(nextExternalKeyState({ status: 'Success', unverifiedSince: null }, 'resolver_error', 10 * H, W), {
      status: 'Success',
      unverifiedSince: null,
    });
    assert.deepEqual(nextExternalKeyState(given, 'resolver_error', H, W), { status: 'Pending', unverifiedSince: 0 });
    assert.equal(nextExternalKeyState(given, 'resolver_error', W, W).status, 'Failed');
  });
});
