import type { AccountStore, SecretSealer } from '../../app/account-ports.ts';
import { resolveAccessKey } from '../../app/accounts.ts';
import type { Clock } from '../../app/ports.ts';
import { LOCAL_ACCOUNT_ID, type Scope } from '../../core/index.ts';
import type { SesHttpRequest } from '../http-request.ts';
import { SesError } from '../ses-error.ts';
import { parseAuthorization } from './authorization-header.ts';
import { checkScopeRegion } from './region-check.ts';
import { verifySigV4 } from './sigv4-verifier.ts';

/** Decides which account and region a request acts for, or refuses it (403). */
export interface Authenticator {
  authenticate(request: SesHttpRequest): Promise<Scope>;
}

function missingToken(): SesError {
  return new SesError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
}

/**
 * The command line's in-process path: the caller is the owner of the data folder, so no signature
 * is needed. The region still comes from the credential scope when the caller signed anyway.
 */
export function localAuthenticator(defaultRegion: string, regions: ReadonlySet<string>): Authenticator {
  return {
    async authenticate(request) {
      const header = request.headers['authorization'];
      const region = header === undefined ? defaultRegion : parseAuthorization(header).region;
      checkScopeRegion(region, regions);
      return { accountId: LOCAL_ACCOUNT_ID, region };
    },
  };
}

/**
 * `signet serve --dev`: any well-formed SigV4 Authorization header is accepted and maps to the local
 * account (as LocalStack does), so tests need no real keys. Unsigned requests are still refused, as
 * SES refuses them.
 */
export function devAuthenticator(regions: ReadonlySet<string>): Authenticator {
  return {
    async authenticate(request) {
      const header = request.headers['authorization'];
      if (header === undefined) throw missingToken();
      const { region } = parseAuthorization(header);
      checkScopeRegion(region, regions);
      return { accountId: LOCAL_ACCOUNT_ID, region };
    },
  };
}

/** Full SigV4 verification against the access keys in the store. */
export function sigV4Authenticator(deps: { accounts: AccountStore; sealer: SecretSealer; clock: Clock; regions: ReadonlySet<string> }): Authenticator {
  return {
    async authenticate(request) {
      const header = request.headers['authorization'];
      if (header === undefined) throw missingToken();
      const auth = parseAuthorization(header);
      checkScopeRegion(auth.region, deps.regions);
      const key = await resolveAccessKey(deps, auth.accessKeyId);
      if (key === null) {
        throw new SesError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
      }
      // Synchronous: nothing in it waits, and every await costs a turn of the microtask queue.
      verifySigV4(request, auth, key.secretAccessKey, deps.clock);
      return { accountId: key.accountId, region: auth.region };
    },
  };
}
