import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { signRequest } from './sign.ts';

// The command line signs with node:crypto for start-up time; @smithy/signature-v4 is the reference.
for (const [label, creds, path] of [
  ['plain', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, '/'],
  ['session token and a path', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'EXAMPLESESSIONTOKEN' }, '/some/prefix'],
] as const) {
  test(`SigV4 matches @smithy/signature-v4 (${label})`, async () => {
    const date = new Date('2026-11-27T13:29:55Z');
    const url = new URL(`http://127.0.0.1:18112${path}`);
    const body = 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=example.com';
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: url.host };
    const mine = signRequest({ url, headers, body, date }, creds, 'eu-west-1');
    const signer = new SignatureV4({ credentials: creds, region: 'eu-west-1', service: 'ses', sha256: Sha256, applyChecksum: false });
    const ref = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 18112, path, query: {}, headers: { ...headers }, body },
      { signingDate: date },
    );
    assert.equal(mine['Authorization'], ref.headers['authorization']);
    assert.equal(mine['X-Amz-Date'], ref.headers['x-amz-date']);
    assert.match(
      mine['Authorization']!,
      /Credential=AKIDEXAMPLE\/20261127\/eu-west-1\/ses\/aws4_request, SignedHeaders=content-type;host;x-amz-date(;x-amz-security-token)?, /,
    );
  });
}

// SES v2 (REST-JSON): the wire path's labels are percent-encoded already and signed encoded once
// more; the query is signed sorted; GET has no content-type.
for (const [label, method, path, query, body] of [
  ['GET, an encoded label', 'GET', '/v2/email/identities/user%2Btag%40example.com', {}, ''],
  ['GET, a query', 'GET', '/v2/email/identities', { NextToken: 'b2Zmc2V0OjI=', PageSize: '2' }, ''],
  ['PUT, a JSON body', 'PUT', '/v1/email/identities/a%2Fb%40example.com/dkim/signing', {}, '{"SigningAttributesOrigin": "AWS_SES"}'],
] as const) {
  test(`SigV4 matches @smithy/signature-v4 for SES v2 (${label})`, async () => {
    const date = new Date('2026-11-27T13:29:55Z');
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const search = Object.entries(query)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    const url = new URL(`http://127.0.0.1:18112${path}${search ? `?${search}` : ''}`);
    const headers: Record<string, string> = body ? { 'content-type': 'application/json', host: url.host } : { host: url.host };
    const mine = signRequest({ url, method, headers, body, date }, creds, 'us-east-1');
    const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 'ses', sha256: Sha256, applyChecksum: false });
    const ref = await signer.sign(
      { method, protocol: 'http:', hostname: '127.0.0.1', port: 18112, path, query: { ...query }, headers: { ...headers }, body },
      { signingDate: date },
    );
    assert.equal(mine['Authorization'], ref.headers['authorization']);
  });
}
