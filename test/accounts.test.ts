import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteIdentityCommand,
  GetIdentityDkimAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  SESClient,
  SetIdentityDkimEnabledCommand,
  VerifyDomainDkimCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import { findAwsCliV2, peerOrSkip, run } from './helpers/peers.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** What `signet admin` prints as JSON (the fields these tests read). */
interface AdminOutput {
  AccountId?: string;
  AccessKey?: { AccessKeyId: string; SecretAccessKey: string };
  Accounts?: Array<{ AccountId: string; AccessKeyIds: string[] }>;
}

function admin(dataDir: string, ...args: string[]): AdminOutput {
  const result = run(process.execPath, [SIGNET_BIN, 'admin', ...args, '--data-dir', dataDir], {});
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('accounts: isolation, regions and access keys', () => {
  const data = tempDir('accounts');
  const home = tempDir('accounts-home');
  let server: RunningSignet;
  let a: { accountId: string; accessKeyId: string; secretAccessKey: string };
  let b: { accountId: string; accessKeyId: string; secretAccessKey: string };
  const client = (key: typeof a, region = 'us-east-1') => new SESClient({ endpoint: server.url, region, credentials: key, maxAttempts: 1 });

  before(async () => {
    server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '12', '--no-throttle', '--log-level', 'warn']);
    // Two accounts made with `signet admin`, working on the data folder while the server runs.
    const accountA = admin(data.path, 'create-account').AccountId!;
    const accountB = admin(data.path, 'create-account').AccountId!;
    assert.match(accountA, /^\d{12}$/);
    assert.notEqual(accountA, accountB);
    const keyA = admin(data.path, 'create-access-key', '--account-id', accountA).AccessKey!;
    const keyB = admin(data.path, 'create-access-key', '--account-id', accountB).AccessKey!;
    a = { accountId: accountA, accessKeyId: keyA.AccessKeyId, secretAccessKey: keyA.SecretAccessKey };
    b = { accountId: accountB, accessKeyId: keyB.AccessKeyId, secretAccessKey: keyB.SecretAccessKey };
  });
  after(async () => {
    await server.stop();
    data.remove();
    home.remove();
  });

  it('the first start made an account and a [signet] credentials file (0600) the AWS CLI can use', () => {
    const file = join(data.path, 'credentials');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8'), /^\[signet\]\naws_access_key_id = AKIA[A-Z2-7]{16}\naws_secret_access_key = \S{40}\n/);
    const accounts = admin(data.path, 'list-accounts').Accounts!;
    assert.equal(accounts.length, 3);
    assert.deepEqual(accounts[0]!.AccessKeyIds, [server.credentials!.accessKeyId]);
  });

  const aws = findAwsCliV2();
  it('AWS_SHARED_CREDENTIALS_FILE=<data>/credentials aws --profile signet works at once', peerOrSkip('AWS CLI v2', aws, 'apt-get install awscli'), () => {
    const r = run(aws!, ['--profile', 'signet', 'ses', 'get-send-quota', '--endpoint-url', server.url, '--output', 'json'], {
      HOME: home.path,
      AWS_CONFIG_FILE: join(home.path, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(data.path, 'credentials'),
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).Max24HourSend, 200);
  });

  it('keeps each account to its own identities, even for the same domain', async () => {
    const tokensA = (await client(a).send(new VerifyDomainDkimCommand({ Domain: 'shared.example' }))).DkimTokens!;
    await client(a).send(new VerifyDomainDkimCommand({ Domain: 'only-a.example' }));
    await client(a).send(new VerifyEmailIdentityCommand({ EmailAddress: 'me@only-a.example' }));
    // B "overwrites" the same domain: it gets its own tokens and keys, A's stay.
    const tokensB = (await client(b).send(new VerifyDomainDkimCommand({ Domain: 'shared.example' }))).DkimTokens!;
    assert.equal(tokensB.filter((t) => tokensA.includes(t)).length, 0);
    assert.deepEqual((await client(a).send(new VerifyDomainDkimCommand({ Domain: 'shared.example' }))).DkimTokens, tokensA);

    // B cannot list, read, switch or delete A's identities.
    assert.deepEqual((await client(b).send(new ListIdentitiesCommand({}))).Identities, ['shared.example']);
    const readB = await client(b).send(new GetIdentityDkimAttributesCommand({ Identities: ['only-a.example', 'me@only-a.example', 'shared.example'] }));
    assert.deepEqual(Object.keys(readB.DkimAttributes!), ['shared.example']);
    assert.deepEqual(readB.DkimAttributes!['shared.example']!.DkimTokens, tokensB);
    const verB = await client(b).send(new GetIdentityVerificationAttributesCommand({ Identities: ['only-a.example'] }));
    assert.deepEqual(verB.VerificationAttributes, {});
    await assert.rejects(
      client(b).send(new SetIdentityDkimEnabledCommand({ Identity: 'only-a.example', DkimEnabled: false })),
      (err: { name: string }) => err.name === 'InvalidParameterValue',
    );
    await client(b).send(new DeleteIdentityCommand({ Identity: 'only-a.example' })); // a no-op for B
    await client(b).send(new DeleteIdentityCommand({ Identity: 'shared.example' })); // B's own
    const listA = (await client(a).send(new ListIdentitiesCommand({}))).Identities;
    assert.deepEqual(listA, ['shared.example', 'only-a.example', 'me@only-a.example']);
    const readA = await client(a).send(new GetIdentityDkimAttributesCommand({ Identities: ['only-a.example', 'shared.example'] }));
    assert.equal(readA.DkimAttributes!['only-a.example']!.DkimEnabled, true);
    assert.deepEqual(readA.DkimAttributes!['shared.example']!.DkimTokens, tokensA);
  });

  it('keeps one account in two regions apart', async () => {
    await client(a, 'eu-west-1').send(new VerifyDomainDkimCommand({ Domain: 'euro.example' }));
    assert.deepEqual((await client(a, 'eu-west-1').send(new ListIdentitiesCommand({}))).Identities, ['euro.example']);
    assert.ok(!(await client(a).send(new ListIdentitiesCommand({}))).Identities!.includes('euro.example'));
  });

  it('refuses a deleted access key at once', async () => {
    const extra = admin(data.path, 'create-access-key', '--account-id', a.accountId).AccessKey!;
    const key = { accessKeyId: extra.AccessKeyId, secretAccessKey: extra.SecretAccessKey };
    assert.ok((await client({ ...key, accountId: a.accountId }).send(new ListIdentitiesCommand({}))).Identities!.length > 0);
    admin(data.path, 'delete-access-key', '--access-key-id', key.accessKeyId);
    await assert.rejects(
      client({ ...key, accountId: a.accountId }).send(new ListIdentitiesCommand({})),
      (err: { name: string }) => err.name === 'InvalidClientTokenId',
    );
  });

  it('admin errors are clear and non-zero', () => {
    const r = run(process.execPath, [SIGNET_BIN, 'admin', 'create-access-key', '--account-id', '999999999999', '--data-dir', data.path], {});
    assert.equal(r.status, 254);
    assert.match(r.stderr, /Account 999999999999 does not exist/);
    assert.equal(run(process.execPath, [SIGNET_BIN, 'admin', 'bogus', '--data-dir', data.path], {}).status, 252);
  });
});
