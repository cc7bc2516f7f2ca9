import { SesError } from '../ses-error.ts';

/** The parts of an `AWS4-HMAC-SHA256` Authorization header (SigV4, "Authorization header" form). */
export interface SigV4Authorization {
  readonly accessKeyId: string;
  /** yyyymmdd of the credential scope. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

function incomplete(message: string): SesError {
  return new SesError('IncompleteSignature', message, 403);
}

/** The form every SDK and the CLI write: only the signature changes between a client's requests of a day. */
const COMMON_FORM = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
const parsedScopes = new Map<string, Omit<SigV4Authorization, 'signature'>>();
const MAX_PARSED_SCOPES = 1000;

/**
 * Parses the Authorization header as AWS does, answering `IncompleteSignature` (403) for a header
 * that is not a complete SigV4 header, in AWS's words ("Authorization header requires 'Credential'
 * parameter. ..."). A header of the common form is parsed fully once per credential scope and list
 * of signed headers, then only its signature is read (the full parse, with its checks, was about 5%
 * of the server's CPU on a cheap request: bench/sigv4-overhead.ts).
 */
export function parseAuthorization(header: string): SigV4Authorization {
  const common = COMMON_FORM.exec(header);
  if (common === null) return parseAuthorizationFully(header);
  const key = `${common[1]}\n${common[2]}`;
  const known = parsedScopes.get(key);
  if (known !== undefined) return { ...known, signature: common[3]! };
  const parsed = parseAuthorizationFully(header);
  if (parsedScopes.size >= MAX_PARSED_SCOPES) parsedScopes.clear();
  const { signature: _, ...scope } = parsed;
  parsedScopes.set(key, scope);
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
  const signedHeaders = fields.get('SignedHeaders')!.split(';');
  if (signedHeaders.some((h) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) {
    throw incomplete('SignedHeaders must be lowercase header names separated by semicolons.');
  }
  return { accessKeyId, scopeDate, region, service, signedHeaders, signature };
}
