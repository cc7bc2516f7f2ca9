import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  GetIdentityDkimAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
  ListIdentitiesCommand,
  SESClient,
  SendEmailCommand,
  VerifyDomainDkimCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import { CreateEmailIdentityCommand, GetAccountCommand, SESv2Client, SendEmailCommand as SendEmailV2Command } from '@aws-sdk/client-sesv2';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { loggedIn, sendMessage } from './helpers/smtp-session.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * Issue 13's definition of done, written as a test suite of an application that swapped LocalStack
 * for `signet serve --dev` would be: the AWS SDK for JavaScript v3 (SES v1 and v2) against a server
 * per scenario, no retries (`maxAttempts: 1`, so a throttled call shows), and at most 2 s of sleeping
 * in the whole file (the waits for detection share one budget).
 */

const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const REGION = 'us-east-1';

/** The sleeping allowed to the whole file. */
let sleepBudgetMs = 2000;

/** Polls `probe` (50 ms apart) until it returns a value, drawing on the file's sleep budget. */
async function eventually<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (sleepBudgetMs <= 0) throw new Error(`${what}: not seen within the file's 2 s of sleeping`);
    sleepBudgetMs -= 50;
    await sleep(50);
  }
}

interface DevServer {
  readonly server: RunningSignet;
  readonly dataDir: string;
  readonly v1: SESClient;
  readonly v2: SESv2Client;
  close(): Promise<void>;
}

/** `signet serve --dev` on a fresh data folder (detection on, asking a resolver that never answers: only the dev sandbox zone counts). */
async function devServer(extra: readonly string[] = []): Promise<DevServer> {
  const data = tempDir('dev-sdk');
  const server = await startSignet([
    '--dev',
    '--data-dir',
    data.path,
    '--key-bits',
    '1024',
    '--resolver',
    '127.0.0.1:9',
    '--resolver-timeout',
    '200ms',
    ...extra,
  ]);
  const v1 = new SESClient({ endpoint: server.url, region: REGION, credentials: KEY, maxAttempts: 1 });
  const v2 = new SESv2Client({ endpoint: server.url, region: REGION, credentials: KEY, maxAttempts: 1 });
  return {
    server,
    dataDir: data.path,
    v1,
    v2,
    async close() {
      v1.destroy();
      v2.destroy();
      await server.stop();
      data.remove();
    },
  };
}

function signet(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SIGNET_BIN, ...args], { encoding: 'utf8', env: { ...process.env, SIGNET_DATA_DIR: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const simple = (from: string, to: string[]) =>
  new SendEmailCommand({ Source: from, Destination: { ToAddresses: to }, Message: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'body' } } } });

/** The SDK error's code and message (the call must fail). */
async function failure(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('the call succeeded');
}

/** The dev outbox in LocalStack's shape, one message. */
async function outboxMessage(
  server: RunningSignet,
  id: string,
): Promise<{ Destination?: unknown; Signet: { Recipients: string[]; Simulator: Array<Record<string, unknown>> } }> {
  const r = (await (await fetch(`${server.url}/_aws/ses?id=${id}`)).json()) as { messages: never[] };
  assert.equal(r.messages.length, 1);
  return r.messages[0]!;
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

describe('a plain signet serve --dev, as a test suite uses it', () => {
  let dev: DevServer;
  before(async () => {
    dev = await devServer();
    closers.push(() => dev.close());
  });

  it('verifies an address at once (v1 and v2) and sends from it to anyone at once', async () => {
    await dev.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'me@app.example' }));
    const attributes = await dev.v1.send(new GetIdentityVerificationAttributesCommand({ Identities: ['me@app.example'] }));
    assert.deepEqual(attributes.VerificationAttributes, { 'me@app.example': { VerificationStatus: 'Success' } });
    const sent = await dev.v1.send(simple('me@app.example', ['someone@anywhere.example']));
    assert.match(sent.MessageId!, /^0100[0-9a-f]{12}-/);
    assert.deepEqual((await outboxMessage(dev.server, sent.MessageId!)).Signet.Recipients, ['someone@anywhere.example']);
    // v2: CreateEmailIdentity for an address is verified for sending at once, and no verification mail is kept.
    const created = await dev.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'v2@app.example' }));
    assert.equal(created.VerifiedForSendingStatus, true);
    const v2sent = await dev.v2.send(
      new SendEmailV2Command({
        FromEmailAddress: 'v2@app.example',
        Destination: { ToAddresses: ['other@anywhere.example'] },
        Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
      }),
    );
    assert.ok(v2sent.MessageId);
    const all = (await (await fetch(`${dev.server.url}/_aws/ses`)).json()) as { messages: { Signet: { Kind: string } }[] };
    assert.deepEqual(
      all.messages.map((m) => m.Signet.Kind),
      ['email', 'email'],
      'no verification mail',
    );
  });

  it('answers 20 identity calls back to back without throttling', async () => {
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) await dev.v1.send(new ListIdentitiesCommand({}));
      else await dev.v1.send(new GetIdentityVerificationAttributesCommand({ Identities: [`n${i}@app.example`] }));
    }
  });

  it('the production account sends anywhere, and GetAccount / GetSendQuota say so', async () => {
    const account = await dev.v2.send(new GetAccountCommand({}));
    assert.equal(account.ProductionAccessEnabled, true);
    const quota = await dev.v1.send(new GetSendQuotaCommand({}));
    assert.deepEqual([quota.Max24HourSend, quota.MaxSendRate], [200, 1]);
  });

  it('VerifyDomainDkim, then `signet dev publish-dkim-records`: Success at the next check (about a second)', async () => {
    const tokens = (await dev.v1.send(new VerifyDomainDkimCommand({ Domain: 'published.example' }))).DkimTokens!;
    assert.equal(tokens.length, 3);
    const published = signet(['dev', 'publish-dkim-records', 'published.example', '--data-dir', dev.dataDir]);
    assert.equal(published.status, 0, published.stderr);
    const status = await eventually('DKIM Success after publishing', async () => {
      const attributes = await dev.v1.send(new GetIdentityDkimAttributesCommand({ Identities: ['published.example'] }));
      const s = attributes.DkimAttributes?.['published.example']?.DkimVerificationStatus;
      return s === 'Success' ? s : null;
    });
    assert.equal(status, 'Success');
  });
});

describe('signet serve --dev --auto-verify all', () => {
  it('a new domain is DKIM Success at the first check, without publishing anything', async () => {
    const dev = await devServer(['--auto-verify', 'all']);
    closers.push(() => dev.close());
    await dev.v1.send(new VerifyDomainDkimCommand({ Domain: 'auto.example' }));
    const status = await eventually('DKIM Success with --auto-verify all', async () => {
      const attributes = await dev.v1.send(new GetIdentityDkimAttributesCommand({ Identities: ['auto.example'] }));
      const s = attributes.DkimAttributes?.['auto.example']?.DkimVerificationStatus;
      return s === 'Success' ? s : null;
    });
    assert.equal(status, 'Success');
    // The domain is verified too: any address at it sends.
    const sent = await dev.v1.send(simple('news@auto.example', ['reader@anywhere.example']));
    assert.ok(sent.MessageId);
  });
});

describe('signet serve --dev --throttle', () => {
  it("SES's limits: back-to-back identity calls get Throttling", async () => {
    const dev = await devServer(['--throttle']);
    closers.push(() => dev.close());
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      try {
        await dev.v1.send(new ListIdentitiesCommand({}));
        codes.push('OK');
      } catch (err) {
        codes.push((err as Error).name);
      }
    }
    assert.ok(codes.includes('Throttling'), codes.join(' '));
    assert.equal(codes[0], 'OK');
  });
});

describe('signet serve --dev --sandbox: the dev account in SES sandbox', () => {
  let dev: DevServer;
  before(async () => {
    dev = await devServer(['--sandbox']);
    closers.push(() => dev.close());
    await dev.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'me@app.example' }));
  });

  it("refuses an unverified recipient with SES's message over v1, v2 and SMTP; GetAccount and GetSendQuota report the sandbox", async () => {
    const text = 'Email address is not verified. The following identities failed the check in region US-EAST-1: stranger@anywhere.example';
    assert.deepEqual(await failure(dev.v1.send(simple('me@app.example', ['stranger@anywhere.example']))), { name: 'MessageRejected', message: text });
    const v2 = await failure(
      dev.v2.send(
        new SendEmailV2Command({
          FromEmailAddress: 'me@app.example',
          Destination: { ToAddresses: ['stranger@anywhere.example'] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
        }),
      ),
    );
    assert.deepEqual(v2, { name: 'MessageRejected', message: text });
    const { session, auth } = await loggedIn(dev.server.smtp.starttlsPort!, KEY.accessKeyId, 'any-password');
    assert.equal(auth, '235 Authentication successful.');
    const reply = await sendMessage(
      session,
      'me@app.example',
      ['stranger@anywhere.example'],
      'From: me@app.example\r\nTo: stranger@anywhere.example\r\nSubject: s\r\n\r\nb\r\n',
    );
    assert.equal(reply, `554 Message rejected: ${text}`);
    session.close();
    const account = await dev.v2.send(new GetAccountCommand({}));
    assert.equal(account.ProductionAccessEnabled, false);
    assert.deepEqual(account.SendQuota, { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 });
    const quota = await dev.v1.send(new GetSendQuotaCommand({}));
    assert.deepEqual([quota.Max24HourSend, quota.MaxSendRate, quota.SentLast24Hours], [200, 1, 0]);
    // A verified recipient is fine.
    await dev.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'friend@anywhere.example' }));
    assert.ok((await dev.v1.send(simple('me@app.example', ['friend@anywhere.example']))).MessageId);
  });

  it('accepts the mailbox simulator without verification and records each outcome on the outbox message', async () => {
    const recipients = [
      'success@simulator.amazonses.com',
      'bounce@simulator.amazonses.com',
      'ooto@simulator.amazonses.com',
      'complaint@simulator.amazonses.com',
      'suppressionlist@simulator.amazonses.com',
    ];
    const sent = await dev.v1.send(simple('me@app.example', recipients));
    const message = await outboxMessage(dev.server, sent.MessageId!);
    assert.deepEqual(
      message.Signet.Simulator.map((s) => [s['recipient'], s['eventType'], s['bounceType'] ?? null, s['bounceSubType'] ?? null]),
      [
        ['success@simulator.amazonses.com', 'Delivery', null, null],
        ['bounce@simulator.amazonses.com', 'Bounce', 'Permanent', 'General'],
        ['ooto@simulator.amazonses.com', 'Delivery', null, null],
        ['complaint@simulator.amazonses.com', 'Complaint', null, null],
        ['suppressionlist@simulator.amazonses.com', 'Bounce', 'Permanent', 'Suppressed'],
      ],
    );
    // Not counted against the daily quota.
    assert.equal((await dev.v1.send(new GetSendQuotaCommand({}))).SentLast24Hours, 1, 'only the verified friend of the test before');
  });

  it('after `signet admin grant-production-access` the same send goes through; --revoke puts the sandbox back', async () => {
    const granted = signet(['admin', 'grant-production-access', '--account-id', '000000000000', '--data-dir', dev.dataDir]);
    assert.equal(granted.status, 0, granted.stderr);
    assert.deepEqual(JSON.parse(granted.stdout), { AccountId: '000000000000', ProductionAccessEnabled: true });
    assert.ok((await dev.v1.send(simple('me@app.example', ['stranger@anywhere.example']))).MessageId);
    assert.equal((await dev.v2.send(new GetAccountCommand({}))).ProductionAccessEnabled, true);
    const revoked = signet(['admin', 'grant-production-access', '--account-id', '000000000000', '--revoke', '--data-dir', dev.dataDir]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal((await failure(dev.v1.send(simple('me@app.example', ['stranger@anywhere.example'])))).name, 'MessageRejected');
  });
});

describe('outside --dev', () => {
  it('an account made by `signet admin create-account` starts in the sandbox; granting production access lets it send anywhere', async () => {
    const data = tempDir('sandbox-prod');
    const server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--max-send-rate', '100']);
    closers.push(async () => {
      await server.stop();
      data.remove();
    });
    const admin = (...args: string[]) => {
      const r = signet(['admin', ...args, '--data-dir', data.path]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const accountId = admin('create-account').AccountId as string;
    const key = admin('create-access-key', '--account-id', accountId).AccessKey;
    const listed = admin('list-accounts').Accounts as { AccountId: string; ProductionAccessEnabled: boolean }[];
    assert.deepEqual(
      listed.map((a) => [a.AccountId, a.ProductionAccessEnabled]),
      [
        ['000000000000', true],
        [accountId, false],
      ],
    );
    const v1 = new SESClient({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
      maxAttempts: 1,
    });
    closers.push(async () => v1.destroy());
    // A sender verified the production way is needed first: read its link from the outbox as the operator.
    await v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'ops@tenant.example' }));
    const list = signet(['outbox', 'list', '--json', '--data-dir', data.path]);
    const link = /(http:\/\/\S+\/_signet\/verify-email\?token=[A-Za-z0-9_-]+)/.exec(list.stdout.replace(/=\r?\n/g, '').replace(/=3D/g, '='))?.[1];
    assert.ok(link, list.stdout + list.stderr);
    assert.equal((await fetch(link)).status, 200);
    const refused = await failure(v1.send(simple('ops@tenant.example', ['customer@anywhere.example'])));
    assert.deepEqual(refused, {
      name: 'MessageRejected',
      message: 'Email address is not verified. The following identities failed the check in region US-EAST-1: customer@anywhere.example',
    });
    admin('grant-production-access', '--account-id', accountId);
    assert.ok((await v1.send(simple('ops@tenant.example', ['customer@anywhere.example']))).MessageId);
  });

  it('--auto-verify other than none, and --sandbox, are configuration errors: one line, exit 253', () => {
    for (const args of [['--auto-verify', 'emails'], ['--auto-verify', 'all'], ['--sandbox']]) {
      const data = tempDir('auto-verify-prod');
      const r = signet(['serve', '--data-dir', data.path, '--dkim-zone', 'dkim.signet.test', '--port', '0', '--dns-port', '0', '--no-smtp', ...args]);
      data.remove();
      assert.equal(r.status, 253, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /for --dev only/);
    }
  });
});
