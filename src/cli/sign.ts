import { crypto } from './builtins.ts';
import type { Credentials } from './config.ts';

export interface RequestToSign {
  readonly url: URL;
  /** The headers present when botocore signs: `content-type` and `host` (lower-case names). */
  readonly headers: Record<string, string>;
  readonly body: string;
  /** For tests: the signing time (default now). */
  readonly date?: Date;
}

/**
 * SigV4 as botocore signs SES requests: service `ses` (the signing name, not the endpoint prefix
 * `email`), signed headers `content-type;host;x-amz-date` (+ `x-amz-security-token`), no
 * `x-amz-content-sha256` header, an empty canonical query string. Returns the headers to add.
 *
 * Written on node:crypto rather than @smithy/signature-v4 because loading that package (and its
 * @smithy/util-* and @aws-crypto dependencies) costs about 250 ms of a ~40 ms budget for the whole
 * command; src/cli/sign.test.ts checks that both produce the same signature. node:crypto comes
 * through ./builtins.ts: as an ES module import it would also load its webcrypto and key modules.
 */
export function signRequest(req: RequestToSign, credentials: Credentials, region: string): Record<string, string> {
  const iso = (req.date ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = iso.slice(0, 8);
  const headers: Record<string, string> = { ...req.headers, 'x-amz-date': iso };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    'POST',
    canonicalUri(req.url.pathname),
    '',
    canonicalHeaders,
    signedHeaders,
    sha256Hex(req.body),
  ].join('\n');
  const scope = `${day}/${region}/ses/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', iso, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, 'ses', 'aws4_request']) key = hmac(key, part);
  const signature = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  const out: Record<string, string> = { 'X-Amz-Date': iso };
  if (credentials.sessionToken) out['X-Amz-Security-Token'] = credentials.sessionToken;
  out['Authorization'] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return out;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: string): string {
  return crypto.createHash('sha256').update(data, 'utf8').digest('hex');
}

/** Each path segment URI-encoded (RFC 3986 unreserved kept), as botocore's SigV4Auth does. */
function canonicalUri(path: string): string {
  const p = path === '' ? '/' : path;
  return p
    .split('/')
    .map((seg) => encodeURIComponent(decodeURIComponent(seg)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}
