import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { PooledKey, Store } from '../src/app/ports.ts';
import type { Scope } from '../src/core/index.ts';

/**
 * The store contract: every Store implementation must pass this suite unchanged. Each backend's test
 * file calls it with a factory that gives a fresh, empty, migrated store.
 */
export function runStoreContract(backend: string, openStore: () => Promise<Store>): void {
  describe(`Store contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    const B: Scope = { accountId: '222222222222', region: 'us-east-1' };
    const A_WEST: Scope = { accountId: '111111111111', region: 'us-west-2' };
    let store: Store;
    let keySeq = 0;
    const keys = (n: number, bits = 1024): PooledKey[] =>
      Array.from({ length: n }, () => {
        keySeq += 1;
        return { bits, publicKey: `pub-${keySeq}`, sealedPrivateKey: `sealed-${keySeq}`, createdAt: keySeq };
      });
    const tokens = (prefix: string) => [0, 1, 2].map((i) => `${prefix}${i}`.padEnd(32, 'a'));
    const dkim = (domain: string, prefix = domain.replace(/[^a-z]/g, '')) => ({
      domain,
      tokens: tokens(prefix),
      verificationToken: `vt-${domain}`,
      keyBits: 1024,
      now: 1000,
    });

    before(async () => {
      store = await openStore();
    });
    after(async () => {
      await store.close();
    });
    beforeEach(async () => {
      await store.close();
      store = await openStore();
    });

    it('reports pool_short and writes nothing when the pool lacks keys', async () => {
      await store.addPoolKeys(keys(2));
      const result = await store.createDomainDkim(A, dkim('short.example'));
      assert.equal(result.kind, 'pool_short');
      assert.equal(await store.countPoolKeys(1024), 2);
      assert.equal((await store.getIdentities(A, ['short.example'])).size, 0);
      assert.equal((await store.getDkimTokens(A, ['short.example'])).size, 0);
    });

    it('creates a domain with three keys taken from the pool, then answers the same tokens', async () => {
      await store.addPoolKeys(keys(4));
      await store.addPoolKeys(keys(3, 2048));
      const first = await store.createDomainDkim(A, dkim('example.com', 'ex'));
      assert.deepEqual(first, { kind: 'created', tokens: tokens('ex') });
      assert.equal(await store.countPoolKeys(1024), 1);
      assert.equal(await store.countPoolKeys(2048), 3, 'keys of another size are left alone');
      const again = await store.createDomainDkim(A, dkim('example.com', 'zz'));
      assert.deepEqual(again, { kind: 'existing', tokens: tokens('ex') });
      assert.deepEqual((await store.getDkimTokens(A, ['example.com'])).get('example.com'), tokens('ex'));
      const stored = await store.getDkimKeys(A, 'example.com');
      assert.equal(stored.length, 3);
      assert.deepEqual(
        stored.map((k) => k.state),
        ['active', 'next', 'previous'],
      );
      assert.equal(new Set(stored.map((k) => k.publicKey)).size, 3);
      assert.ok(stored.every((k) => k.sealedPrivateKey.startsWith('sealed-') && k.bits === 1024));
      const identity = (await store.getIdentities(A, ['example.com'])).get('example.com');
      assert.equal(identity?.kind, 'Domain');
      assert.equal(identity?.dkimStatus, 'Pending');
      assert.equal(identity?.dkimEnabled, true);
      assert.equal(identity?.verificationStatus, 'Pending');
      assert.equal(identity?.verificationToken, 'vt-example.com');
    });

    it('adds DKIM to a domain that VerifyDomainIdentity created, keeping its verification token', async () => {
      const created = await store.ensureDomainIdentity(A, 'example.net', 'vt-first', 5);
      assert.equal(created.dkimStatus, 'NotStarted');
      assert.equal(created.dkimEnabled, false);
      const again = await store.ensureDomainIdentity(A, 'example.net', 'vt-second', 6);
      assert.equal(again.verificationToken, 'vt-first');
      await store.addPoolKeys(keys(3));
      assert.equal((await store.createDomainDkim(A, dkim('example.net'))).kind, 'created');
      const identity = (await store.getIdentities(A, ['example.net'])).get('example.net');
      assert.equal(identity?.verificationToken, 'vt-first');
      assert.equal(identity?.dkimStatus, 'Pending');
      assert.equal(identity?.dkimEnabled, true);
    });

    it('keeps accounts and regions apart', async () => {
      await store.addPoolKeys(keys(9));
      const a = await store.createDomainDkim(A, dkim('same.example', 'aa'));
      const b = await store.createDomainDkim(B, dkim('same.example', 'bb'));
      const w = await store.createDomainDkim(A_WEST, dkim('same.example', 'ww'));
      assert.deepEqual([a.kind, b.kind, w.kind], ['created', 'created', 'created']);
      assert.deepEqual((await store.getDkimTokens(B, ['same.example'])).get('same.example'), tokens('bb'));
      assert.equal(await store.deleteIdentity(B, 'same.example'), true);
      assert.deepEqual((await store.getDkimTokens(A, ['same.example'])).get('same.example'), tokens('aa'));
      assert.equal((await store.listIdentities(A_WEST, { kind: null, after: 0, limit: 10 })).names.length, 1);
      assert.equal((await store.listIdentities(B, { kind: null, after: 0, limit: 10 })).names.length, 0);
      assert.equal(await store.setDkimEnabled(B, 'same.example', false), false);
    });

    it('pages identities by keyset, filtered by kind, across deletes and inserts', async () => {
      for (let i = 0; i < 5; i++) await store.ensureDomainIdentity(A, `d${i}.example`, `t${i}`, i);
      for (let i = 0; i < 3; i++) await store.ensureEmailIdentity(A, `u${i}@d0.example`, 10 + i);
      const p1 = await store.listIdentities(A, { kind: null, after: 0, limit: 3 });
      assert.deepEqual(p1.names, ['d0.example', 'd1.example', 'd2.example']);
      assert.equal(p1.more, true);
      await store.deleteIdentity(A, 'd1.example'); // already seen
      await store.deleteIdentity(A, 'd3.example'); // not seen yet: must not appear
      await store.ensureDomainIdentity(A, 'late.example', 'x', 99); // added after: appears at the end
      const p2 = await store.listIdentities(A, { kind: null, after: p1.last, limit: 3 });
      assert.deepEqual(p2.names, ['d4.example', 'u0@d0.example', 'u1@d0.example']);
      const p3 = await store.listIdentities(A, { kind: null, after: p2.last, limit: 3 });
      assert.deepEqual(p3.names, ['u2@d0.example', 'late.example']);
      assert.equal(p3.more, false);
      const emails = await store.listIdentities(A, { kind: 'EmailAddress', after: 0, limit: 100 });
      assert.deepEqual(emails.names, ['u0@d0.example', 'u1@d0.example', 'u2@d0.example']);
      const domains = await store.listIdentities(A, { kind: 'Domain', after: 0, limit: 2 });
      assert.deepEqual(domains.names, ['d0.example', 'd2.example']);
      assert.equal(domains.more, true);
    });

    it('deletes an identity with its keys, and reports unknown ones', async () => {
      await store.addPoolKeys(keys(3));
      await store.createDomainDkim(A, dkim('gone.example'));
      assert.equal(await store.deleteIdentity(A, 'gone.example'), true);
      assert.equal((await store.getDkimKeys(A, 'gone.example')).length, 0);
      assert.equal((await store.getDkimTokens(A, ['gone.example'])).size, 0);
      assert.equal(await store.deleteIdentity(A, 'gone.example'), false);
      // The domain can come back, with new tokens and new keys.
      await store.addPoolKeys(keys(3));
      const back = await store.createDomainDkim(A, dkim('gone.example', 'new'));
      assert.deepEqual(back, { kind: 'created', tokens: tokens('new') });
    });

    it('switches DKIM signing on and off', async () => {
      await store.ensureEmailIdentity(A, 'me@x.example', 1);
      assert.equal(await store.setDkimEnabled(A, 'me@x.example', true), true);
      assert.equal((await store.getIdentities(A, ['me@x.example'])).get('me@x.example')?.dkimEnabled, true);
      assert.equal(await store.setDkimEnabled(A, 'me@x.example', false), true);
      assert.equal((await store.getIdentities(A, ['me@x.example'])).get('me@x.example')?.dkimEnabled, false);
      assert.equal(await store.setDkimEnabled(A, 'nobody@x.example', true), false);
    });

    it('never gives one pool key to two domains under concurrent calls', async () => {
      await store.addPoolKeys(keys(30));
      const domains = Array.from({ length: 12 }, (_, i) => `c${String.fromCharCode(97 + i)}.example`);
      const results = await Promise.all(domains.map((d) => store.createDomainDkim(A, dkim(d))));
      assert.equal(results.filter((r) => r.kind === 'created').length, 10);
      assert.equal(results.filter((r) => r.kind === 'pool_short').length, 2);
      const all = await Promise.all(domains.map((d) => store.getDkimKeys(A, d)));
      const publicKeys = all.flat().map((k) => k.publicKey);
      assert.equal(publicKeys.length, 30);
      assert.equal(new Set(publicKeys).size, 30);
      assert.equal(await store.countPoolKeys(1024), 0);
    });

    it('gives one set of tokens when the same domain is created concurrently', async () => {
      await store.addPoolKeys(keys(12));
      const results = await Promise.all(['p', 'q', 'r', 's'].map((prefix) => store.createDomainDkim(A, dkim('race.example', prefix))));
      assert.equal(results.filter((r) => r.kind === 'created').length, 1);
      const winner = results.find((r) => r.kind === 'created')!;
      for (const r of results) assert.deepEqual(r.kind === 'pool_short' ? null : r.tokens, 'tokens' in winner ? winner.tokens : null);
      assert.equal(await store.countPoolKeys(1024), 9, 'only the winner took keys');
    });
  });
}
