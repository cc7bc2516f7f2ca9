import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsKeyStore, PublishedKey } from '../app/detection-ports.ts';
import { KeyZoneCache } from './key-zone-cache.ts';

/** The zone as a DnsKeyStore over an array (creation order), with a feed that never changes. */
function zoneOf(tokens: readonly string[]): DnsKeyStore & { reads: string[] } {
  const keys: PublishedKey[] = tokens.map((token) => ({ token, publicKey: `pub-${token}` }));
  const reads: string[] = [];
  return {
    reads,
    async findKey(token) {
      reads.push(token);
      return keys.find((k) => k.token === token) ?? null;
    },
    async listKeys(after, limit) {
      const page = keys.slice(after, after + limit);
      return { keys: page, last: after + page.length };
    },
    async recentKeys(limit) {
      return keys.slice(-limit).reverse();
    },
    async keyZoneSeq() {
      return 0;
    },
    async keyZoneChangesSince(seq) {
      return { seq, tokens: [], reset: false };
    },
    // Zone transfers' reads: the cache never makes them.
    async keyZoneJournal() {
      throw new Error('not read by the cache');
    },
    async keyZoneSnapshot() {
      throw new Error('not read by the cache');
    },
  };
}

test('starts from the newest keys, at most its bound, and reads the others when asked', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e']);
  const cache = new KeyZoneCache(store, { maxEntries: 3 });
  await cache.start();
  cache.stop();
  assert.equal(cache.size, 3);
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'e'].map((t) => cache.get(t) !== undefined),
    [false, false, true, true, true],
  );
  assert.equal((await cache.lookup('a'))?.key.publicKey, 'pub-a');
  assert.equal(cache.size, 3, 'still bounded');
});

test('once full, the least recently asked key leaves first: a key asked often stays', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e', 'f']);
  const cache = new KeyZoneCache(store, { maxEntries: 3 });
  for (const t of ['a', 'b', 'c']) await cache.lookup(t);
  for (const t of ['d', 'e', 'f']) {
    assert.ok(cache.get('a'), 'the hot key is answered from memory');
    // Asked twice: kept (see the next test for a key asked once).
    await cache.lookup(t);
    await cache.lookup(t);
  }
  assert.ok(cache.get('a'));
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('c'), undefined);
  assert.deepEqual(store.reads, ['a', 'b', 'c', 'd', 'd', 'e', 'e', 'f', 'f'], 'the hot key was read from the store once');
});

test('once full, a key asked once is answered but not kept: it enters on its second ask', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e']);
  const cache = new KeyZoneCache(store, { maxEntries: 3 });
  for (const t of ['a', 'b', 'c']) await cache.lookup(t);
  assert.equal((await cache.lookup('d'))?.key.publicKey, 'pub-d', 'answered');
  assert.equal(cache.size, 3);
  assert.equal(cache.get('d'), undefined, 'not kept: the three keys asked before stay');
  assert.ok(cache.get('a') && cache.get('b') && cache.get('c'));
  // A run of keys asked once each (a uniform mix) leaves the cache as it was.
  assert.equal((await cache.lookup('e'))?.key.publicKey, 'pub-e');
  assert.ok(cache.get('a') && cache.get('b') && cache.get('c'));
  // Asked again while remembered: kept, and the least recently asked key leaves.
  await cache.lookup('d');
  assert.ok(cache.get('d'));
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 3);
  assert.deepEqual(store.reads, ['a', 'b', 'c', 'd', 'e', 'd']);
});

test('a store that reads synchronously answers a miss at once, and says when a key does not exist', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd']);
  const readsNow: string[] = [];
  const cache = new KeyZoneCache(
    {
      ...store,
      findKeyNow: (token) => {
        readsNow.push(token);
        return token === 'a' || token === 'b' || token === 'c' || token === 'd' ? { token, publicKey: `pub-${token}` } : null;
      },
    },
    { maxEntries: 2 },
  );
  await cache.start();
  cache.stop();
  assert.equal(cache.get('a')?.key.publicKey, 'pub-a', 'a miss answered synchronously (the fast path)');
  assert.equal(cache.size, 2, 'still bounded');
  assert.equal(cache.lookupNow('zz'), null, 'absent: known at once, no asynchronous read to wait for');
  assert.equal((await cache.lookup('zz')) ?? null, null);
  assert.deepEqual(store.reads, [], 'the asynchronous read was never needed');
  assert.deepEqual(readsNow, ['a', 'zz', 'zz']);
  assert.equal(cache.get('a')?.key.publicKey, 'pub-a', 'asked again: read, and now kept');
  assert.equal(cache.get('a')?.key.publicKey, 'pub-a');
  assert.deepEqual(readsNow, ['a', 'zz', 'zz', 'a'], 'a key kept is then answered from memory');
});

test('a synchronous read that fails falls back to the asynchronous one, and the failure is reported', async () => {
  const store = zoneOf(['a']);
  const errors: unknown[] = [];
  const cache = new KeyZoneCache(
    {
      ...store,
      findKeyNow: () => {
        throw new Error('SQLITE_BUSY');
      },
    },
    { maxEntries: 2, onError: (err) => errors.push(err) },
  );
  assert.equal(cache.get('a'), undefined, 'not known at once');
  assert.equal((await cache.lookup('a'))?.key.publicKey, 'pub-a', 'read asynchronously instead');
  assert.deepEqual(store.reads, ['a']);
  assert.equal(errors.length, 2);
});
