import type { AccountStore, SecretSealer } from '../../app/account-ports.ts';
import { resolveAccessKey } from '../../app/accounts.ts';
import type { Clock } from '../../app/ports.ts';
import { LOCAL_ACCOUNT_ID, type Scope } from '../../core/index.ts';
import type { SesHttpRequest } from '../http-request.ts';
import { SesError } from '../ses-error.ts';
import { parseAuthorization } from './authorization-header.ts';
import { checkScopeRegion } from './region-check.ts';
import { checkSigV4Headers, verifySigV4 } from './sigv4-verifier.ts';

type Headers = Readonly<Record<string, string | undefined>>;

/** Decides which account and region a request acts for, or refuses it (403). */
export interface Authenticator {
  authenticate(request: SesHttpRequest): Promise<Scope>;
  /**
   * What the headers alone decide, before the body is read: refuses (403, the same error
   * `authenticate` would give) a request that is bound to fail, and tells whom the rest claims to be.
   * Passing it proves nothing: only `authenticate` checks the signature.
   */
  precheck(headers: Headers): Promise<Scope>;
}

function missingToken(): SesError {
  return new SesError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
}

/**
 * The command line's in-process path: the caller is the owner of the data folder, so no signature
 * is needed. The region still comes from the credential scope when the caller signed anyway.
 */
export function localAuthenticator(defaultRegion: string, regions: ReadonlySet<string>): Authenticator {
  const scopeOf = async (headers: Headers): Promise<Scope> => {
    const header = headers['authorization'];
    const region = header === undefined ? defaultRegion : parseAuthorization(header).region;
    checkScopeRegion(region, regions);
    return { accountId: LOCAL_ACCOUNT_ID, region };
  };
  return { authenticate: (request) => scopeOf(request.headers), precheck: scopeOf };
}

/**
 * `signet serve --dev`: any well-formed SigV4 Authorization header is accepted and maps to the local
 * account (as LocalStack does), so tests need no real keys. Unsigned requests are still refused, as
 * SES refuses them.
 */
export function devAuthenticator(regions: ReadonlySet<string>): Authenticator {
  const scopeOf = async (headers: Headers): Promise<Scope> => {
    const header = headers['authorization'];
    if (header === undefined) throw missingToken();
    const { region } = parseAuthorization(header);
    checkScopeRegion(region, regions);
    return { accountId: LOCAL_ACCOUNT_ID, region };
  };
  return { authenticate: (request) => scopeOf(request.headers), precheck: scopeOf };
}

/** Full SigV4 verification against the access keys in the store. */
export function sigV4Authenticator(deps: { accounts: AccountStore; sealer: SecretSealer; clock: Clock; regions: ReadonlySet<string> }): Authenticator {
  // What precheck resolved, by the scope object it returned: the HTTP server hands that object back
  // in `request.prechecked`, so the header is not parsed and the key not looked up twice.
  const prechecked = new WeakMap<Scope, Awaited<ReturnType<typeof keyOf>>>();
  const keyOf = async (headers: Headers) => {
    const header = headers['authorization'];
    if (header === undefined) throw missingToken();
    const auth = parseAuthorization(header);
    checkScopeRegion(auth.region, deps.regions);
    const key = await resolveAccessKey(deps, auth.accessKeyId);
    if (key === null) {
      throw new SesError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    }
    return { auth, key };
  };
  return {
    async authenticate(request) {
      const { auth, key } = (request.prechecked && prechecked.get(request.prechecked)) || (await keyOf(request.headers));
      // Synchronous: nothing in it waits, and every await costs a turn of the microtask queue.
      verifySigV4(request, auth, key.secretAccessKey, deps.clock);
      return { accountId: key.accountId, region: auth.region };
    },
    async precheck(headers) {
      const found = await keyOf(headers);
      checkSigV4Headers(headers, found.auth, deps.clock);
      const scope = { accountId: found.key.accountId, region: found.auth.region };
      prechecked.set(scope, found);
      return scope;
    },
  };
}
