/**
 * `aws ses ...` and `signet ses ...` against the same `signet serve --dev`, for every operation issue
 * 13 added to `signet ses` (and the three the AWS CLI v2 removed, which neither offers): identical
 * stdout and exit codes, case by case, over successes, each error (the server's and the command
 * line's own), every output format, --query and skeletons. stderr is compared too, with `signet`
 * for the program name, as the golden replay does. The pattern of the golden replays
 * (test/cli-golden.test.ts, test/cli-serve-replay.test.ts: the same sandboxed environment), with
 * the real AWS CLI v2 run live beside signet instead of a capture. Cases that change state change it
 * the same way twice (the AWS CLI's run first, then signet's), so both see the same server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { baseEnv, makeSandbox, removeSandbox, runSignet, type RunResult } from './helpers/cli-golden.ts';
import { DEV_KEY } from './helpers/dev-domain.ts';
import { findAwsCliV2, peerOrSkip } from './helpers/peers.ts';
import { callSigned } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const TOPIC = (name: string, region = 'us-east-1') => `arn:aws:sns:${region}:000000000000:${name}`;
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'AllowSend', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'ses:SendRawEmail', Resource: '*' }],
});
const FORMATS = ['json', 'text', 'table', 'yaml', 'yaml-stream'] as const;

interface Case {
  readonly name: string;
  readonly argv: readonly string[];
  /** The exit code both must give (0 success, 252 usage, 254 service error). */
  readonly exit: number;
  /** Changes nothing on the server: both programs may run at once. */
  readonly readOnly?: boolean;
}

const get = (name: string, argv: string[], exit = 0): Case => ({ name, argv, exit, readOnly: true });
const change = (name: string, argv: string[], exit = 0): Case => ({ name, argv, exit });

const NOTIFICATION_IDS = ['--identities', 'example.com', 'pending@other.example', 'nobody.example'];

/** In order: later cases see what earlier ones changed. */
const CASES: readonly Case[] = [
  ...FORMATS.map((f) => get(`get-send-statistics ${f}`, ['get-send-statistics', '--output', f])),
  get('get-send-statistics --query', ['get-send-statistics', '--query', 'SendDataPoints[].[Timestamp,DeliveryAttempts]', '--output', 'text']),
  ...FORMATS.map((f) =>
    get(`get-identity-notification-attributes defaults ${f}`, ['get-identity-notification-attributes', ...NOTIFICATION_IDS, '--output', f]),
  ),
  change(
    'set-identity-feedback-forwarding-enabled off without topics',
    ['set-identity-feedback-forwarding-enabled', '--identity', 'example.com', '--no-forwarding-enabled'],
    254,
  ),
  change('set-identity-notification-topic Bounce', [
    'set-identity-notification-topic',
    '--identity',
    'example.com',
    '--notification-type',
    'Bounce',
    '--sns-topic',
    TOPIC('bounces'),
  ]),
  change('set-identity-notification-topic Complaint', [
    'set-identity-notification-topic',
    '--identity',
    'example.com',
    '--notification-type',
    'Complaint',
    '--sns-topic',
    TOPIC('complaints'),
  ]),
  change('set-identity-notification-topic Delivery, text', [
    'set-identity-notification-topic',
    '--identity',
    'example.com',
    '--notification-type',
    'Delivery',
    '--sns-topic',
    TOPIC('deliveries'),
    '--output',
    'text',
  ]),
  change('set-identity-feedback-forwarding-enabled off', ['set-identity-feedback-forwarding-enabled', '--identity', 'example.com', '--no-forwarding-enabled']),
  change('set-identity-headers-in-notifications-enabled', [
    'set-identity-headers-in-notifications-enabled',
    '--identity',
    'example.com',
    '--notification-type',
    'Complaint',
    '--enabled',
  ]),
  change('set-identity-notification-topic by ARN', [
    'set-identity-notification-topic',
    '--identity',
    'arn:aws:ses:us-east-1:000000000000:identity/user@example.com',
    '--notification-type',
    'Bounce',
    '--sns-topic',
    TOPIC('user-bounces'),
  ]),
  ...FORMATS.map((f) =>
    get(`get-identity-notification-attributes set ${f}`, [
      'get-identity-notification-attributes',
      '--identities',
      'example.com',
      'user@example.com',
      '--output',
      f,
    ]),
  ),
  get('get-identity-notification-attributes --query', [
    'get-identity-notification-attributes',
    '--identities',
    'example.com',
    '--query',
    'NotificationAttributes."example.com".BounceTopic',
  ]),
  change(
    'set-identity-notification-topic clears Bounce while forwarding is off',
    ['set-identity-notification-topic', '--identity', 'example.com', '--notification-type', 'Bounce'],
    254,
  ),
  change(
    'set-identity-notification-topic unverified identity',
    ['set-identity-notification-topic', '--identity', 'pending@other.example', '--notification-type', 'Bounce'],
    254,
  ),
  change(
    'set-identity-notification-topic unknown identity',
    ['set-identity-notification-topic', '--identity', 'nobody.example', '--notification-type', 'Delivery'],
    254,
  ),
  change('set-identity-notification-topic bad type', ['set-identity-notification-topic', '--identity', 'example.com', '--notification-type', 'Bogus'], 254),
  change(
    'set-identity-notification-topic not an ARN',
    ['set-identity-notification-topic', '--identity', 'example.com', '--notification-type', 'Delivery', '--sns-topic', 'my-topic'],
    254,
  ),
  change(
    'set-identity-notification-topic other region',
    ['set-identity-notification-topic', '--identity', 'example.com', '--notification-type', 'Delivery', '--sns-topic', TOPIC('t', 'eu-west-1')],
    254,
  ),
  change('set-identity-notification-topic without --notification-type', ['set-identity-notification-topic', '--identity', 'example.com'], 252),
  change('set-identity-feedback-forwarding-enabled without the flag', ['set-identity-feedback-forwarding-enabled', '--identity', 'example.com'], 252),
  change(
    'set-identity-headers-in-notifications-enabled identity by another region ARN',
    [
      'set-identity-headers-in-notifications-enabled',
      '--identity',
      'arn:aws:ses:eu-west-1:000000000000:identity/example.com',
      '--notification-type',
      'Bounce',
      '--no-enabled',
    ],
    254,
  ),
  get(
    'get-identity-notification-attributes 101 identities',
    ['get-identity-notification-attributes', '--identities', ...Array.from({ length: 101 }, (_, i) => `d${i}.example`)],
    254,
  ),
  change('put-identity-policy', ['put-identity-policy', '--identity', 'example.com', '--policy-name', 'send-1', '--policy', POLICY]),
  change('put-identity-policy second', [
    'put-identity-policy',
    '--identity',
    'example.com',
    '--policy-name',
    'Send_2',
    '--policy',
    POLICY.replace('AllowSend', 'Two'),
  ]),
  change('put-identity-policy replaces, yaml', [
    'put-identity-policy',
    '--identity',
    'example.com',
    '--policy-name',
    'send-1',
    '--policy',
    POLICY,
    '--output',
    'yaml',
  ]),
  ...FORMATS.map((f) => get(`list-identity-policies ${f}`, ['list-identity-policies', '--identity', 'example.com', '--output', f])),
  ...FORMATS.map((f) =>
    get(`get-identity-policies ${f}`, ['get-identity-policies', '--identity', 'example.com', '--policy-names', 'send-1', 'Send_2', 'missing', '--output', f]),
  ),
  get('get-identity-policies --query', ['get-identity-policies', '--identity', 'example.com', '--policy-names', 'send-1', '--query', 'keys(Policies)']),
  change('put-identity-policy not JSON', ['put-identity-policy', '--identity', 'example.com', '--policy-name', 'p', '--policy', '{not json'], 254),
  change(
    'put-identity-policy no Statement',
    ['put-identity-policy', '--identity', 'example.com', '--policy-name', 'p', '--policy', '{"Version":"2012-10-17"}'],
    254,
  ),
  change(
    'put-identity-policy bad Effect',
    [
      'put-identity-policy',
      '--identity',
      'example.com',
      '--policy-name',
      'p',
      '--policy',
      '{"Statement":{"Effect":"Perhaps","Principal":"*","Action":"ses:*"}}',
    ],
    254,
  ),
  change('put-identity-policy bad name', ['put-identity-policy', '--identity', 'example.com', '--policy-name', 'has space', '--policy', POLICY], 254),
  change('put-identity-policy name too long', ['put-identity-policy', '--identity', 'example.com', '--policy-name', 'n'.repeat(65), '--policy', POLICY], 254),
  // botocore's ParamValidator checks the model's `min` before sending (the maximum is the service's to check).
  change('put-identity-policy empty policy', ['put-identity-policy', '--identity', 'example.com', '--policy-name', 'p', '--policy', ''], 252),
  change(
    'put-identity-policy unverified identity',
    ['put-identity-policy', '--identity', 'pending@other.example', '--policy-name', 'p', '--policy', POLICY],
    254,
  ),
  get(
    'get-identity-policies 21 names',
    ['get-identity-policies', '--identity', 'example.com', '--policy-names', ...Array.from({ length: 21 }, (_, i) => `p${i}`)],
    254,
  ),
  get('get-identity-policies without --policy-names', ['get-identity-policies', '--identity', 'example.com'], 252),
  get('list-identity-policies unknown identity', ['list-identity-policies', '--identity', 'nobody.example'], 254),
  change('delete-identity-policy', ['delete-identity-policy', '--identity', 'example.com', '--policy-name', 'Send_2']),
  change('delete-identity-policy again', ['delete-identity-policy', '--identity', 'example.com', '--policy-name', 'Send_2', '--output', 'table']),
  change('delete-identity-policy unverified identity', ['delete-identity-policy', '--identity', 'pending@other.example', '--policy-name', 'p'], 254),
  get('list-identity-policies after delete', ['list-identity-policies', '--identity', 'example.com', '--output', 'table']),
  get('put-identity-policy --generate-cli-skeleton', ['put-identity-policy', '--generate-cli-skeleton']),
  get('set-identity-notification-topic --generate-cli-skeleton yaml-input', ['set-identity-notification-topic', '--generate-cli-skeleton', 'yaml-input']),
  get('get-send-statistics --generate-cli-skeleton output', ['get-send-statistics', '--generate-cli-skeleton', 'output']),
  change('put-identity-policy --cli-input-json', [
    'put-identity-policy',
    '--cli-input-json',
    JSON.stringify({ Identity: 'example.com', PolicyName: 'from-json', Policy: POLICY }),
  ]),
  // The AWS CLI v2 removed the legacy address operations from `aws ses` (customizations/removals.py).
  get('list-verified-email-addresses is not offered', ['list-verified-email-addresses'], 252),
  get('verify-email-address is not offered', ['verify-email-address', '--email-address', 'a@example.com'], 252),
  get('delete-verified-email-address is not offered', ['delete-verified-email-address', '--email-address', 'a@example.com'], 252),
];

function runAws(bin: string, argv: readonly string[], env: Record<string, string>, cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(bin, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The AWS CLI's program name in its usage lines, as signet names itself (test/helpers/cli-golden.ts). */
function asSignet(stderr: string): string {
  return stderr
    .replace(/^usage: aws /gm, 'usage: signet ')
    .replace(/^ {2}aws /gm, '  signet ')
    .replace(/^aws: error: /gm, 'signet: error: ');
}

describe('aws ses and signet ses give the same answers for the operations of issue 13', () => {
  const aws = findAwsCliV2();
  const skip = peerOrSkip('AWS CLI v2', aws, 'apt-get install awscli');
  let server: RunningSignet;
  let sandbox = '';
  const data = tempDir('idops-parity');
  const counts = { cases: 0, identical: 0, errors: 0, formats: new Set<string>() };

  before(async () => {
    if (skip.skip !== false) return;
    sandbox = makeSandbox();
    server = await startSignet([
      '--dev',
      '--auto-verify',
      'none',
      '--data-dir',
      data.path,
      '--key-pool-size',
      '0',
      '--key-bits',
      '1024',
      '--log-level',
      'warn',
    ]);
    const signed = async (body: string) => {
      const r = await callSigned(server.url, `Version=2010-12-01&${body}`, DEV_KEY);
      assert.equal(r.status, 200, r.body);
    };
    // example.com verified through the dev sandbox; an address under it; another, unverified, elsewhere.
    await signed('Action=VerifyDomainDkim&Domain=example.com');
    const post = (path: string) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"domain":"example.com"}' });
    assert.equal((await post('/_signet/publish-dkim-records')).status, 200);
    assert.equal(((await (await post('/_signet/check')).json()) as { dkimStatus: string }).dkimStatus, 'Success');
    await signed('Action=VerifyEmailIdentity&EmailAddress=user%40example.com');
    await signed('Action=VerifyEmailIdentity&EmailAddress=pending%40other.example');
    // One message, so that GetSendStatistics has a data point.
    await signed(
      'Action=SendEmail&Source=user%40example.com&Destination.ToAddresses.member.1=a%40example.org&Destination.ToAddresses.member.2=b%40example.org' +
        '&Message.Subject.Data=s&Message.Body.Text.Data=b',
    );
  });
  after(async () => {
    await server?.stop();
    if (sandbox) removeSandbox(sandbox);
    data.remove();
    if (counts.cases > 0) {
      process.stdout.write(
        `\nses parity: ${counts.identical}/${counts.cases} cases identical (${counts.errors} errors; formats ${[...counts.formats].sort().join(', ')})\n`,
      );
    }
  });

  it('has at least 40 cases, over every output format and errors of both kinds', () => {
    assert.ok(CASES.length >= 40, `${CASES.length} cases`);
    for (const f of FORMATS)
      assert.ok(
        CASES.some((c) => c.argv.includes(f)),
        f,
      );
    assert.ok(CASES.some((c) => c.exit === 254) && CASES.some((c) => c.exit === 252));
  });

  it('every case', skip, async (t) => {
    const env = baseEnv(sandbox);
    const cwd = join(sandbox, 'work');
    for (const c of CASES) {
      await t.test(c.name, async () => {
        const argv = ['ses', ...c.argv, '--endpoint-url', server.url];
        let a: RunResult;
        let s: RunResult;
        if (c.readOnly) [a, s] = await Promise.all([runAws(aws!, argv, env, cwd), runSignet(argv, env, cwd)]);
        else {
          a = await runAws(aws!, argv, env, cwd);
          s = await runSignet(argv, env, cwd);
        }
        counts.cases++;
        assert.equal(a.status, c.exit, `aws exit ${a.status}: ${a.stderr}`);
        assert.equal(s.status, a.status, `signet exit ${s.status}: ${s.stderr}`);
        assert.equal(s.stdout.toString('utf8'), a.stdout.toString('utf8'), 'stdout');
        assert.equal(s.stderr, asSignet(a.stderr), 'stderr');
        counts.identical++;
        if (c.exit !== 0) counts.errors++;
        const format = c.argv[c.argv.indexOf('--output') + 1];
        if (c.argv.includes('--output') && format) counts.formats.add(format);
      });
    }
  });
});
