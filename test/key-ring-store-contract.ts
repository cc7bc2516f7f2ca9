import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DnsKeyStore } from '../src/app/detection-ports.ts';
import type { KeyRingStore } from '../src/app/key-ring-ports.ts';
import type { PooledKey, Store } from '../src/app/ports.ts';
import { nextRingStep, type RingPolicy, type Scope } from '../src/core/index.ts';

/** The stores the key ring touches, over one database. */
export interface KeyRingHandles {
  readonly store: Store;
  readonly rings: KeyRingStore;
  readonly dnsKeys: DnsKeyStore;
  close(): Promise<void>;
}

/**
 * The contract of KeyRingStore (issue 16): every backend must pass it unchanged. `open` gives a
 * fresh, migrated, empty database. Times are the service clock's, passed in.
 */
export function runKeyRingStoreContract(backend: string, open: () => Promise<KeyRingHandles>): void {
  describe(`Key ring store contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    const H = 3600_000;
    const policy: RingPolicy = { ttlMs: H, feedLagMs: 1000, retentionMs: 96 * H, intervalMs: null };
    let h: KeyRingHandles;
    let keySeq = 0;
    const keys = (n: number, bits = 2048): PooledKey[] =>
      Array.from({ length: n }, () => {
        keySeq += 1;
        return { bits, publicKey: `pub-${keySeq}`, sealedPrivateKey: `sealed-${keySeq}`, createdAt: keySeq };
      });
    const tokens = ['t0'.padEnd(32, 'a'), 't1'.padEnd(32, 'a'), 't2'.padEnd(32, 'a')];
    const create = async (now = 0) => {
      await h.store.addPoolKeys(keys(3));
      const created = await h.store.createDomainDkim(A, { domain: 'ring.example', tokens, verificationToken: 'vt', keyBits: 2048, now });
      assert.equal(created.kind, 'created');
      const ring = await h.rings.ringOf(A, 'ring.example');
      assert.ok(ring);
      return ring;
    };
    const advance = (id: number, now: number) => h.rings.advanceRing(id, now, (ring) => nextRingStep(ring.keys, ring.settings, now, policy));

    beforeEach(async () => {
      h = await open();
    });
    afterEach(async () => {
      await h.close();
    });

    it('creates a ring with one active, one next and one previous key, nothing due', async () => {
      const ring = await create(5);
      assert.deepEqual(
        ring.keys.map((k) => [k.token, k.state, k.publishedAt, k.activatedAt, k.retiredAt]),
        [
          [tokens[0], 'active', 5, 5, null],
          [tokens[1], 'next', 5, null, null],
          [tokens[2], 'previous', 5, null, null],
        ],
      );
      assert.deepEqual(ring.settings, { nextBits: 2048, rotateRequestedAt: null, lengthChangedAt: null, downgradedAt: null });
      assert.equal(ring.lastGeneratedAt, 5);
      assert.deepEqual(await h.rings.dueRings(10 * H, 10), []);
      assert.deepEqual(await advance(ring.identityId, 10 * H), { kind: 'idle', dueAt: null });
    });

    it('rotates: activation after the TTL, then a fresh key behind the never-signed token, tokens unchanged', async () => {
      const ring = await create(0);
      await h.store.addPoolKeys(keys(1));
      assert.equal(await h.rings.requestRotation(A, 'ring.example', 10 * H), true);
      assert.deepEqual(await h.rings.dueRings(10 * H, 10), [ring.identityId]);
      const before = await h.dnsKeys.findKey(tokens[2]!);
      const seq = await h.dnsKeys.keyZoneSeq();
      const activated = await advance(ring.identityId, 10 * H);
      assert.equal(activated.kind, 'applied');
      const regenerated = await advance(ring.identityId, 10 * H);
      assert.deepEqual(regenerated.kind === 'applied' && regenerated.step, { kind: 'regenerate', token: tokens[2], bits: 2048 });
      const after = (await h.rings.ringOf(A, 'ring.example'))!;
      assert.deepEqual(
        after.keys.map((k) => [k.token, k.state, k.publishedAt, k.activatedAt, k.retiredAt]),
        [
          [tokens[0], 'previous', 0, 0, 10 * H],
          [tokens[1], 'active', 0, 10 * H, null],
          [tokens[2], 'next', 10 * H, null, null],
        ],
      );
      assert.equal(after.settings.rotateRequestedAt, null);
      assert.equal(after.lastGeneratedAt, 10 * H);
      // The new public key is in DNS's view of the store and on the change feed.
      const now = await h.dnsKeys.findKey(tokens[2]!);
      assert.notEqual(now?.publicKey, before?.publicKey);
      const changes = await h.dnsKeys.keyZoneChangesSince(seq, 100);
      assert.ok(changes.tokens.includes(tokens[2]!));
      assert.deepEqual(await h.store.getDkimTokens(A, ['ring.example']), new Map([['ring.example', tokens]]));
      // The signing key is the active one.
      const stored = await h.store.getDkimKeys(A, 'ring.example');
      assert.deepEqual(
        stored.map((k) => k.state),
        ['previous', 'active', 'next'],
      );
      assert.deepEqual(await advance(ring.identityId, 10 * H), { kind: 'idle', dueAt: null });
    });

    it('reports pool_short and writes no key when the pool has none of that length', async () => {
      const ring = await create(0);
      assert.equal(await h.rings.setNextKeyLength(A, 'ring.example', 1024, H, () => {}), true);
      const short = await advance(ring.identityId, H);
      assert.deepEqual(short, { kind: 'pool_short', bits: 1024 });
      assert.deepEqual(await h.rings.dueRings(H, 10), [ring.identityId], 'looked at again');
      await h.store.addPoolKeys(keys(1, 1024));
      const regenerated = await advance(ring.identityId, H);
      assert.deepEqual(regenerated.kind === 'applied' && regenerated.step, { kind: 'regenerate', token: tokens[1], bits: 1024 });
      assert.deepEqual(await advance(ring.identityId, H), { kind: 'idle', dueAt: 2 * H + 1000 });
      assert.equal((await advance(ring.identityId, 2 * H + 1000)).kind, 'applied');
      const after = (await h.rings.ringOf(A, 'ring.example'))!;
      assert.deepEqual(
        after.keys.map((k) => [k.state, k.bits]),
        [
          ['previous', 2048],
          ['active', 1024],
          ['previous', 2048],
        ],
      );
      assert.deepEqual(after.settings, { nextBits: 1024, rotateRequestedAt: null, lengthChangedAt: H, downgradedAt: H });
    });

    it('keeps the length history when the check refuses, and answers false for a domain without keys', async () => {
      await create(0);
      await assert.rejects(
        h.rings.setNextKeyLength(A, 'ring.example', 1024, H, () => {
          throw new Error('refused');
        }),
        /refused/,
      );
      assert.equal((await h.rings.ringOf(A, 'ring.example'))!.settings.nextBits, 2048);
      assert.equal(await h.rings.setNextKeyLength(A, 'none.example', 1024, H, () => {}), false);
      assert.equal(await h.rings.requestRotation(A, 'none.example', H), false);
      assert.equal(await h.rings.ringOf(A, 'none.example'), null);
    });

    it('serializes concurrent advances of one ring: exactly one active key afterwards', async () => {
      const ring = await create(0);
      await h.store.addPoolKeys(keys(4));
      await h.rings.requestRotation(A, 'ring.example', 10 * H);
      const results = await Promise.all([advance(ring.identityId, 10 * H), advance(ring.identityId, 10 * H), advance(ring.identityId, 10 * H)]);
      assert.equal(results.filter((r) => r.kind === 'applied' && r.step.kind === 'activate').length, 1);
      const after = (await h.rings.ringOf(A, 'ring.example'))!;
      assert.equal(after.keys.filter((k) => k.state === 'active').length, 1);
    });

    it('drops the ring with its identity', async () => {
      const ring = await create(0);
      await h.store.deleteIdentity(A, 'ring.example');
      assert.deepEqual(await advance(ring.identityId, H), { kind: 'gone' });
      assert.equal(await h.rings.ringOf(A, 'ring.example'), null);
    });
  });
}
