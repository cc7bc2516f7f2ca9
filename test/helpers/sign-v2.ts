import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256.ts';
import type { AccessKey } from './sign.ts';

export interface V2Request {
  readonly method: string;
  /** The wire path and query, labels percent-encoded once (the canonical request encodes them again). */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Signs an SES v2 (REST-JSON) request as aws-sdk-js-v3 does, with its own signer (@smithy/signature-v4):
 * the path double-encoded in the canonical request, the query sorted, and x-amz-content-sha256 and the
 * amz-sdk-* headers signed. Returns the request to send as is.
 */
export async function signedV2(
  url: string,
  key: AccessKey,
  method: string,
  path: string,
  body = '',
  options: { region?: string; date?: Date } = {},
): Promise<V2Request> {
  const target = new URL(url);
  const [pathname, query = ''] = path.split('?') as [string, string?];
  const queryObject: Record<string, string> = {};
  for (const pair of query.split('&').filter(Boolean)) {
    const [k, v = ''] = pair.split('=');
    queryObject[decodeURIComponent(k!)] = decodeURIComponent(v);
  }
  const signer = new SignatureV4({ service: 'ses', region: options.region ?? 'us-east-1', credentials: key, sha256: NodeSha256, applyChecksum: true });
  const headers: Record<string, string> = {
    host: target.host,
    'amz-sdk-invocation-id': '00000000-0000-4000-8000-000000000000',
    'amz-sdk-request': 'attempt=1; max=3',
    'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    ...(body === '' ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
  };
  const signed = await signer.sign(
    { method, protocol: target.protocol, hostname: target.host, path: pathname, query: queryObject, headers, body },
    options.date ? { signingDate: options.date } : {},
  );
  return { method, path, headers: signed.headers as Record<string, string>, body };
}
