import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectionOutcome, judgeDkimRecord } from './dkim-diagnosis.ts';
import { dkimTxtRecordStrings, expectedDkimCnames, splitCharacterStrings } from './dkim-record.ts';

const [expected] = expectedDkimCnames('example.com', ['a'.repeat(32)], 'dkim.signet.test');
const ok = (...values: string[]) => ({ ok: true as const, values });
const err = (error: 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'TIMEOUT') => ({ ok: false as const, error });

describe('DKIM record verdicts', () => {
  it('accepts the target case-insensitively, with or without the trailing dot', () => {
    assert.equal(judgeDkimRecord(expected!, 'example.com', { cname: ok(`${'A'.repeat(32)}.DKIM.signet.test.`) }).verdict, 'ok');
  });

  it('names every kind of mistake', () => {
    const judge = (o: Parameters<typeof judgeDkimRecord>[2]) => judgeDkimRecord(expected!, 'example.com', o).verdict;
    assert.equal(judge({ cname: ok('elsewhere.example.net') }), 'points_elsewhere');
    assert.equal(judge({ cname: ok(`${expected!.target}.example.com`) }), 'domain_appended_twice');
    assert.equal(judge({ cname: err('NXDOMAIN'), doubled: ok(expected!.target) }), 'domain_appended_twice');
    assert.equal(judge({ cname: err('NODATA'), txt: ok('v=DKIM1; p=abc') }), 'txt_instead_of_cname');
    assert.equal(judge({ cname: err('NXDOMAIN'), txt: err('NXDOMAIN'), doubled: err('NXDOMAIN') }), 'missing');
    assert.equal(judge({ cname: err('SERVFAIL') }), 'resolver_error');
    assert.equal(judge({ cname: err('TIMEOUT') }), 'resolver_error');
  });

  it('needs all three records for a success; a definite miss outweighs a resolver error', () => {
    assert.equal(detectionOutcome(['ok', 'ok', 'ok']), 'found');
    assert.equal(detectionOutcome(['ok', 'missing', 'resolver_error']), 'not_found');
    assert.equal(detectionOutcome(['ok', 'resolver_error', 'ok']), 'inconclusive');
  });
});

describe('DKIM TXT record text', () => {
  it('splits into character-strings of at most 255 bytes that join back to the record', () => {
    const key = 'A'.repeat(392); // the base64 SPKI of an RSA-2048 key
    const strings = dkimTxtRecordStrings(key);
    assert.ok(strings.every((s) => Buffer.byteLength(s) <= 255));
    assert.equal(strings.join(''), `v=DKIM1; k=rsa; p=${key}`);
    assert.deepEqual(splitCharacterStrings('x'.repeat(510)), ['x'.repeat(255), 'x'.repeat(255)]);
  });
});
