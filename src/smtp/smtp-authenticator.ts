import type { AccountStore, SecretSealer } from '../app/account-ports.ts';
import { resolveAccessKey } from '../app/accounts.ts';
import { LOCAL_ACCOUNT_ID, type Scope } from '../core/index.ts';
import { regionOfSmtpPassword } from './smtp-password.ts';

/** Who an SMTP session sends as: the account and the region, or null for 535. */
export interface SmtpAuthenticator {
  authenticate(username: string, password: string): Promise<Scope | null>;
}

/**
 * SES's SMTP credentials: the user name is an access key id, the password its secret's v4 SMTP
 * password for one region, and that region is where the session's messages are sent. Temporary
 * (`ASIA...`) keys are never valid SMTP user names (smtp-credentials.md); Signet stores none anyway.
 */
export function accessKeySmtpAuthenticator(deps: { accounts: AccountStore; sealer: SecretSealer }, regions: readonly string[]): SmtpAuthenticator {
  return {
    async authenticate(username, password) {
      if (!/^AKIA[A-Z0-9]{12,124}$/.test(username)) return null;
      const key = await resolveAccessKey(deps, username);
      if (key === null) return null;
      const region = regionOfSmtpPassword(key.secretAccessKey, password, regions);
      return region === null ? null : { accountId: key.accountId, region };
    },
  };
}

/** `signet serve --dev`: any user name and password, as the dev API accepts any signature. */
export function devSmtpAuthenticator(region: string): SmtpAuthenticator {
  return {
    async authenticate() {
      return { accountId: LOCAL_ACCOUNT_ID, region };
    },
  };
}
