import { createAccessKey, createAccount, deleteAccessKey, listAccounts, setProductionAccess } from '../app/accounts.ts';
import { coreConfig, type Env } from '../config/config.ts';
import { smtpCredentials } from '../smtp/smtp-credentials.ts';
import { stringOption, UsageError, type Command, type ParsedArgs } from './command.ts';
import { STORE_OPTIONS, STORE_USAGE, withSignet } from './with-signet.ts';

/**
 * `signet admin ...`: accounts and access keys, straight in the data folder or database, so they work
 * whether or not a server is running. Answers are JSON, as the AWS CLI prints (4-space indent).
 */
function adminCommand(
  name: string,
  usage: string,
  summary: string,
  options: Command['options'],
  work: (args: ParsedArgs, accounts: Parameters<typeof listAccounts>[0], defaultRegion: string) => Promise<unknown>,
): Command {
  const fullUsage = `usage: signet admin ${name} ${usage}${usage ? ' ' : ''}${STORE_USAGE}\n  ${summary}`;
  return {
    path: ['admin', name],
    summary,
    usage: fullUsage,
    options: { ...STORE_OPTIONS, ...options },
    async run(args: ParsedArgs, env: Env) {
      const config = coreConfig({ dataDir: stringOption(args, 'data-dir'), database: stringOption(args, 'database') }, env);
      const value = await withSignet(config, {}, (signet) => work(args, signet.accounts, config.defaultRegion));
      return { output: { kind: 'json', value } };
    },
  };
}

function required(args: ParsedArgs, name: string, usage: string): string {
  const value = stringOption(args, name);
  if (!value) throw new UsageError(`--${name} is required`, usage);
  return value;
}

export const createAccountCommand = adminCommand(
  'create-account',
  '[--account-id 123456789012]',
  'create an account (a random 12-digit id unless given); it starts in the sandbox, as a new SES account does',
  { 'account-id': { type: 'string' } },
  async (args, accounts) => ({ AccountId: await createAccount(accounts, stringOption(args, 'account-id')) }),
);

export const createAccessKeyCommand = adminCommand(
  'create-access-key',
  '--account-id ID',
  'create an access key pair (the secret is shown once)',
  { 'account-id': { type: 'string' } },
  async (args, accounts) => {
    const key = await createAccessKey(accounts, required(args, 'account-id', createAccessKeyCommand.usage));
    return { AccessKey: { AccountId: key.accountId, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey } };
  },
);

export const listAccountsCommand = adminCommand('list-accounts', '', 'accounts and their access key ids', {}, async (_args, accounts) => ({
  Accounts: (await listAccounts(accounts)).map((a) => ({
    AccountId: a.accountId,
    CreatedAt: new Date(a.createdAt).toISOString(),
    AccessKeyIds: a.accessKeyIds,
    ProductionAccessEnabled: a.productionAccess,
  })),
}));

export const grantProductionAccessCommand = adminCommand(
  'grant-production-access',
  '--account-id ID [--revoke]',
  'move an account out of the sandbox (it may then send to any recipient); --revoke puts it back',
  { 'account-id': { type: 'string' }, revoke: { type: 'boolean' } },
  async (args, accounts) => {
    const accountId = required(args, 'account-id', grantProductionAccessCommand.usage);
    const enabled = args.values['revoke'] !== true;
    await setProductionAccess(accounts, accountId, enabled);
    // A running server sees the change at its next send (SQLite: within 50 ms; PostgreSQL: at once).
    return { AccountId: accountId, ProductionAccessEnabled: enabled };
  },
);

export const deleteAccessKeyCommand = adminCommand(
  'delete-access-key',
  '--access-key-id AKIA...',
  'delete an access key',
  { 'access-key-id': { type: 'string' } },
  async (args, accounts) => {
    const id = required(args, 'access-key-id', deleteAccessKeyCommand.usage);
    await deleteAccessKey(accounts, id);
    return { Deleted: id };
  },
);

export const smtpCredentialsCommand = adminCommand(
  'smtp-credentials',
  '--access-key-id AKIA... --region REGION',
  "SES's SMTP user name and password of an access key, for one region",
  { 'access-key-id': { type: 'string' }, region: { type: 'string' } },
  async (args, accounts, defaultRegion) =>
    smtpCredentials(
      accounts,
      required(args, 'access-key-id', smtpCredentialsCommand.usage),
      required(args, 'region', smtpCredentialsCommand.usage),
      defaultRegion,
    ),
);
