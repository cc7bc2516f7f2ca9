import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as sesv2 from '@aws-sdk/client-sesv2';
import * as sesv2Old from '@aws-sdk/client-sesv2-old';
import nodemailer from 'nodemailer';
import { findAwsCliV1, findAwsCliV2, findPython, peerOrSkip, run } from './helpers/peers.ts';
import { outboxHasMessage, verificationLinkFromStore } from './helpers/outbox-store.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** A peer's JSON answer, read loosely: the test asserts the members it needs. */
// biome-ignore lint/suspicious/noExplicitAny: the peers' output is whatever they print; the assertions check it.
type PeerJson = Record<string, any>;

/**
 * The SES v2 API driven by clients that are not ours, against `signet serve` with real SigV4 (the
 * key pair the server makes on first start): AWS CLI v2 and v1, boto3's sesv2 client, the current
 * @aws-sdk/client-sesv2 (ListEmailIdentities as POST /v2/email/list-identities) and 3.1100.0 (GET
 * /v2/email/identities), and nodemailer's SES transport over SESv2Client (Content.Raw). Each runs in
 * its own region, so the runs cannot see each other's identities (which the scenario checks).
 */
interface V2Client {
  create(identity: string, tags?: { Key: string; Value: string }[]): Promise<PeerJson>;
  get(identity: string): Promise<PeerJson>;
  /** One page; `next` is null on the last. */
  list(pageSize: number, token: string | null): Promise<{ names: string[]; next: string | null }>;
  putDkim(identity: string, enabled: boolean): Promise<void>;
  delete(identity: string): Promise<void>;
  send(from: string, to: string): Promise<string>;
  account(): Promise<PeerJson>;
  /** The error code an operation fails with (the call must fail). */
  errorOf(call: () => Promise<unknown>): Promise<string>;
}

let KEY = { accessKeyId: '', secretAccessKey: '' };
let server: RunningSignet;
/** The server's data folder: verification links and kept messages are read from its store. */
let dataDir = '';

class CliError extends Error {
  constructor(
    readonly code: string,
    stderr: string,
  ) {
    super(stderr);
  }
}

async function codeOfCliError(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof CliError) return err.code;
    throw err;
  }
  return assert.fail('the call succeeded');
}

function cliClient(bin: string, region: string, home: string): V2Client {
  const env = {
    AWS_ACCESS_KEY_ID: KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_PAGER: '',
  };
  const call = async (...args: string[]): Promise<PeerJson> => {
    const result = run(bin, ['sesv2', ...args, '--endpoint-url', server.url, '--output', 'json'], env);
    if (result.status !== 0) {
      const code = /An error occurred \(([A-Za-z]+)\)/.exec(result.stderr)?.[1];
      if (code) throw new CliError(code, result.stderr);
      assert.fail(`${bin} sesv2 ${args.join(' ')} failed: ${result.stderr}`);
    }
    return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
  };
  return {
    create: (id, tags) => call('create-email-identity', '--email-identity', id, ...(tags ? ['--tags', JSON.stringify(tags)] : [])),
    get: (id) => call('get-email-identity', '--email-identity', id),
    list: async (size, token) => {
      const out = await call('list-email-identities', '--page-size', String(size), ...(token ? ['--next-token', token] : []));
      return { names: out.EmailIdentities.map((i: { IdentityName: string }) => i.IdentityName), next: out.NextToken ?? null };
    },
    putDkim: async (id, on) =>
      void (await call('put-email-identity-dkim-attributes', '--email-identity', id, on ? '--signing-enabled' : '--no-signing-enabled')),
    delete: async (id) => void (await call('delete-email-identity', '--email-identity', id)),
    send: async (from, to) =>
      (
        await call(
          'send-email',
          '--from-email-address',
          from,
          '--destination',
          `ToAddresses=${to}`,
          '--content',
          'Simple={Subject={Data=Hi},Body={Text={Data=Hello from the CLI}}}',
        )
      ).MessageId,
    account: () => call('get-account'),
    errorOf: codeOfCliError,
  };
}

function boto3Client(python: string, region: string): V2Client {
  const script = join(import.meta.dirname, 'helpers', 'boto3-sesv2-call.py');
  const call = async (operation: string, params: object): Promise<PeerJson> => {
    const result = run(python, [script, server.url, region, KEY.accessKeyId, KEY.secretAccessKey, operation, JSON.stringify(params)], {});
    if (result.status === 3) throw new CliError(JSON.parse(result.stdout).Error.Code, result.stdout);
    assert.equal(result.status, 0, `boto3 ${operation} failed: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  return {
    create: (id, tags) => call('create_email_identity', { EmailIdentity: id, ...(tags ? { Tags: tags } : {}) }),
    get: (id) => call('get_email_identity', { EmailIdentity: id }),
    list: async (size, token) => {
      const out = await call('list_email_identities', { PageSize: size, ...(token ? { NextToken: token } : {}) });
      return { names: out.EmailIdentities.map((i: { IdentityName: string }) => i.IdentityName), next: out.NextToken ?? null };
    },
    putDkim: async (id, on) => void (await call('put_email_identity_dkim_attributes', { EmailIdentity: id, SigningEnabled: on })),
    delete: async (id) => void (await call('delete_email_identity', { EmailIdentity: id })),
    send: async (from, to) =>
      (
        await call('send_email', {
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello from boto3' } } } },
        })
      ).MessageId,
    account: () => call('get_account', {}),
    errorOf: codeOfCliError,
  };
}

type Sdk = typeof sesv2;

/** The JS SDK; with `mailer`, sends go through nodemailer's SES transport over the same SESv2Client. */
function sdkClient(sdk: Sdk, region: string, mailer = false): V2Client {
  const client = new sdk.SESv2Client({ endpoint: server.url, region, credentials: KEY });
  const transport = nodemailer.createTransport({ SES: { sesClient: client, SendEmailCommand: sdk.SendEmailCommand } } as never);
  const plain = <T>(o: T) => JSON.parse(JSON.stringify(o, (k, v) => (k === '$metadata' ? undefined : v))) as PeerJson;
  return {
    create: async (id, tags) => plain(await client.send(new sdk.CreateEmailIdentityCommand({ EmailIdentity: id, ...(tags ? { Tags: tags } : {}) }))),
    get: async (id) => plain(await client.send(new sdk.GetEmailIdentityCommand({ EmailIdentity: id }))),
    list: async (size, token) => {
      const out = await client.send(new sdk.ListEmailIdentitiesCommand({ PageSize: size, ...(token ? { NextToken: token } : {}) }));
      return { names: (out.EmailIdentities ?? []).map((i) => i.IdentityName!), next: out.NextToken ?? null };
    },
    putDkim: async (id, on) => void (await client.send(new sdk.PutEmailIdentityDkimAttributesCommand({ EmailIdentity: id, SigningEnabled: on }))),
    delete: async (id) => void (await client.send(new sdk.DeleteEmailIdentityCommand({ EmailIdentity: id }))),
    send: async (from, to) => {
      if (mailer) {
        const info = await transport.sendMail({ from, to, subject: 'Hi', text: 'Hello from nodemailer' });
        // nodemailer reports SES's MessageId as its own messageId and in `response`.
        return String((info as { response?: string }).response ?? info.messageId);
      }
      const out = await client.send(
        new sdk.SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello from the SDK' } } } },
        }),
      );
      return out.MessageId!;
    },
    account: async () => plain(await client.send(new sdk.GetAccountCommand({}))),
    errorOf: async (fn) => {
      try {
        await fn();
      } catch (err) {
        const e = err as { name: string; $metadata?: unknown };
        if (e.$metadata !== undefined) return e.name;
        throw err;
      }
      return assert.fail('the call succeeded');
    },
  };
}

/** Confirms an address through the link of the verification mail Signet kept in its outbox. */
async function confirmAddress(address: string): Promise<void> {
  const link = verificationLinkFromStore(dataDir, address);
  assert.ok(link, `a verification mail for ${address}`);
  const response = await fetch(`${server.url}${new URL(link).pathname}${new URL(link).search}`);
  assert.equal(response.status, 200, await response.text());
}

async function listAll(client: V2Client, pageSize: number): Promise<string[]> {
  const names: string[] = [];
  let token: string | null = null;
  for (let i = 0; i < 50; i++) {
    const page = await client.list(pageSize, token);
    assert.ok(page.names.length <= pageSize);
    names.push(...page.names);
    token = page.next;
    if (token === null) return names;
  }
  return assert.fail('the walk did not end');
}

async function scenario(client: V2Client, tag: string): Promise<void> {
  const domain = `${tag}.example.com`;
  // Create a domain: three Easy DKIM tokens, PENDING, signing on, key facts as epoch seconds.
  const created = await client.create(domain, [{ Key: 'team', Value: tag }]);
  assert.equal(created.IdentityType, 'DOMAIN');
  assert.equal(created.VerifiedForSendingStatus, false);
  assert.equal(created.DkimAttributes.Status, 'PENDING');
  assert.equal(created.DkimAttributes.SigningEnabled, true);
  const tokens: string[] = created.DkimAttributes.Tokens;
  assert.equal(tokens.length, 3);
  for (const t of tokens) assert.match(t, /^[a-z2-7]{32}$/);
  assert.equal(await client.errorOf(() => client.create(domain)), 'AlreadyExistsException');

  // Get: the same tokens, the tags, and every member the model defines.
  const got = await client.get(domain);
  assert.deepEqual(got.DkimAttributes.Tokens, tokens);
  assert.equal(got.VerificationStatus, 'PENDING');
  assert.equal(got.DkimAttributes.SigningAttributesOrigin, 'AWS_SES');
  assert.equal(got.DkimAttributes.CurrentSigningKeyLength, 'RSA_1024_BIT');
  assert.deepEqual(got.Tags, [{ Key: 'team', Value: tag }]);
  assert.equal(got.FeedbackForwardingStatus, true);

  // An address with '+' and '/' (labels are split before they are decoded), and a sender to verify.
  const odd = `a+b/c@${domain}`;
  assert.deepEqual(await client.create(odd), { IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false });
  assert.equal((await client.get(odd)).IdentityType, 'EMAIL_ADDRESS');
  const sender = `sender@${tag}-mail.example.org`;
  await client.create(sender);
  await confirmAddress(sender);
  assert.equal((await client.get(sender)).VerifiedForSendingStatus, true);
  assert.equal((await client.get(sender)).VerificationStatus, 'SUCCESS');

  // Two more; a walk in pages of 2 sees all five once, in creation order; no other region's.
  await client.create(`second.${domain}`);
  await client.create(`third.${domain}`);
  const five = [domain, odd, sender, `second.${domain}`, `third.${domain}`];
  assert.deepEqual(await listAll(client, 2), five);
  assert.deepEqual(await listAll(client, 1000), five);

  // DKIM off and on again.
  await client.putDkim(domain, false);
  assert.equal((await client.get(domain)).DkimAttributes.SigningEnabled, false);
  await client.putDkim(domain, true);
  assert.equal((await client.get(domain)).DkimAttributes.SigningEnabled, true);

  // Send from the verified address; the message is in the outbox under its id.
  const messageId = await client.send(sender, 'rcpt@example.net');
  const id = /0100[0-9a-f]{12}-[0-9a-f-]{36}-000000/.exec(messageId)?.[0];
  assert.ok(id, `an SES message id in ${messageId}`);
  assert.ok(outboxHasMessage(dataDir, id), `message ${id} in the outbox`);
  assert.equal(await client.errorOf(() => client.send(`nobody@${tag}-unverified.example`, 'rcpt@example.net')), 'MessageRejected');

  const account = await client.account();
  assert.equal(account.SendingEnabled, true);
  assert.equal(account.SendQuota.SentLast24Hours >= 1, true);

  // Delete: gone from Get and List; a second delete is NotFound.
  await client.delete(odd);
  await client.delete(domain);
  assert.equal(await client.errorOf(() => client.get(domain)), 'NotFoundException');
  assert.equal(await client.errorOf(() => client.delete(domain)), 'NotFoundException');
  assert.deepEqual(await listAll(client, 2), [sender, `second.${domain}`, `third.${domain}`]);
}

describe('the SES v2 API with real clients', () => {
  const data = tempDir('sesv2-peers');
  dataDir = data.path;
  const home = tempDir('sesv2-peers-home');
  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '24',
      '--log-level',
      'warn',
      '--no-throttle',
      '--outbox-api',
    ]);
    assert.ok(server.credentials, 'the first start prints the new key pair');
    KEY = { accessKeyId: server.credentials.accessKeyId, secretAccessKey: server.credentials.secretAccessKey };
  });
  after(async () => {
    assert.equal(await server.stop(), 0, 'signet serve exits cleanly on SIGTERM');
    data.remove();
    home.remove();
  });

  const v2 = findAwsCliV2();
  it('AWS CLI v2 (aws sesv2)', peerOrSkip('AWS CLI v2', v2, 'apt-get install awscli'), async () => {
    await scenario(cliClient(v2!, 'us-west-2', home.path), 'cli2');
  });

  const v1 = findAwsCliV1();
  it('AWS CLI v1 (aws sesv2)', peerOrSkip('AWS CLI v1', v1, 'pip install awscli'), async () => {
    await scenario(cliClient(v1!, 'eu-west-1', home.path), 'cli1');
  });

  const python = findPython(['boto3']);
  it("boto3's sesv2 client", peerOrSkip('boto3', python, 'pip install boto3'), async () => {
    await scenario(boto3Client(python!, 'ap-south-1'), 'boto3');
  });

  it('@aws-sdk/client-sesv2, current (POST /v2/email/list-identities)', async () => {
    await scenario(sdkClient(sesv2, 'us-east-2'), 'js');
  });

  it('@aws-sdk/client-sesv2 3.1100.0 (GET /v2/email/identities)', async () => {
    await scenario(sdkClient(sesv2Old as unknown as Sdk, 'ca-central-1'), 'jsold');
  });

  it("nodemailer's SES transport over SESv2Client (Content.Raw)", async () => {
    await scenario(sdkClient(sesv2, 'eu-north-1', true), 'mailer');
  });
});
