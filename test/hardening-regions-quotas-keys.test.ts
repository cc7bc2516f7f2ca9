/**
 * Issue 14, finding 5: every throttle and quota is kept per account and region, so made-up region
 * names were fresh quotas (40 of 40 throttled calls went through; 5 sends against a daily quota of
 * 2). Now only configured regions are served and others are answered as AWS answers them; the
 * verification mail counts against the sending quota; and one account cannot empty the key pool
 * that every account draws from.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyDomainDkim } from '../src/app/verify-domain-dkim.ts';
import type { AppContext } from '../src/app/context.ts';
import type { Scope } from '../src/core/index.ts';
import { generateDkimKeyPair } from '../src/dkim/generate-key-pair.ts';
import { KeyPool } from '../src/dkim/key-pool.ts';
import { dkimKeyContext } from '../src/secrets/secret-box.ts';
import { openTestApp, type TestApp } from './helpers/embedded-app.ts';
import { callSigned } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('regions and the sending quota (signet serve, SigV4)', () => {
  const data = tempDir('hardening-regions');
  let server: RunningSignet;
  let key: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    // Default throttle (1 call a second, burst 1); a daily quota of 2.
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '0',
      '--regions',
      'us-east-1,eu-west-1',
      '--max-24-hour-send',
      '2',
    ]);
    key = server.credentials!;
  });
  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('answers a region it does not serve as AWS does: 403 SignatureDoesNotMatch', async () => {
    for (const region of ['xx-fake-1', 'us-west-2']) {
      const r = await callSigned(server.url, 'Action=GetSendQuota&Version=2010-12-01', key, region);
      assert.equal(r.status, 403, r.body);
      assert.equal(r.code, 'SignatureDoesNotMatch');
      assert.ok(r.body.includes(`<Message>Credential should be scoped to a valid region, not '${region}'. </Message>`), r.body);
    }
    const served = await callSigned(server.url, 'Action=GetSendQuota&Version=2010-12-01', key, 'eu-west-1');
    assert.equal(served.status, 200, served.body);
  });

  it('made-up region names are no way around the throttle', async () => {
    await sleep(1100);
    const body = 'Action=ListIdentities&Version=2010-12-01';
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => callSigned(server.url, body, key, `zz-made-up-${i + 1}`)));
    assert.deepEqual(
      results.map((r) => r.status),
      Array(8).fill(403),
      'none is served, so none takes a fresh bucket',
    );
    const [first, second] = [await callSigned(server.url, body, key), await callSigned(server.url, body, key)];
    assert.equal(first.status, 200, first.body);
    assert.equal(second.code, 'Throttling', 'the one real bucket still limits');
  });

  it('counts verification mail against Max24HourSend', async () => {
    const verify = (address: string) =>
      callSigned(server.url, `Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=${encodeURIComponent(address)}`, key);
    for (const address of ['one@quota.example', 'two@quota.example']) {
      await sleep(1100);
      const r = await verify(address);
      assert.equal(r.status, 200, r.body);
    }
    const quota = await callSigned(server.url, 'Action=GetSendQuota&Version=2010-12-01', key);
    assert.match(quota.body, /<SentLast24Hours>2(\.0)?<\/SentLast24Hours>/, quota.body);
    await sleep(1100);
    const third = await verify('three@quota.example');
    assert.equal(third.code, 'MessageRejected', third.body);
    assert.ok(third.body.includes('<Message>Daily message quota exceeded.</Message>'), third.body);
  });
});

describe('a fair share of the key pool per account', () => {
  let app: TestApp;
  before(async () => {
    app = await openTestApp();
  });
  after(async () => app?.close());

  it('one account creating domains in a loop leaves ready keys for another', async () => {
    // The real pool over the real store; generation can be held, standing in for a slow CPU, so that
    // what the pool holds depends only on who took what.
    let open = true;
    let release: () => void = () => {};
    let gate = Promise.resolve();
    const TARGET = 12;
    const pool = new KeyPool(app.embedded.storage.store, {
      bits: 1024,
      target: TARGET,
      concurrency: 2,
      generate: async (bits) => {
        if (!open) await gate;
        return generateDkimKeyPair(bits);
      },
      seal: (pair) => app.embedded.secrets.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)),
      clock: app.embedded.ctx.clock,
    });
    const ctx: AppContext = { ...app.embedded.ctx, keys: pool };
    pool.start();
    try {
      for (let i = 0; i < 200 && (await app.embedded.storage.store.countPoolKeys(1024)) < TARGET; i++) await sleep(50);
      assert.ok((await app.embedded.storage.store.countPoolKeys(1024)) >= TARGET, 'the pool filled');
      open = false;
      gate = new Promise((r) => (release = r));

      const greedy: Scope = { accountId: '222222222222', region: 'us-east-1' };
      const other: Scope = { accountId: '333333333333', region: 'eu-west-1' };
      const pending: Promise<string[]>[] = [];
      // The greedy account asks for domain after domain; it is made to wait once it has had its share.
      for (let i = 1; i <= 4; i++) {
        const call = verifyDomainDkim(ctx, greedy, `d${i}.greedy.example`);
        pending.push(call);
        const done = await Promise.race([call.then(() => true), sleep(2000).then(() => false)]);
        if (!done) break;
      }
      assert.ok(pending.length < 4, `the greedy account got ${pending.length} domains' keys from a pool of ${TARGET} without waiting`);
      // The other account is answered from the keys left, while no key can be generated.
      const theirs = await Promise.race([verifyDomainDkim(ctx, other, 'mine.other.example'), sleep(5000).then(() => null)]);
      assert.ok(theirs !== null, 'the other account was left waiting on key generation');
      assert.equal(theirs.length, 3);
      // Once keys can be made again, the greedy account's waiting call completes too.
      open = true;
      release();
      for (const call of pending) assert.equal((await call).length, 3);
    } finally {
      open = true;
      release();
      await pool.stop();
    }
  });
});
