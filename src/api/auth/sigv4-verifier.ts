import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Clock } from '../../app/ports.ts';
import { SesError } from '../ses-error.ts';
import type { SesHttpRequest } from '../handler.ts';
import { NodeSha256 } from './node-sha256.ts';
import type { SigV4Authorization } from './authorization-header.ts';

/** AWS refuses a signature whose X-Amz-Date is more than 15 minutes from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
export const SIGNING_SERVICE = 'ses';

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function denied(message: string): SesError {
  return new SesError('SignatureDoesNotMatch', message, 403);
}

/** `20261127T132628Z` → Date, or null when it is not that form. */
export function parseAmzDate(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) || formatAmzDate(date) !== text ? null : date;
}

export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Checks a request's SigV4 signature by signing the same request again with @smithy/signature-v4 (the
 * AWS SDK's own signer, so canonicalization is not ours to get wrong): the headers named in
 * SignedHeaders exactly as received, the path and query, and the SHA-256 of the exact body bytes.
 * The signatures are compared in constant time.
 */
export async function verifySigV4(
  request: SesHttpRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
  clock: Clock,
): Promise<void> {
  if (auth.service !== SIGNING_SERVICE) {
    throw denied(`Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`);
  }
  const amzDate = request.headers['x-amz-date'];
  if (amzDate === undefined || !auth.signedHeaders.includes('x-amz-date')) {
    throw new SesError(
      'IncompleteSignature',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header, signed.",
      403,
    );
  }
  const signingDate = parseAmzDate(amzDate);
  if (signingDate === null) throw new SesError('IncompleteSignature', `X-Amz-Date must be in ISO 8601 basic format: '${amzDate.slice(0, 40)}'.`, 403);
  if (amzDate.slice(0, 8) !== auth.scopeDate) {
    throw denied(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  }
  // The skew check, in AWS's words (SignatureDoesNotMatch, "Signature expired: ...").
  const now = clock.now();
  if (signingDate.getTime() < now - MAX_CLOCK_SKEW_MS) {
    const limit = formatAmzDate(new Date(now - MAX_CLOCK_SKEW_MS));
    throw denied(`Signature expired: ${amzDate} is now earlier than ${limit} (${formatAmzDate(new Date(now))} - 15 min.)`);
  }
  if (signingDate.getTime() > now + MAX_CLOCK_SKEW_MS) {
    const limit = formatAmzDate(new Date(now + MAX_CLOCK_SKEW_MS));
    throw denied(`Signature not yet current: ${amzDate} is still later than ${limit} (${formatAmzDate(new Date(now))} + 15 min.)`);
  }

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw denied(SIGNATURE_MISMATCH);
    headers[name] = value;
  }
  // A client may sign the payload hash as a header (x-amz-content-sha256); the signer would trust it
  // instead of hashing the body, so it must match the body we actually received.
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const declared = request.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== bodyHash) throw denied(SIGNATURE_MISMATCH);
  // The hash just computed goes to the signer in that header, so the body is hashed once per request;
  // it takes part in the canonical request only when the client signed it (unsignableHeaders below).
  headers['x-amz-content-sha256'] = bodyHash;

  const [path, queryText] = splitTarget(request.path ?? '/');
  const signer = signerFor(auth.accessKeyId, secretAccessKey, auth.region, headers['x-amz-security-token']);
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: headers['host'] ?? '',
      path,
      query: parseQuery(queryText),
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(auth.signedHeaders), unsignableHeaders: PAYLOAD_HASH_ONLY },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1] ?? '';
  const list = /SignedHeaders=([^,]+)/.exec(String(signed.headers['authorization']))?.[1] ?? '';
  const same =
    expected.length === 64 && timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(auth.signature, 'latin1'));
  if (!same || list !== auth.signedHeaders.join(';')) throw denied(SIGNATURE_MISMATCH);
}

/**
 * Signers are kept per key and region: building one per request cost more than the signing itself,
 * and a kept signer also keeps its derived signing key (the SigV4 HMAC chain over date, region and
 * service) for the day. Bounded: cleared whole when full.
 */
const signers = new Map<string, SignatureV4>();
const PAYLOAD_HASH_ONLY = new Set(['x-amz-content-sha256']);
const MAX_SIGNERS = 1000;

function signerFor(accessKeyId: string, secretAccessKey: string, region: string, sessionToken: string | undefined): SignatureV4 {
  const cacheKey = `${accessKeyId}\n${secretAccessKey}\n${region}\n${sessionToken ?? ''}`;
  let signer = signers.get(cacheKey);
  if (signer === undefined) {
    signer = new SignatureV4({
      service: SIGNING_SERVICE,
      region,
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
      sha256: NodeSha256,
      applyChecksum: false,
    });
    if (signers.size >= MAX_SIGNERS) signers.clear();
    signers.set(cacheKey, signer);
  }
  return signer;
}

function splitTarget(target: string): [string, string] {
  const q = target.indexOf('?');
  return q === -1 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)];
}

function parseQuery(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
