import { DomainError, LOCAL_ACCOUNT_ID, accessKeyIdFromBytes, accountIdFromBytes, isAccountId, secretAccessKeyFromBytes } from '../core/index.ts';
import type { AccountRecord, AccountStore, SecretSealer, StoredAccessKey } from './account-ports.ts';
import type { Clock, Random } from './ports.ts';

export interface AccountsContext {
  readonly accounts: AccountStore;
  readonly sealer: SecretSealer;
  readonly clock: Clock;
  readonly random: Random;
}

export interface NewAccessKey {
  readonly accountId: string;
  readonly accessKeyId: string;
  /** Shown once, when created; only its sealed form is stored. */
  readonly secretAccessKey: string;
}

/** The AAD under which an access key's secret is sealed: its own key id. */
export function accessKeyContext(accessKeyId: string): string {
  return `signet/access-key-secret/${accessKeyId}`;
}

/**
 * A new account starts in SES's sandbox, as new SES accounts do: it may send only to its own verified
 * identities and the mailbox simulator until production access is granted.
 */
export async function createAccount(ctx: AccountsContext, accountId?: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = accountId ?? accountIdFromBytes(ctx.random.bytes(12));
    if (!isAccountId(id)) throw new DomainError('invalid_parameter', `Invalid account id ${id}: 12 digits expected.`);
    if (await ctx.accounts.createAccount(id, ctx.clock.now(), false)) return id;
    if (accountId !== undefined) throw new DomainError('invalid_parameter', `Account ${id} already exists.`);
  }
  throw new Error('could not find a free account id');
}

export async function createAccessKey(ctx: AccountsContext, accountId: string): Promise<NewAccessKey> {
  const accessKeyId = accessKeyIdFromBytes(ctx.random.bytes(16));
  const secretAccessKey = secretAccessKeyFromBytes(ctx.random.bytes(40));
  const added = await ctx.accounts.addAccessKey({
    accessKeyId,
    accountId,
    sealedSecret: ctx.sealer.seal(secretAccessKey, accessKeyContext(accessKeyId)),
    createdAt: ctx.clock.now(),
  });
  if (!added) throw new DomainError('invalid_parameter', `Account ${accountId} does not exist.`);
  return { accountId, accessKeyId, secretAccessKey };
}

export async function listAccounts(ctx: AccountsContext): Promise<AccountRecord[]> {
  return ctx.accounts.listAccounts();
}

/** `signet admin grant-production-access` (and `--revoke`): moves an account out of the sandbox or back into it. */
export async function setProductionAccess(ctx: AccountsContext, accountId: string, enabled: boolean): Promise<void> {
  if (!isAccountId(accountId)) throw new DomainError('invalid_parameter', `Invalid account id ${accountId}: 12 digits expected.`);
  if (!(await ctx.accounts.setProductionAccess(accountId, enabled))) {
    throw new DomainError('invalid_parameter', `Account ${accountId} does not exist.`);
  }
}

/**
 * `signet serve --dev`: the dev account exists (whatever the data folder held before) with production
 * access, so that a test suite sends anywhere, unless `--sandbox` asks for the sandbox. Set on every
 * start, so that one data folder serves both.
 */
export async function prepareDevAccount(ctx: AccountsContext, sandbox: boolean): Promise<void> {
  await ctx.accounts.createAccount(LOCAL_ACCOUNT_ID, ctx.clock.now(), !sandbox);
  await ctx.accounts.setProductionAccess(LOCAL_ACCOUNT_ID, !sandbox);
}

export async function deleteAccessKey(ctx: AccountsContext, accessKeyId: string): Promise<void> {
  if (!(await ctx.accounts.deleteAccessKey(accessKeyId))) {
    throw new DomainError('invalid_parameter', `Access key ${accessKeyId} does not exist.`);
  }
}

/**
 * The first start of a server: when no account exists yet, create the local account and one access
 * key, and return them so they can be shown once. Later starts return null. The operator's own
 * account has production access (it is not a customer signing up).
 */
export async function bootstrapAccount(ctx: AccountsContext): Promise<NewAccessKey | null> {
  if ((await ctx.accounts.listAccounts()).length > 0) return null;
  if (!(await ctx.accounts.createAccount(LOCAL_ACCOUNT_ID, ctx.clock.now(), true))) return null;
  return createAccessKey(ctx, LOCAL_ACCOUNT_ID);
}

/** Opened secrets, per stored key record: a cached record is decrypted once, not per request. */
const openedSecrets = new WeakMap<StoredAccessKey, string>();

/** The account and secret behind an access key id, for signature checks; null if unknown. */
export async function resolveAccessKey(
  ctx: Pick<AccountsContext, 'accounts' | 'sealer'>,
  accessKeyId: string,
): Promise<{ accountId: string; secretAccessKey: string } | null> {
  const key = await ctx.accounts.findAccessKey(accessKeyId);
  if (key === null) return null;
  let secret = openedSecrets.get(key);
  if (secret === undefined) {
    secret = ctx.sealer.open(key.sealedSecret, accessKeyContext(accessKeyId));
    openedSecrets.set(key, secret);
  }
  return { accountId: key.accountId, secretAccessKey: secret };
}
