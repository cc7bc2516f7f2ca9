/**
 * Custom MAIL FROM domains end to end, against `signet serve --dev` with NSD as the customer's DNS:
 * SetIdentityMailFromDomain through the AWS CLI v2 (`aws ses` and `aws sesv2`) and boto3, detection
 * of the MX and SPF records by the server's own worker (Pending, Success, Failed past the window on
 * the dev clock), RejectMessage refusing sends while the domain is not verified, and the envelope
 * sender at the MAIL FROM domain once it is (as an SMTP relay receives it). `signet ses` prints what
 * `aws ses` prints for the new operation.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { findProgram, freeDnsPort, sesCall, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { findAwsCliV2, findPython, peerOrSkip, runAsync } from './helpers/peers.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const nsdBin = findProgram('nsd');
const digBin = findProgram('dig');
const aws = findAwsCliV2();
const python = findPython(['boto3']);
const { skip } = peerOrSkip(
  'nsd, dig, AWS CLI v2 and boto3',
  nsdBin && digBin && aws && python,
  'Debian packages nsd, dnsutils and awscli; boto3 in python3: NSD serves the customer zone, the AWS clients drive the API',
);

const DOMAIN = 'mf.example.test';
const MAIL_FROM = `bounce.${DOMAIN}`;
const NEVER = 'never.example.test';
// Inside the zone NSD serves, so that its MAIL FROM domain is definitely absent (Pending), not REFUSED.
const V2 = `v2.${DOMAIN}`;
const FEEDBACK = 'feedback-smtp.us-east-1.amazonses.com';

interface Received {
  readonly from: string;
  readonly raw: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  return assert.fail(`timed out waiting for ${what}`);
}

describe('custom MAIL FROM domains against signet serve --dev, NSD as the customer DNS', { skip }, () => {
  const data = tempDir('mail-from');
  const nsdDir = tempDir('mail-from-nsd');
  const home = tempDir('mail-from-home');
  let nsdPort: number;
  let nsd: RunningDnsPeer | null = null;
  let server: RunningSignet;
  let sink: SMTPServer;
  const received: Received[] = [];
  let verificationToken = '';

  const env = () => ({
    AWS_ACCESS_KEY_ID: 'AKIDSIGNETTEST',
    AWS_SECRET_ACCESS_KEY: 'signet-test-secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    HOME: home.path,
    AWS_CONFIG_FILE: join(home.path, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home.path, 'none'),
    AWS_PAGER: '',
  });
  const awsCli = (...args: string[]) => runAsync(aws!, [...args, '--endpoint-url', server.url], env());
  const signetCli = (...args: string[]) => runAsync(process.execPath, [SIGNET_BIN, ...args, '--endpoint-url', server.url], env());
  // biome-ignore lint/suspicious/noExplicitAny: boto3's answers are whatever it prints; the assertions check them.
  const boto3 = async (service: 'ses' | 'sesv2', operation: string, params: object): Promise<Record<string, any>> => {
    const script = join(import.meta.dirname, 'helpers', service === 'ses' ? 'boto3-call.py' : 'boto3-sesv2-call.py');
    const r = await runAsync(python!, [script, server.url, 'us-east-1', 'AKIDSIGNETTEST', 'signet-test-secret', operation, JSON.stringify(params)], {});
    assert.ok(r.status === 0 || r.status === 3, r.stderr);
    return JSON.parse(r.stdout);
  };
  const mailFromAttributes = async (identity: string) => {
    const xml = await sesCall(server.url, `Action=GetIdentityMailFromDomainAttributes&Identities.member.1=${encodeURIComponent(identity)}`);
    return { status: /<MailFromDomainStatus>([A-Za-z]+)</.exec(xml)?.[1], domain: /<MailFromDomain>([^<]+)</.exec(xml)?.[1] };
  };

  const zones = (records: boolean): Record<string, string> => ({
    [DOMAIN]: zoneFile(DOMAIN, [
      // The sending domain is verified by its TXT, found by the same worker.
      `_amazonses.${DOMAIN}. IN TXT "${verificationToken}"`,
      ...(records ? [`${MAIL_FROM}. IN MX 10 ${FEEDBACK}.`, `${MAIL_FROM}. IN TXT "v=spf1 include:amazonses.com ~all"`] : []),
    ]),
    [NEVER]: zoneFile(NEVER, []),
  });
  const restartNsd = async (records: boolean) => {
    await nsd?.stop();
    nsd = await startNsd(nsdBin!, nsdDir.path, nsdPort, zones(records));
  };

  before(async () => {
    nsdPort = await freeDnsPort();
    const sinkPort = await freePort();
    sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.setEncoding('latin1');
        stream.on('data', (c: string) => (raw += c));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => sink.listen(sinkPort, '127.0.0.1', resolve));
    await restartNsd(false);
    server = await startSignet([
      '--data-dir',
      data.path,
      '--dev',
      '--resolver',
      `127.0.0.1:${nsdPort}`,
      '--resolver-timeout',
      '500ms',
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--check-interval',
      '300ms',
      '--check-poll',
      '100ms',
      '--max-send-rate',
      '1000',
      '--smtp-relay',
      `smtp://127.0.0.1:${sinkPort}`,
      '--delivery-poll',
      '100ms',
      '--log-level',
      'warn',
    ]);
    const xml = await sesCall(server.url, `Action=VerifyDomainIdentity&Domain=${DOMAIN}`);
    verificationToken = /<VerificationToken>([^<]+)</.exec(xml)![1]!;
    await sesCall(server.url, `Action=VerifyDomainIdentity&Domain=${NEVER}`);
    await restartNsd(false);
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
    data.remove();
    nsdDir.remove();
    home.remove();
  });

  it('sets the MAIL FROM domain with `aws ses set-identity-mail-from-domain`; `signet ses` prints the same', async () => {
    const set = await awsCli(
      'ses',
      'set-identity-mail-from-domain',
      '--identity',
      DOMAIN,
      '--mail-from-domain',
      MAIL_FROM,
      '--behavior-on-mx-failure',
      'RejectMessage',
    );
    assert.equal(set.status, 0, set.stderr);
    assert.equal(set.stdout, '');
    const ours = await signetCli(
      'ses',
      'set-identity-mail-from-domain',
      '--identity',
      DOMAIN,
      '--mail-from-domain',
      MAIL_FROM,
      '--behavior-on-mx-failure',
      'RejectMessage',
    );
    assert.deepEqual(ours, set);
    for (const output of ['json', 'text', 'table', 'yaml']) {
      const args = ['ses', 'get-identity-mail-from-domain-attributes', '--identities', DOMAIN, NEVER, '--output', output];
      const theirs = await awsCli(...args);
      assert.equal(theirs.status, 0, theirs.stderr);
      assert.deepEqual(await signetCli(...args), theirs, `--output ${output}`);
    }
    const got = JSON.parse((await awsCli('ses', 'get-identity-mail-from-domain-attributes', '--identities', DOMAIN, '--output', 'json')).stdout);
    assert.deepEqual(got, {
      MailFromDomainAttributes: { [DOMAIN]: { MailFromDomain: MAIL_FROM, MailFromDomainStatus: 'Pending', BehaviorOnMXFailure: 'RejectMessage' } },
    });
    for (const args of [
      ['--identity', DOMAIN, '--mail-from-domain', `mail.${NEVER}`],
      ['--identity', DOMAIN, '--mail-from-domain', DOMAIN],
      ['--identity', 'unknown.example.test', '--mail-from-domain', 'mail.unknown.example.test'],
      ['--identity', DOMAIN, '--mail-from-domain', MAIL_FROM, '--behavior-on-mx-failure', 'Bounce'],
    ]) {
      const theirs = await awsCli('ses', 'set-identity-mail-from-domain', ...args);
      assert.equal(theirs.status, 254, theirs.stderr);
      assert.deepEqual(await signetCli('ses', 'set-identity-mail-from-domain', ...args), theirs, args.join(' '));
    }
    const refused = await awsCli('ses', 'set-identity-mail-from-domain', '--identity', DOMAIN, '--mail-from-domain', `mail.${NEVER}`);
    assert.equal(
      refused.stderr,
      `\nAn error occurred (InvalidParameterValue) when calling the SetIdentityMailFromDomain operation: Provided MAIL-FROM domain <mail.${NEVER}> is not subdomain of the domain of the identity <${DOMAIN}>.\n`,
    );
  });

  it('boto3 sets one and reads its errors; v2 (boto3 sesv2 and aws sesv2) on the same rows', async () => {
    assert.deepEqual(await boto3('ses', 'set_identity_mail_from_domain', { Identity: NEVER, MailFromDomain: `mail.${NEVER}` }), {});
    assert.deepEqual(await boto3('ses', 'set_identity_mail_from_domain', { Identity: NEVER, MailFromDomain: `mail.${NEVER}`, BehaviorOnMXFailure: 'Nope' }), {
      Error: {
        Type: 'Sender',
        Code: 'ValidationError',
        Message:
          "1 validation error detected: Value 'Nope' at 'behaviorOnMXFailure' failed to satisfy constraint: Member must satisfy enum value set: [RejectMessage, UseDefaultValue]",
      },
    });
    const attrs = await boto3('ses', 'get_identity_mail_from_domain_attributes', { Identities: [NEVER] });
    assert.deepEqual(attrs['MailFromDomainAttributes'][NEVER], {
      MailFromDomain: `mail.${NEVER}`,
      MailFromDomainStatus: 'Pending',
      BehaviorOnMXFailure: 'UseDefaultValue',
    });

    assert.deepEqual(Object.keys(await boto3('sesv2', 'create_email_identity', { EmailIdentity: V2 })).sort(), [
      'DkimAttributes',
      'IdentityType',
      'VerifiedForSendingStatus',
    ]);
    assert.deepEqual(
      await boto3('sesv2', 'put_email_identity_mail_from_attributes', {
        EmailIdentity: V2,
        MailFromDomain: `mail.${V2}`,
        BehaviorOnMxFailure: 'REJECT_MESSAGE',
      }),
      {},
    );
    const v2 = await boto3('sesv2', 'get_email_identity', { EmailIdentity: V2 });
    assert.deepEqual(v2['MailFromAttributes'], { MailFromDomain: `mail.${V2}`, MailFromDomainStatus: 'PENDING', BehaviorOnMxFailure: 'REJECT_MESSAGE' });
    const unknown = await boto3('sesv2', 'put_email_identity_mail_from_attributes', {
      EmailIdentity: 'nobody.example.test',
      MailFromDomain: 'm.nobody.example.test',
    });
    assert.equal(unknown['Error']['Code'], 'BadRequestException');
    assert.equal(unknown['Status'], 400);
    const outside = await boto3('sesv2', 'put_email_identity_mail_from_attributes', { EmailIdentity: V2, MailFromDomain: 'mail.elsewhere.test' });
    assert.deepEqual(outside['Error'], {
      Code: 'BadRequestException',
      Message: `Provided MAIL-FROM domain <mail.elsewhere.test> is not subdomain of the domain of the identity <${V2}>.`,
    });

    // The AWS CLI's sesv2 clears it (no options: `{}`), and v1 sees the same row.
    const cleared = await awsCli('sesv2', 'put-email-identity-mail-from-attributes', '--email-identity', V2);
    assert.equal(cleared.status, 0, cleared.stderr);
    const v1 = JSON.parse((await awsCli('ses', 'get-identity-mail-from-domain-attributes', '--identities', V2, '--output', 'json')).stdout);
    assert.deepEqual(v1, { MailFromDomainAttributes: { [V2]: { BehaviorOnMXFailure: 'UseDefaultValue' } } });
    const put = await awsCli(
      'sesv2',
      'put-email-identity-mail-from-attributes',
      '--email-identity',
      V2,
      '--mail-from-domain',
      `mail.${V2}`,
      '--behavior-on-mx-failure',
      'USE_DEFAULT_VALUE',
    );
    assert.equal(put.status, 0, put.stderr);
    const viaCli = JSON.parse((await awsCli('sesv2', 'get-email-identity', '--email-identity', V2, '--output', 'json')).stdout);
    assert.deepEqual(viaCli.MailFromAttributes, { MailFromDomain: `mail.${V2}`, MailFromDomainStatus: 'PENDING', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' });
  });

  it('RejectMessage: a send is refused while the MX is not published (v1 and v2)', async () => {
    await eventually('the sending domain verified by its TXT', async () => {
      const xml = await sesCall(server.url, `Action=GetIdentityVerificationAttributes&Identities.member.1=${DOMAIN}`);
      return /<VerificationStatus>Success</.test(xml) ? true : undefined;
    });
    assert.equal((await mailFromAttributes(DOMAIN)).status, 'Pending');
    const refused = await awsCli('ses', 'send-email', '--from', `sender@${DOMAIN}`, '--to', 'rcpt@example.net', '--subject', 'Hi', '--text', 'Body');
    assert.equal(refused.status, 254);
    assert.equal(
      refused.stderr,
      '\nAn error occurred (MailFromDomainNotVerifiedException) when calling the SendEmail operation: DNS setup for MAIL FROM domain is invalid.\n',
    );
    const v2 = await boto3('sesv2', 'send_email', {
      FromEmailAddress: `sender@${DOMAIN}`,
      Destination: { ToAddresses: ['rcpt@example.net'] },
      Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Body' } } } },
    });
    assert.deepEqual(v2, { Error: { Code: 'MailFromDomainNotVerifiedException', Message: 'DNS setup for MAIL FROM domain is invalid.' }, Status: 400 });
  });

  it('reaches Success once NSD serves the MX and SPF records; mail then leaves with the envelope sender at the MAIL FROM domain', async () => {
    await restartNsd(true);
    await eventually('MAIL FROM Success', async () => ((await mailFromAttributes(DOMAIN)).status === 'Success' ? true : undefined));
    const sent = await awsCli(
      'ses',
      'send-email',
      '--from',
      `sender@${DOMAIN}`,
      '--to',
      'rcpt@example.net',
      '--subject',
      'Hi',
      '--text',
      'Body',
      '--output',
      'json',
    );
    assert.equal(sent.status, 0, sent.stderr);
    const id = JSON.parse(sent.stdout).MessageId as string;
    const got = await eventually('the relay received it', async () => received.find((m) => m.raw.includes(id)));
    assert.equal(got.from, `${id}@${MAIL_FROM}`);
    const v2 = await boto3('sesv2', 'get_email_identity', { EmailIdentity: DOMAIN });
    assert.deepEqual(v2['MailFromAttributes'], { MailFromDomain: MAIL_FROM, MailFromDomainStatus: 'SUCCESS', BehaviorOnMxFailure: 'REJECT_MESSAGE' });
  });

  it('a MAIL FROM domain without records stays Pending, then Failed past the 72 h window on the dev clock', async () => {
    assert.equal((await mailFromAttributes(NEVER)).status, 'Pending');
    const advanced = await fetch(`${server.url}/_signet/clock`, { method: 'POST', body: JSON.stringify({ advance: '73h' }) });
    assert.equal(advanced.status, 200);
    await eventually('MAIL FROM Failed', async () => ((await mailFromAttributes(NEVER)).status === 'Failed' ? true : undefined));
    // The verified one is re-checked and still found.
    assert.equal((await mailFromAttributes(DOMAIN)).status, 'Success');
  });
});
