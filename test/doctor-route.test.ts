import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { run } from './helpers/peers.ts';
import { callSigned, signGet } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** The doctor over HTTP reads one account's identities: outside dev mode only that account may ask. */
describe('GET /_signet/dkim-doctor is authenticated outside dev mode', () => {
  const data = tempDir('doctor');
  let server: RunningSignet;
  before(async () => {
    // The resolver points at a closed port: the doctor reports resolver errors, which is all this needs.
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--no-throttle',
      '--log-level',
      'warn',
      '--resolver',
      '127.0.0.1:9',
      '--resolver-timeout',
      '300ms',
    ]);
    assert.equal((await callSigned(server.url, 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=doc.example', server.credentials!)).status, 200);
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  it('refuses an unsigned request', async () => {
    const r = await fetch(`${server.url}/_signet/dkim-doctor?domain=doc.example`);
    assert.equal(r.status, 403);
    assert.equal(((await r.json()) as { __type: string }).__type, 'MissingAuthenticationToken');
  });

  it("answers the account's own domain, and not another account's", async () => {
    const url = `${server.url}/_signet/dkim-doctor?domain=doc.example`;
    const own = await fetch(url, { headers: await signGet(url, server.credentials!) });
    assert.equal(own.status, 200);
    const report = JSON.stringify(await own.json());
    assert.match(report, /_domainkey\.doc\.example/);

    const admin = (...args: string[]) => JSON.parse(run(process.execPath, [SIGNET_BIN, 'admin', ...args, '--data-dir', data.path], {}).stdout);
    const other = admin('create-account').AccountId;
    const key = admin('create-access-key', '--account-id', other).AccessKey;
    const theirs = await fetch(url, { headers: await signGet(url, { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }) });
    assert.equal(theirs.status, 404);
    assert.doesNotMatch(await theirs.text(), /_domainkey/);
  });
});
