import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Credentials } from './config.ts';
import { pyQuote } from './rest-json.ts';

export interface RequestToSign {
  readonly url: URL;
  /** The headers present when botocore signs: `content-type` and `host` (lower-case names). */
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Default POST (the Query API's only method). */
  readonly method?: string;
  /** For tests: the signing time (default now). */
  readonly date?: Date;
  /** For tests: the signing name (default `ses`; the AWS SigV4 test suite signs for `service`). */
  readonly service?: string;
}

/**
 * SigV4 as botocore signs SES requests: service `ses` (the signing name, not the endpoint prefix
 * `email`, for v1 and v2 alike), the headers present (`content-type` when there is a body, `host`,
 * `x-amz-date`, `x-amz-security-token`), no `x-amz-content-sha256` header, the request's method,
 * path and sorted query (v1: POST to `/`, no query). Returns the headers to add.
 *
 * Written here rather than taken from @smithy/signature-v4 because loading that package (and its
 * @smithy/util-* and @aws-crypto dependencies) costs about 250 ms of a ~35 ms budget for the whole
 * command; src/cli/sign.test.ts checks that both produce the same signature. The hashes come from
 * @noble/hashes (audited, pure JavaScript, bundled into dist/ses.cjs) rather than node:crypto: Node
 * loads node:crypto with some fifteen internal modules, and with the bundle's code cache hashing a
 * few hundred bytes in JavaScript costs less than that load (about 10 ms less per command in
 * bench/cli-startup.mjs).
 */
export function signRequest(req: RequestToSign, credentials: Credentials, region: string): Record<string, string> {
  const iso = (req.date ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = iso.slice(0, 8);
  const service = req.service ?? 'ses';
  const headers: Record<string, string> = { ...req.headers, 'x-amz-date': iso };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    req.method ?? 'POST',
    canonicalUri(req.url.pathname),
    canonicalQuery(req.url.search),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(req.body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', iso, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(utf8ToBytes(`AWS4${credentials.secretAccessKey}`), day);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = bytesToHex(hmac(key, stringToSign));
  const out: Record<string, string> = { 'X-Amz-Date': iso };
  if (credentials.sessionToken) out['X-Amz-Security-Token'] = credentials.sessionToken;
  out['Authorization'] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return out;
}

function hmac(key: Uint8Array, data: string): Uint8Array {
  return nobleHmac(sha256, key, utf8ToBytes(data));
}

function sha256Hex(data: string): string {
  return bytesToHex(sha256(utf8ToBytes(data)));
}

/**
 * The wire path quoted once more (botocore's SigV4Auth: quote(path, safe='/~')): a REST path's
 * labels are already percent-encoded on the wire (`user%2Btag%40example.com`), and AWS signs them
 * encoded twice (`user%252Btag%2540example.com`). The Query API's path is `/`.
 */
function canonicalUri(path: string): string {
  return pyQuote(path === '' ? '/' : path, '/~');
}

/** botocore's canonical query string: each key and value quoted (safe `-_.~`), sorted. */
function canonicalQuery(search: string): string {
  if (search === '' || search === '?') return '';
  const pairs = search
    .slice(1)
    .split('&')
    .map((kv) => {
      const eq = kv.indexOf('=');
      const k = decodeURIComponent(eq === -1 ? kv : kv.slice(0, eq));
      const v = eq === -1 ? '' : decodeURIComponent(kv.slice(eq + 1));
      return [pyQuote(k), pyQuote(v)] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}
