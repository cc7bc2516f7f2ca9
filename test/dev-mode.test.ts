import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { signForm } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** Any well-formed credentials do in dev mode (as LocalStack's). */
const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

async function call(server: RunningSignet, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.url}/`, { method: 'POST', headers: await signForm(`${server.url}/`, body, KEY), body });
  return { status: response.status, text: await response.text() };
}

async function devServer(extra: readonly string[]): Promise<{ server: RunningSignet; close(): Promise<void> }> {
  const data = tempDir('dev-mode');
  // Detection runs (a resolver is named; the sandbox answers the test's domains before it is asked).
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
  return {
    server,
    async close() {
      await server.stop();
      data.remove();
    },
  };
}

describe('signet serve --dev: defaults that suit a test suite', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('does not throttle back-to-back calls, and --throttle turns SES limits on', async () => {
    const plain = await devServer([]);
    closers.push(plain.close);
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await call(plain.server, 'Action=ListIdentities&Version=2010-12-01'));
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(200),
      results.find((r) => r.status !== 200)?.text,
    );
    const throttled = await devServer(['--throttle']);
    closers.push(throttled.close);
    const codes = [];
    for (let i = 0; i < 5; i++)
      codes.push(/<Code>([^<]+)<\/Code>/.exec((await call(throttled.server, 'Action=ListIdentities&Version=2010-12-01')).text)?.[1] ?? 'OK');
    assert.ok(codes.includes('Throttling'), `5 calls at once with --throttle: ${codes.join(', ')}`);
  });

  it('counts a published record within about a second: VerifyDomainDkim, publish, Success within 3 s', async () => {
    const { server, close } = await devServer([]);
    closers.push(close);
    const verified = await call(server, 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=quick.example.com');
    assert.equal(verified.status, 200, verified.text);
    const published = await fetch(`${server.url}/_signet/publish-dkim-records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'quick.example.com' }),
    });
    assert.equal(published.status, 200, await published.text());
    const start = Date.now();
    let status = '';
    while (Date.now() - start < 3000) {
      const attributes = await call(server, 'Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=quick.example.com');
      status = /<DkimVerificationStatus>([^<]+)</.exec(attributes.text)?.[1] ?? '';
      if (status === 'Success') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 'Success', `DKIM status ${Date.now() - start} ms after publishing`);
  });
});
