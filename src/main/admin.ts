import { parseArgs } from 'node:util';
import { createAccessKey, createAccount, deleteAccessKey, listAccounts } from '../app/accounts.ts';
import { coreConfig, type Env } from '../config/config.ts';
import { isDomainError } from '../core/index.ts';
import { openEmbedded } from './embedded.ts';
import { smtpCredentials } from '../smtp/smtp-credentials.ts'; // SMTP interface (issue 12)

export const ADMIN_USAGE = `usage: signet admin <command> [--data-dir DIR]
  create-account [--account-id 123456789012]   create an account (a random 12-digit id unless given)
  create-access-key --account-id ID            create an access key pair (the secret is shown once)
  list-accounts                                accounts and their access key ids
  delete-access-key --access-key-id AKIA...    delete an access key
  smtp-credentials --access-key-id AKIA... --region REGION
                                               SES SMTP user name and password of a key for a region`;

/**
 * `signet admin ...`: manages accounts and access keys directly in the data folder (or database), so
 * it works whether or not a server is running. Prints JSON; returns the exit code.
 */
export async function admin(argv: readonly string[], env: Env): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { 'data-dir': { type: 'string' }, 'account-id': { type: 'string' }, 'access-key-id': { type: 'string' }, region: { type: 'string' } },
    strict: true,
  });
  const usage = (message: string) => {
    process.stderr.write(`signet admin: ${message}\n${ADMIN_USAGE}\n`);
    return 252;
  };
  if (!['create-account', 'create-access-key', 'list-accounts', 'delete-access-key', 'smtp-credentials'].includes(command ?? '')) {
    return usage(command === undefined ? 'a command is required' : `unknown command ${JSON.stringify(command)}`);
  }
  if (command === 'create-access-key' && !values['account-id']) return usage('--account-id is required');
  if (command === 'delete-access-key' && !values['access-key-id']) return usage('--access-key-id is required');
  if (command === 'smtp-credentials' && (!values['access-key-id'] || !values.region)) return usage('--access-key-id and --region are required');

  const core = coreConfig({ dataDir: values['data-dir'] }, env);
  const embedded = await openEmbedded(core, { poolTarget: 0, poolConcurrency: 1 });
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 4)}\n`);
  try {
    switch (command) {
      case 'create-account':
        print({ AccountId: await createAccount(embedded.accounts, values['account-id']) });
        break;
      case 'create-access-key': {
        const key = await createAccessKey(embedded.accounts, values['account-id']!);
        print({ AccessKey: { AccountId: key.accountId, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey } });
        break;
      }
      case 'list-accounts':
        print({
          Accounts: (await listAccounts(embedded.accounts)).map((a) => ({
            AccountId: a.accountId,
            CreatedAt: new Date(a.createdAt).toISOString(),
            AccessKeyIds: a.accessKeyIds,
          })),
        });
        break;
      case 'delete-access-key':
        await deleteAccessKey(embedded.accounts, values['access-key-id']!);
        print({ Deleted: values['access-key-id'] });
        break;
      case 'smtp-credentials':
        print(await smtpCredentials(embedded.accounts, values['access-key-id']!, values.region!, core.defaultRegion));
        break;
    }
    return 0;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    process.stderr.write(`signet admin: ${err.message}\n`);
    return 254;
  } finally {
    await embedded.close();
  }
}
