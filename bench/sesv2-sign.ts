/** Signing SES v2 requests for the benchmarks, as aws-sdk-js-v3 signs them (@smithy/signature-v4). */
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../test/helpers/node-sha256.ts';
import type { AccessKey } from '../test/helpers/sign.ts';

export interface V2Request {
  readonly method: string;
  /** The wire path, labels percent-encoded once (the canonical request encodes them again). */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export async function signedV2(url: string, key: AccessKey, method: string, path: string, body = '', date = new Date()): Promise<V2Request> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'ses', region: 'us-east-1', credentials: key, sha256: NodeSha256, applyChecksum: true });
  const headers: Record<string, string> = {
    host: target.host,
    'amz-sdk-invocation-id': '00000000-0000-4000-8000-000000000000',
    'amz-sdk-request': 'attempt=1; max=3',
    'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    ...(body === '' ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
  };
  const signed = await signer.sign({ method, protocol: target.protocol, hostname: target.host, path, query: {}, headers, body }, { signingDate: date });
  return { method, path, headers: signed.headers as Record<string, string>, body };
}
