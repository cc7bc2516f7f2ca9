import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateDkimKeyPair } from '../src/dkim/generate-key-pair.ts';
import { openTestApp } from './helpers/embedded-app.ts';

describe('the key pool', () => {
  it('generates off the event loop: the loop keeps turning while a 2048-bit key is made', async () => {
    // Counted in loop turns, not in time: on a busy machine (CI runs test files side by side on two
    // cores) the main thread can sit descheduled for the whole of one generation, so "many turns" is
    // not a promise. What is certain: work done on the thread pool completes in the poll phase of a
    // later turn, so each generation lets the check phase (setImmediate) run at least once, while a
    // generation on the main thread would let it run not at all: three in a row give 0 turns there.
    let turns = 0;
    let done = false;
    const spin = () => {
      if (done) return;
      turns += 1;
      setImmediate(spin);
    };
    setImmediate(spin);
    const pairs = [];
    for (let i = 0; i < 3; i += 1) pairs.push(await generateDkimKeyPair(2048));
    done = true;
    for (const pair of pairs) assert.ok(pair.publicKey.length > 300);
    assert.ok(turns >= 3, `the event loop turned only ${turns} times during three generations`);
  });

  it('makes callers wait for fresh keys when empty, and never answers tokens without keys', async () => {
    const app = await openTestApp({ poolTarget: 0 });
    try {
      assert.equal(await app.embedded.storage.store.countPoolKeys(1024), 0);
      const domains = ['a', 'b', 'c', 'd', 'e'].map((x) => `${x}.pool.example`);
      const responses = await Promise.all(domains.map((d) => app.call(`Action=VerifyDomainDkim&Version=2010-12-01&Domain=${d}`)));
      for (const r of responses) assert.equal(r.status, 200, r.body);
      const scope = { accountId: '000000000000', region: 'us-east-1' };
      const publicKeys = new Set<string>();
      for (const d of domains) {
        const keys = await app.embedded.storage.store.getDkimKeys(scope, d);
        assert.equal(keys.length, 3);
        for (const k of keys) publicKeys.add(k.publicKey);
      }
      assert.equal(publicKeys.size, 15, 'every token has its own key');
    } finally {
      await app.close();
    }
  });

  it('fills up to its target in the background', async () => {
    const app = await openTestApp({ poolTarget: 4 });
    try {
      while ((await app.embedded.storage.store.countPoolKeys(1024)) < 4) await app.embedded.ctx.keys.waitForKeys(0);
      await new Promise((r) => setTimeout(r, 300));
      const count = await app.embedded.storage.store.countPoolKeys(1024);
      assert.ok(count >= 4 && count <= 4 + 2, `pool holds ${count}, target 4 (plus at most the generations under way)`);
    } finally {
      await app.close();
    }
  });
});
