import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { parseAuthorization } from '../src/api/auth/authorization-header.ts';
import { NodeSha256 } from './helpers/node-sha256.ts';
import { verifySigV4 } from '../src/api/auth/sigv4-verifier.ts';
import { SesError } from '../src/api/ses-error.ts';

const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2026, 10, 27, 13, 26, 28);
const clock = { now: () => NOW };

interface Case {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly sessionToken?: string;
  readonly unsignable?: string[];
}

/**
 * The verifier signs again with aws4; these requests are signed by another implementation,
 * @smithy/signature-v4 (the AWS SDK for JavaScript's), in the shapes clients send: botocore's three
 * headers, a session token, extra signed headers (user-agent, the SDK's amz-sdk-*), a signed payload
 * hash, a path prefix and a query string, header values with inner spaces.
 */
const CASES: Case[] = [
  {
    name: "botocore's header set",
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=example.com',
  },
  {
    name: 'with a session token',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=GetSendQuota&Version=2010-12-01',
    sessionToken: 'FwoGZXIvYXdzEXAMPLE//token+with=chars',
  },
  {
    name: 'user-agent and the SDK headers signed',
    path: '/',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'aws-sdk-js/3.0 ua/2.1',
      'amz-sdk-invocation-id': 'f00f',
      'amz-sdk-request': 'attempt=1; max=3',
    },
    body: 'Action=ListIdentities&Version=2010-12-01',
  },
  {
    name: 'a signed payload hash',
    path: '/',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-amz-content-sha256': createHash('sha256').update('Action=ListIdentities').digest('hex'),
    },
    body: 'Action=ListIdentities',
  },
  { name: 'a path prefix and a query string', path: '/ses/prefix/?b=2&a=1&a=0', headers: {}, body: '' },
  {
    name: 'inner spaces in a header value',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded;   charset=utf-8', 'x-custom': '  a   b  ' },
    body: 'Action=GetSendQuota',
  },
  { name: 'an empty body', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
];

async function smithySigned(c: Case): Promise<{ method: string; path: string; headers: Record<string, string>; body: Buffer }> {
  const [path, query = ''] = c.path.split('?') as [string, string?];
  const signer = new SignatureV4({
    service: 'ses',
    region: 'eu-west-1',
    credentials: { ...KEY, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) },
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const queryObject: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    const prev = queryObject[k];
    queryObject[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1:8580',
      path,
      query: queryObject,
      headers: { host: '127.0.0.1:8580', ...c.headers },
      body: c.body,
    },
    { signingDate: new Date(NOW - 60_000), signableHeaders: new Set(Object.keys(c.headers)) },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = String(v);
  return { method: 'POST', path: c.path, headers, body: Buffer.from(c.body) };
}

async function verify(request: { method: string; path: string; headers: Record<string, string>; body: Buffer }): Promise<void> {
  verifySigV4(request, parseAuthorization(request.headers['authorization']!), KEY.secretAccessKey, clock);
}

describe('SigV4 verification against requests signed by @smithy/signature-v4', () => {
  for (const c of CASES) {
    it(`accepts ${c.name}`, async () => {
      await verify(await smithySigned(c));
    });
    it(`refuses ${c.name} with the body, a signed header or the path changed`, async () => {
      const request = await smithySigned(c);
      const mismatch = (err: unknown) => err instanceof SesError && err.code === 'SignatureDoesNotMatch';
      await assert.rejects(verify({ ...request, body: Buffer.from(`${c.body}x`) }), mismatch);
      const name = Object.keys(c.headers)[0] ?? 'host';
      await assert.rejects(verify({ ...request, headers: { ...request.headers, [name]: `${request.headers[name]}x` } }), mismatch);
      await assert.rejects(verify({ ...request, path: `${c.path.split('?')[0]}x` }), mismatch);
    });
  }
  it('refuses another secret and an expired signature', async () => {
    const request = await smithySigned(CASES[0]!);
    assert.throws(
      () => verifySigV4(request, parseAuthorization(request.headers['authorization']!), 'another-secret', clock),
      (err: unknown) => err instanceof SesError && err.code === 'SignatureDoesNotMatch',
    );
    assert.throws(
      () => verifySigV4(request, parseAuthorization(request.headers['authorization']!), KEY.secretAccessKey, { now: () => NOW + 16 * 60_000 }),
      (err: unknown) => err instanceof SesError && /Signature expired/.test(err.message),
    );
  });
});
