import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SesError } from '../ses-error.ts';
import { parseAuthorization } from './authorization-header.ts';

const header = (credential: string, signedHeaders: string, signature: string) =>
  `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
const SIG_A = 'a'.repeat(64);
const SIG_B = '0123456789abcdef'.repeat(4);

test('a scope parsed once is reused with each request signature, and a bad one is refused every time', () => {
  const credential = 'AKIDEXAMPLE/20261201/us-east-1/ses/aws4_request';
  const first = parseAuthorization(header(credential, 'host;x-amz-date', SIG_A));
  const second = parseAuthorization(header(credential, 'host;x-amz-date', SIG_B));
  assert.deepEqual(first, {
    accessKeyId: 'AKIDEXAMPLE',
    scopeDate: '20261201',
    region: 'us-east-1',
    service: 'ses',
    signedHeaders: ['host', 'x-amz-date'],
    signedHeadersText: 'host;x-amz-date',
    signature: SIG_A,
  });
  assert.deepEqual(second, { ...first, signature: SIG_B });
  // Another list of signed headers under the same credential is its own entry.
  assert.deepEqual(parseAuthorization(header(credential, 'content-type;host;x-amz-date', SIG_B)).signedHeaders, ['content-type', 'host', 'x-amz-date']);
  for (let i = 0; i < 2; i++) {
    assert.throws(
      () => parseAuthorization(header('AKIDEXAMPLE/20261201/US_EAST/ses/aws4_request', 'host', SIG_A)),
      (err) => err instanceof SesError && err.code === 'IncompleteSignature' && /valid region/.test(err.message),
    );
    assert.throws(
      () => parseAuthorization(header(credential, 'Host', SIG_A)),
      (err) => err instanceof SesError && /SignedHeaders must be lowercase/.test(err.message),
    );
  }
});

test('a known prefix with a signature that is not 64 lower-case hex digits is parsed in full and refused', () => {
  const credential = 'AKIDEXAMPLE/20261202/us-east-1/ses/aws4_request';
  parseAuthorization(header(credential, 'host;x-amz-date', SIG_A));
  for (const bad of ['A'.repeat(64), 'g'.repeat(64), `${'a'.repeat(63)} `]) {
    assert.throws(
      () => parseAuthorization(header(credential, 'host;x-amz-date', bad)),
      (err) => err instanceof SesError && err.code === 'IncompleteSignature' && /64 lowercase hexadecimal/.test(err.message),
      bad,
    );
  }
  // A header that does not end with its signature (fields in another order) is parsed in full every time.
  const reordered = `AWS4-HMAC-SHA256 Signature=${SIG_B}, Credential=${credential}, SignedHeaders=host;x-amz-date`;
  assert.equal(parseAuthorization(reordered).signature, SIG_B);
  assert.equal(parseAuthorization(reordered.replace(SIG_B, SIG_A)).signature, SIG_A);
});
