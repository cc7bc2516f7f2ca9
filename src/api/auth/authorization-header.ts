import { SesError } from '../ses-error.ts';

/** The parts of an `AWS4-HMAC-SHA256` Authorization header (SigV4, "Authorization header" form). */
export interface SigV4Authorization {
  readonly accessKeyId: string;
  /** yyyymmdd of the credential scope. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  /** SignedHeaders as the header wrote it (the list joined by `;`): compared, not rebuilt, per request. */
  readonly signedHeadersText: string;
  readonly signature: string;
}

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

function incomplete(message: string): SesError {
  return new SesError('IncompleteSignature', message, 403);
}

/** What stays the same across a client's requests of a day: everything but the signature. */
type ParsedScope = Omit<SigV4Authorization, 'signature'>;

/**
 * Headers fully parsed before, by everything up to and including `Signature=`: every SDK and the CLI
 * write the same header for a key, day, region and list of signed headers, and only the 64 hex digits
 * at its end change. A header is looked up by that prefix (no regular expression over ~200
 * characters, no key to build), and only its signature is checked.
 */
const parsedScopes = new Map<string, ParsedScope>();
const MAX_PARSED_SCOPES = 1000;
const SIGNATURE_LENGTH = 64;
const SIGNATURE_FIELD = 'Signature=';

/** 64 lower-case hexadecimal digits, as SigV4 writes a signature. */
function isSignature(text: string): boolean {
  if (text.length !== SIGNATURE_LENGTH) return false;
  for (let i = 0; i < SIGNATURE_LENGTH; i++) {
    const c = text.charCodeAt(i);
    // 0-9 or a-f
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * Parses the Authorization header as AWS does, answering `IncompleteSignature` (403) for a header
 * that is not a complete SigV4 header, in AWS's words ("Authorization header requires 'Credential'
 * parameter. ..."). A header whose prefix was parsed before (see parsedScopes) is not parsed again:
 * the full parse, with its checks, was about 5% of the server's CPU on a cheap request, and the
 * regular expression that replaced it still about 1.7% (bench/sigv4-overhead.ts).
 */
export function parseAuthorization(header: string): SigV4Authorization {
  const cut = header.length - SIGNATURE_LENGTH;
  if (cut > 0) {
    const known = parsedScopes.get(header.slice(0, cut));
    const signature = header.slice(cut);
    if (known !== undefined && isSignature(signature)) {
      return {
        accessKeyId: known.accessKeyId,
        scopeDate: known.scopeDate,
        region: known.region,
        service: known.service,
        signedHeaders: known.signedHeaders,
        signedHeadersText: known.signedHeadersText,
        signature,
      };
    }
  }
  const parsed = parseAuthorizationFully(header);
  // Kept only for a header that ends with its signature field, so that the prefix names everything else.
  if (cut > 0 && header.endsWith(`${SIGNATURE_FIELD}${parsed.signature}`)) {
    if (parsedScopes.size >= MAX_PARSED_SCOPES) parsedScopes.clear();
    const { signature: _, ...scope } = parsed;
    parsedScopes.set(header.slice(0, cut), scope);
  }
  return parsed;
}

function parseAuthorizationFully(header: string): SigV4Authorization {
  const space = header.indexOf(' ');
  const algorithm = space === -1 ? header : header.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm.slice(0, 40)}'. Only ${SIGV4_ALGORITHM} is supported.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    throw incomplete(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ') + ` Authorization=${header.slice(0, 200)}`);
  }
  const credential = fields.get('Credential')!.split('/');
  if (credential.length !== 5 || credential.some((p) => p === '')) {
    throw incomplete(`Credential should be scoped to a valid region, service and date: 'Credential=${fields.get('Credential')!.slice(0, 120)}'.`);
  }
  const [accessKeyId, scopeDate, region, service, terminator] = credential as [string, string, string, string, string];
  if (terminator !== 'aws4_request') {
    throw incomplete(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator.slice(0, 40)}'.`);
  }
  if (!/^\d{8}$/.test(scopeDate))
    throw incomplete(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate.slice(0, 20)}'.`);
  if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(region)) throw incomplete(`Credential should be scoped to a valid region, not '${region.slice(0, 40)}'.`);
  const signature = fields.get('Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) throw incomplete('The Signature must be 64 lowercase hexadecimal characters.');
  const signedHeadersText = fields.get('SignedHeaders')!;
  const signedHeaders = signedHeadersText.split(';');
  if (signedHeaders.some((h) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) {
    throw incomplete('SignedHeaders must be lowercase header names separated by semicolons.');
  }
  return { accessKeyId, scopeDate, region, service, signedHeaders, signedHeadersText, signature };
}
