import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findAwsCliV2, peerOrSkip, runAsync } from './helpers/peers.ts';
import { callSigned } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { run } from './helpers/peers.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * SES's limit on the identity operations: one call per second per account and region. The burst test
 * counts rather than timing: its server refills one call per 1000 s (`--throttle-rate 0.001`), so
 * however slowly two busy cores run the five calls, exactly the burst (1) goes through. The refill rate
 * itself is counted on an injected clock in src/api/throttle.test.ts.
 */
describe('throttling as SES documents it', () => {
  const data = tempDir('throttle');
  const home = tempDir('throttle-home');
  let server: RunningSignet;
  let a: { accessKeyId: string; secretAccessKey: string };
  let b: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '30',
      '--log-level',
      'warn',
      '--throttle-rate',
      '0.001',
      '--throttle-burst',
      '1',
    ]);
    a = server.credentials!;
    const make = (...args: string[]) => JSON.parse(run(process.execPath, [SIGNET_BIN, 'admin', ...args, '--data-dir', data.path], {}).stdout);
    const accountB = make('create-account').AccountId;
    const keyB = make('create-access-key', '--account-id', accountB).AccessKey;
    b = { accessKeyId: keyB.AccessKeyId, secretAccessKey: keyB.SecretAccessKey };
  });
  after(async () => {
    await server.stop();
    data.remove();
    home.remove();
  });

  it('5 calls at once from one account: exactly the burst of 1 goes, 4 are Throttling; another account and another region are not throttled', async () => {
    const body = (d: string) => `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${d}`;
    const [fromA, fromB] = await Promise.all([
      Promise.all([1, 2, 3, 4, 5].map((i) => callSigned(server.url, body(`t${i}.a.example`), a))),
      callSigned(server.url, body('t.b.example'), b),
    ]);
    const throttled = fromA.filter((r) => r.status === 400 && r.code === 'Throttling');
    assert.equal(throttled.length, 4, fromA.map((r) => r.code ?? r.status).join(', '));
    for (const r of throttled) assert.match(r.body, /<Message>Rate exceeded<\/Message>/);
    assert.equal(fromA.filter((r) => r.status === 200).length, 1);
    assert.equal(fromB.status, 200, fromB.body);
    // GetSendQuota is not an identity operation and is not limited this way.
    const quotas = await Promise.all([1, 2, 3].map(() => callSigned(server.url, 'Action=GetSendQuota&Version=2010-12-01', a)));
    assert.deepEqual(
      quotas.map((q) => q.status),
      [200, 200, 200],
    );
    // Another region of the same account has its own bucket.
    assert.equal((await callSigned(server.url, body('t.west.a.example'), a, 'us-west-2')).status, 200);
    // And account A's bucket in us-east-1 is still empty.
    assert.equal((await callSigned(server.url, body('t6.a.example'), a)).code, 'Throttling');
  });
});

/** With SES's default limits (1 call per second), the AWS CLI's own retries get its calls through. */
describe('throttling with the default limits and a retrying client', () => {
  const data = tempDir('throttle-cli');
  const home = tempDir('throttle-cli-home');
  let server: RunningSignet;
  let a: { accessKeyId: string; secretAccessKey: string };
  const aws = findAwsCliV2();
  before(async () => {
    if (aws === null) return;
    server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '6', '--log-level', 'warn']);
    a = server.credentials!;
  });
  after(async () => {
    await server?.stop();
    data.remove();
    home.remove();
  });

  it('the AWS CLI, retrying on its own, still succeeds', peerOrSkip('AWS CLI v2', aws, 'apt-get install awscli'), async () => {
    const before_ = await (await fetch(`${server.url}/metrics`)).text();
    const throttledBefore = Number(/signet_api_throttled_total\{action="VerifyDomainDkim"\} (\d+)/.exec(before_)?.[1] ?? 0);
    const env = {
      HOME: home.path,
      AWS_CONFIG_FILE: join(home.path, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home.path, 'none'),
      AWS_ACCESS_KEY_ID: a.accessKeyId,
      AWS_SECRET_ACCESS_KEY: a.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      // Standard retry mode, as the CLI's default, with room for 1 call/s among three callers.
      AWS_MAX_ATTEMPTS: '6',
    };
    const results = await Promise.all(
      ['c1', 'c2', 'c3'].map((d) => runAsync(aws!, ['ses', 'verify-domain-dkim', '--domain', `${d}.cli.example`, '--endpoint-url', server.url], env)),
    );
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const after_ = await (await fetch(`${server.url}/metrics`)).text();
    const throttledAfter = Number(/signet_api_throttled_total\{action="VerifyDomainDkim"\} (\d+)/.exec(after_)?.[1] ?? 0);
    assert.ok(throttledAfter > throttledBefore, 'some CLI attempts were throttled and retried');
  });
});
