import aws4 from 'aws4';
import type { Clock } from '../../app/ports.ts';
import { SesError } from '../ses-error.ts';
import type { SesHttpRequest } from '../http-request.ts';
import type { SigV4Authorization } from './authorization-header.ts';
import { HmacSha256, hmacSha256, sha256Hex } from './sha256.ts';

/** SHA-256 of no bytes: the payload hash of every GET and DELETE. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

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
  const [year, month, day, hour, minute, second] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls over out-of-range fields (month 13, 31 February); a real date reads back the same.
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return real ? date : null;
}

/**
 * parseAmzDate for the request path: clients sign with the current second, so consecutive requests
 * mostly carry the same X-Amz-Date, and the last one parsed is kept (the Date is only read).
 */
let lastAmzDate: { text: string; date: Date | null } = { text: '', date: null };
function parseAmzDateCached(text: string): Date | null {
  if (lastAmzDate.text !== text) lastAmzDate = { text, date: parseAmzDate(text) };
  return lastAmzDate.date;
}

/**
 * SigV4's signing key, HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"),
 * prepared for HMAC; the same for every request of a key, day and region, so it is derived once.
 * Keyed by the secret itself (in memory only, as the secret already is): a key whose secret is
 * replaced gets a new entry.
 */
const signingKeys = new Map<string, HmacSha256>();
const MAX_SIGNING_KEYS = 1000;
let lastSigningKey: { secretAccessKey: string; day: string; region: string; service: string; key: HmacSha256 } | null = null;
function signingKey(secretAccessKey: string, day: string, region: string, service: string): HmacSha256 {
  // Most requests come from the key, day and region of the one before: no id string to build and hash.
  const last = lastSigningKey;
  if (last !== null && last.secretAccessKey === secretAccessKey && last.day === day && last.region === region && last.service === service) return last.key;
  const key = signingKeyById(secretAccessKey, day, region, service);
  lastSigningKey = { secretAccessKey, day, region, service, key };
  return key;
}

function signingKeyById(secretAccessKey: string, day: string, region: string, service: string): HmacSha256 {
  const id = `${day}/${region}/${service}/${secretAccessKey}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    let k = hmacSha256(`AWS4${secretAccessKey}`, day);
    for (const part of [region, service, 'aws4_request']) k = hmacSha256(k, part);
    key = new HmacSha256(k);
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** Headers aws4 adds to a request, or signs from it, unless told not to. */
const AWS4_ADDED_HEADERS = ['content-type', 'content-length', 'x-amz-security-token', 'x-amz-content-sha256', 'host'];

/**
 * Whether two signatures (64 hex digits) are equal, in time that does not depend on where they
 * differ: every character is compared (as crypto.timingSafeEqual does), without making Buffers of them.
 */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== 64 || b.length !== 64) return false;
  let diff = 0;
  for (let i = 0; i < 64; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Everything about a SigV4 request that its headers alone decide, in AWS's order and words: the
 * service, a signed X-Amz-Date within 15 minutes of our clock and matching the credential scope, and
 * `host` among the signed headers. The HTTP server runs this before it reads a body (issue 14: a
 * request that is bound to fail must not get to send 40 MB first); verifySigV4 runs it again.
 * Returns the X-Amz-Date.
 */
export function checkSigV4Headers(
  headers: Readonly<Record<string, string | undefined>>,
  auth: SigV4Authorization,
  clock: Clock,
  /** `ses` for every request Signet serves; the AWS SigV4 test suite signs for `service`. */
  service: string = SIGNING_SERVICE,
): string {
  if (auth.service !== service) {
    throw denied(`Credential should be scoped to correct service: '${service}'.`);
  }
  const amzDate = headers['x-amz-date'];
  if (amzDate === undefined || !auth.signedHeaders.includes('x-amz-date')) {
    throw new SesError('IncompleteSignature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header, signed.", 403);
  }
  const signingDate = parseAmzDateCached(amzDate);
  if (signingDate === null) throw new SesError('IncompleteSignature', `X-Amz-Date must be in ISO 8601 basic format: '${amzDate.slice(0, 40)}'.`, 403);
  if (amzDate.slice(0, 8) !== auth.scopeDate) {
    throw denied(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
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
  // AWS requires the Host header signed (SignatureDoesNotMatch, after the date checks): otherwise a
  // captured request could be replayed against another endpoint. Every SDK and the CLI sign it.
  if (!auth.signedHeaders.includes('host')) throw denied(HOST_NOT_SIGNED);
  return amzDate;
}

/** AWS's words when `host` is not among the SignedHeaders. */
export const HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";

/**
 * Checks a request's SigV4 signature by making the same canonical request again (plainCanonicalRequest
 * for the common shape, aws4's for the rest): the headers named in SignedHeaders exactly as received,
 * the path and query, and the SHA-256 of the exact body bytes. The string to sign and its HMAC under
 * the day's signing key are computed here with one-shot hashes (./sha256.ts) rather than by aws4's
 * signature(), which creates a Hash and an Hmac object per request; the signatures are compared in
 * constant time. aws4 rather than @smithy/signature-v4: both make the same canonical request
 * (test/sigv4-verifier.test.ts checks requests signed by @smithy, botocore and the SDK are accepted),
 * but aws4 is synchronous and took about a fifth of @smithy's time per request, and verification runs
 * on every request (bench/sigv4-overhead.ts).
 */
export function verifySigV4(
  request: SesHttpRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
  clock: Clock,
  /** `ses` for every request Signet serves; the AWS SigV4 test suite signs for `service`. */
  service: string = SIGNING_SERVICE,
): void {
  const amzDate = checkSigV4Headers(request.headers, auth, clock, service);

  for (const name of auth.signedHeaders) {
    if (request.headers[name] === undefined) throw denied(SIGNATURE_MISMATCH);
  }
  // A client may sign the payload hash as a header (x-amz-content-sha256); a signer would trust it
  // instead of hashing the body, so it must match the body we actually received.
  const bodyHash = request.bodySha256 ?? (request.body.length === 0 ? EMPTY_SHA256 : sha256Hex(request.body));
  const declared = request.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== bodyHash) throw denied(SIGNATURE_MISMATCH);

  const canonical = plainCanonicalRequest(request, auth, bodyHash) ?? aws4CanonicalRequest(request, auth, bodyHash, secretAccessKey, service);
  const scope = `${auth.scopeDate}/${auth.region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical.text)}`;
  // ASCII only: the date and scope passed the checks above (digits, a region of [a-z0-9-], the
  // service), and the rest is hex.
  const expected = signingKey(secretAccessKey, auth.scopeDate, auth.region, service).hexOfAscii(stringToSign);
  const same = constantTimeEqual(expected, auth.signature);
  if (!same || canonical.signedHeaders !== auth.signedHeadersText) throw denied(SIGNATURE_MISMATCH);
}

interface CanonicalRequest {
  readonly text: string;
  /** The signed header names as the canonical request lists them (sorted, each once). */
  readonly signedHeaders: string;
}

/** White space that `replace(/\s+/g, ' ')` would change: a run of two, or one that is not a space. */
const WHITE_SPACE_TO_FOLD = /\s\s|[^\S ]/;

/** A path that SigV4's canonicalization leaves as it is: unreserved characters only, no `.`, `..` or empty segments. */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-._~]+)*\/?$/;

/**
 * The canonical request (SigV4, "Create a canonical request") of the common request, written out here
 * because aws4's general one (query parsing, path normalization, header filtering, per-piece
 * encoding) was the largest part of verification: about 15% of the server's CPU on SES v2's
 * GetEmailIdentity (bench/sigv4-overhead.ts --api v2). It covers a path that canonicalization leaves
 * unchanged, no query string, and any signed headers (values trimmed, runs of white space made one
 * space, as aws4 and AWS do); null for anything else, which goes to aws4. The two agree wherever
 * this one answers: test/sigv4-test-suite.test.ts and src/api/auth/sigv4-verifier.test.ts compare them.
 */
export function plainCanonicalRequest(request: SesHttpRequest, auth: SigV4Authorization, bodyHash: string): CanonicalRequest | null {
  const path = request.path ?? '/';
  if (!PLAIN_PATH.test(path) || path === '') return null;
  // Clients list them sorted, each once (anything else is refused by the caller); sorted anyway.
  let names = auth.signedHeaders;
  for (let i = 1; i < names.length; i++) {
    if (!(names[i - 1]! < names[i]!)) {
      names = [...new Set(names)].sort();
      break;
    }
  }
  // aws4 drops an Authorization header from what it signs.
  if (names.includes('authorization')) return null;
  let headerLines = '';
  for (const name of names) {
    const value = (name === 'x-amz-content-sha256' ? bodyHash : request.headers[name]!).trim();
    // Runs of white space become one space; most values have none, and need no new string.
    headerLines += `${name}:${WHITE_SPACE_TO_FOLD.test(value) ? value.replace(/\s+/g, ' ') : value}\n`;
  }
  const signedHeaders = names.join(';');
  return { text: `${request.method}\n${path}\n\n${headerLines}\n${signedHeaders}\n${bodyHash}`, signedHeaders };
}

/**
 * The canonical request as aws4's RequestSigner makes it (a well-kept SigV4 signer, so the general
 * case of canonicalization is not ours to get wrong): the headers named in SignedHeaders exactly as
 * received, the path and query, and the SHA-256 of the exact body bytes.
 */
export function aws4CanonicalRequest(
  request: SesHttpRequest,
  auth: SigV4Authorization,
  bodyHash: string,
  secretAccessKey: string,
  service: string,
): CanonicalRequest {
  const headers: Record<string, string> = {};
  const extraHeadersToInclude: Record<string, boolean> = {};
  for (const name of auth.signedHeaders) {
    headers[name] = request.headers[name]!;
    extraHeadersToInclude[name] = true;
  }
  // The hash computed by the caller goes to the signer in that header, so the body is hashed once per
  // request; it takes part in the canonical request only when the client signed it (extraHeadersToIgnore below).
  headers['x-amz-content-sha256'] = bodyHash;
  // aws4 adds headers of its own when they are missing (Content-Type, Content-Length, the session
  // token) and leaves some out by default (User-Agent, ...): what the client did not sign stays out,
  // what it signed goes in, so the canonical request has exactly the client's SignedHeaders.
  const extraHeadersToIgnore: Record<string, boolean> = {};
  for (const name of AWS4_ADDED_HEADERS) {
    if (extraHeadersToInclude[name] !== true) extraHeadersToIgnore[name] = true;
  }
  const signer = new aws4.RequestSigner(
    {
      method: request.method,
      host: headers['host'] ?? '',
      path: request.path ?? '/',
      service,
      region: auth.region,
      body: request.body,
      headers,
      extraHeadersToIgnore,
      extraHeadersToInclude,
    } as aws4.Request,
    {
      accessKeyId: auth.accessKeyId,
      secretAccessKey,
      ...(headers['x-amz-security-token'] !== undefined ? { sessionToken: headers['x-amz-security-token'] } : {}),
    },
  ) as aws4.RequestSigner & { prepareRequest(): void; canonicalString(): string; signedHeaders(): string };
  signer.prepareRequest();
  return { text: signer.canonicalString(), signedHeaders: signer.signedHeaders() };
}
