import { request as httpRequest, type Agent } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256.ts';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Signs a Query-protocol POST the way botocore does (content-type, host, x-amz-date signed; no
 * payload-hash header), with the AWS SDK's own signer. Returns the headers to send.
 */
export async function signForm(url: string, body: string | Buffer, key: AccessKey, region = 'us-east-1', date = new Date()): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'ses', region, credentials: key, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: target.protocol,
      hostname: target.host,
      path: target.pathname,
      query: {},
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: target.host },
      body,
    },
    { signingDate: date },
  );
  return signed.headers as Record<string, string>;
}

export interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly code: string | null;
}

/** POSTs exactly these bytes with exactly these headers. */
export function postRaw(url: string, headers: Record<string, string>, body: string | Buffer, agent?: Agent): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers, ...(agent ? { agent } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs and sends a form body. */
export async function callSigned(url: string, body: string, key: AccessKey, region = 'us-east-1', agent?: Agent): Promise<RawResponse> {
  return postRaw(url, await signForm(url, body, key, region), body, agent);
}

/** A SigV4-signed GET (service ses), as an SDK would sign a REST call; returns the headers to send. */
export async function signGet(url: string, key: AccessKey, region = 'us-east-1'): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'ses', region, credentials: key, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign({
    method: 'GET',
    protocol: target.protocol,
    hostname: target.host,
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { host: target.host },
  });
  return signed.headers as Record<string, string>;
}

/**
 * A wrong secret or password: the given one with its last character changed. Set to a fixed
 * character, it stayed as it was whenever it already ended in that one (a random secret over 64
 * characters: one run in 64), and the request was then signed right.
 */
export function otherLastCharacter(secret: string): string {
  return `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;
}
