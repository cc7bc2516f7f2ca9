import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { DnsKeyStore, PublishedKey } from '../app/detection-ports.ts';
import { answerQuery, keyOfRdata } from './answer-query.ts';
import { answersFromCache, KeyZoneCache } from './key-zone-cache.ts';
import { keyZone } from './key-zone.ts';

/** The public key a cache answer (TXT RDATA) publishes; undefined when there is none. */
const publicKeyIn = (rdata: string | null | undefined): string | undefined => (rdata == null ? undefined : keyOfRdata('', rdata).publicKey);

/** The zone as a DnsKeyStore over an array (creation order), with a feed that never changes. */
function zoneOf(tokens: readonly string[]): DnsKeyStore & { reads: string[]; batches: string[][] } {
  const keys: PublishedKey[] = tokens.map((token) => ({ token, publicKey: `pub-${token}` }));
  const reads: string[] = [];
  const batches: string[][] = [];
  return {
    reads,
    batches,
    async findKey(token) {
      reads.push(token);
      return keys.find((k) => k.token === token) ?? null;
    },
    async findKeys(asked) {
      reads.push(...asked);
      batches.push([...asked]);
      return keys.filter((k) => asked.includes(k.token));
    },
    async listKeys(after, limit) {
      const page = keys.slice(after, after + limit);
      return { keys: page, last: after + page.length };
    },
    // Positions are 1-based creation order, as the stores' ids.
    async recentKeys(limit, before) {
      const end = before === undefined ? keys.length : before - 1;
      const from = Math.max(0, end - limit);
      return { keys: keys.slice(from, end).reverse(), last: end > from ? from + 1 : (before ?? 0) };
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

/** Starts the cache, waits for its background load, and stops its poll (these tests sync by hand). */
async function loadedAndStopped(cache: KeyZoneCache): Promise<void> {
  await cache.start();
  await cache.loaded;
  cache.stop();
}

/** `store` with a change feed at `feed.seq`, whose changes after `since` are about `tokens(since)`. */
function withFeed(store: DnsKeyStore, feed: { seq: number }, tokens: (since: number) => string[]): DnsKeyStore {
  return {
    ...store,
    keyZoneSeq: async () => feed.seq,
    keyZoneChangesSince: async (since) => ({ seq: feed.seq, tokens: tokens(since), reset: false }),
  };
}

test('starts from the newest keys, at most its bound, and reads the others when asked', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e']);
  const cache = new KeyZoneCache(store, { maxEntries: 3 });
  await loadedAndStopped(cache);
  assert.equal(cache.size, 3);
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'e'].map((t) => cache.get(t) !== undefined),
    [false, false, true, true, true],
  );
  assert.equal(publicKeyIn(await cache.lookup('a')), 'pub-a');
  assert.equal(cache.size, 3, 'still bounded');
});

test('answers before the newest keys are loaded; the load fills only the room left, so keys asked meanwhile stay', async () => {
  const tokens = Array.from({ length: 1200 }, (_, i) => `t${i}`);
  const store = zoneOf(tokens);
  const pages: (number | undefined)[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const cache = new KeyZoneCache(
    {
      ...store,
      async recentKeys(limit, before) {
        pages.push(before);
        await gate;
        return store.recentKeys(limit, before);
      },
    },
    { maxEntries: 1000 },
  );
  await cache.start();
  assert.equal(cache.size, 0, 'started with nothing loaded: the load is still reading');
  assert.equal(publicKeyIn(await cache.lookup('t0')), 'pub-t0', 'a key is answered meanwhile, from the store');
  assert.equal(publicKeyIn(await cache.lookup('t1199')), 'pub-t1199', 'one the load will bring too');
  release();
  await cache.loaded;
  cache.stop();
  assert.equal(cache.size, 1000, 'filled to its bound, no further');
  assert.ok(cache.get('t0'), 'the key asked before the load came was not pushed out by it');
  // Pages from the newest: 500, then only the room left (499: t1199 was asked, so not loaded again).
  assert.deepEqual(pages, [undefined, 701], 'the second page goes on before t700 (position 701)');
  assert.ok(cache.get('t1199') && cache.get('t201'));
  assert.equal(cache.get('t200'), undefined, 'older than the room allowed');
});

test('a page read while a change was applied is read again: a deleted key does not come back', async () => {
  const before = zoneOf(['a', 'b', 'c']);
  const after = zoneOf(['a', 'b']);
  const feed = { seq: 0 };
  let reads = 0;
  const cache = new KeyZoneCache(
    {
      ...withFeed(before, feed, (since) => (since < feed.seq ? ['c'] : [])),
      async recentKeys(limit, position) {
        reads++;
        if (feed.seq > 0) return after.recentKeys(limit, position);
        // Read before the delete of c committed: the page still holds it; the cache applies the
        // delete before the page comes back.
        const page = await before.recentKeys(limit, position);
        feed.seq = 1;
        await cache.keyZoneChanged();
        return page;
      },
    },
    { maxEntries: 10 },
  );
  await loadedAndStopped(cache);
  assert.equal(cache.seq, 1);
  assert.equal(reads, 2, 'the page was read again');
  assert.equal(cache.size, 2);
  assert.ok(cache.get('a') && cache.get('b'));
  assert.equal(cache.get('c'), undefined, 'the deleted key was not put back');
});

test('under a feed that changes during every read, a page is tried a few times, then left to be read when asked', async () => {
  const store = zoneOf(['a', 'b', 'c']);
  const feed = { seq: 0 };
  const asked: (number | undefined)[] = [];
  const cache = new KeyZoneCache(
    {
      ...withFeed(store, feed, () => ['zz']),
      async recentKeys(limit, position) {
        asked.push(position);
        const page = await store.recentKeys(limit, position);
        feed.seq++;
        await cache.keyZoneChanged();
        return page;
      },
    },
    { maxEntries: 10 },
  );
  await loadedAndStopped(cache);
  assert.deepEqual(asked, [undefined, undefined, undefined, undefined], 'the first read and three more');
  assert.equal(cache.size, 0);
  assert.equal(publicKeyIn(await cache.lookup('a')), 'pub-a', 'read when asked');
});

test('a load begun before a stop ends, and puts nothing, when the cache is started again', async () => {
  const store = zoneOf(['a', 'b', 'c']);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let first = true;
  const cache = new KeyZoneCache(
    {
      ...store,
      async recentKeys(limit, position) {
        if (first) {
          first = false;
          await gate;
          return { keys: [{ token: 'stale', publicKey: 'pub-stale' }], last: 1 };
        }
        return store.recentKeys(limit, position);
      },
    },
    { maxEntries: 10 },
  );
  await cache.start();
  const firstLoad = cache.loaded;
  cache.stop();
  await cache.start();
  await cache.loaded;
  release();
  await firstLoad;
  cache.stop();
  assert.equal(cache.size, 3, 'the second load');
  assert.equal(cache.get('stale'), undefined, "the first load's page, read across the stop, was not put");
});

test('stops loading when stopped', async () => {
  const store = zoneOf(Array.from({ length: 2000 }, (_, i) => `t${i}`));
  const cache = new KeyZoneCache(store, { maxEntries: 2000 });
  await cache.start();
  cache.stop();
  await cache.loaded;
  assert.ok(cache.size <= 500, `at most the page under way when it stopped (${cache.size})`);
});

test('misses of one turn are read from the store in one query, each token once', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd']);
  const cache = new KeyZoneCache(store, { maxEntries: 10 });
  const answers = await Promise.all(['a', 'b', 'zz', 'a', 'c'].map((t) => cache.lookup(t)));
  assert.deepEqual(
    answers.map((a) => publicKeyIn(a) ?? null),
    ['pub-a', 'pub-b', null, 'pub-a', 'pub-c'],
  );
  assert.deepEqual(store.batches, [['a', 'b', 'zz', 'c']], 'one query; the token asked twice read once; the absent one answered null');
  assert.ok(cache.get('a') && cache.get('c'), 'kept');
  // A later turn makes a query of its own.
  assert.equal(publicKeyIn(await cache.lookup('d')), 'pub-d');
  assert.deepEqual(store.batches.length, 2);
});

test('while a batched read is under way, the misses of later turns wait and go together in the next read', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e']);
  const held: Array<() => void> = [];
  const cache = new KeyZoneCache(
    {
      ...store,
      async findKeys(asked) {
        // Each read waits until the test lets it go: a slow round trip.
        await new Promise<void>((resolve) => held.push(resolve));
        return store.findKeys(asked);
      },
    },
    { maxEntries: 10 },
  );
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const first = cache.lookup('a');
  await turn();
  assert.equal(held.length, 1, "the first turn's miss is read at once");
  // Three more turns, each with misses, while the first read is under way.
  const later = [cache.lookup('b')];
  await turn();
  later.push(cache.lookup('c'), cache.lookup('a'));
  await turn();
  later.push(cache.lookup('d'));
  await turn();
  assert.equal(held.length, 1, 'no second read while one is under way');
  held.shift()!();
  assert.equal(publicKeyIn(await first), 'pub-a');
  // The read's end is seen a few promise steps after its lookups are answered.
  for (let i = 0; i < 5 && held.length < 1; i++) await turn();
  assert.equal(held.length, 1, 'the waiting misses go in one read when the first ends');
  held.shift()!();
  assert.deepEqual(
    (await Promise.all(later)).map((k) => publicKeyIn(k)),
    ['pub-b', 'pub-c', 'pub-a', 'pub-d'],
  );
  assert.deepEqual(
    store.batches,
    [['a'], ['b', 'c', 'a', 'd']],
    'a token asked again while its read was under way is read again (the first read may predate a change)',
  );
  // Idle again: a miss is read at the end of its own turn.
  const e = cache.lookup('e');
  await turn();
  assert.equal(held.length, 1);
  held.shift()!();
  assert.equal(publicKeyIn(await e), 'pub-e');
});

test('a read that takes too long stops holding the misses after it: they go in a read of their own', async () => {
  const store = zoneOf(['a', 'b']);
  const cache = new KeyZoneCache(
    {
      ...store,
      findKeys(asked) {
        // 'a' is read on a connection that never answers.
        if (asked.includes('a')) return new Promise<never>(() => {});
        return store.findKeys(asked);
      },
    },
    { maxEntries: 10, missReadPatienceMs: 30 },
  );
  // Timed from before the read of 'a' starts its patience: timed from after (as this test once was),
  // a busy machine's pause between the two left less than the patience to wait (a CI-like run, 2026-12-03).
  const t0 = performance.now();
  void cache.lookup('a');
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(publicKeyIn(await cache.lookup('b')), 'pub-b');
  assert.ok(performance.now() - t0 >= 25, 'it waited for the read under way first');
});

test('a failed read lets the waiting misses go in the next one', async () => {
  const store = zoneOf(['a', 'b']);
  let reject: ((err: Error) => void) | null = null;
  const cache = new KeyZoneCache(
    {
      ...store,
      findKeys(asked) {
        if (asked.includes('a')) return new Promise((_, rej) => (reject = rej));
        return store.findKeys(asked);
      },
    },
    { maxEntries: 10 },
  );
  const a = cache.lookup('a');
  await new Promise<void>((resolve) => setImmediate(resolve));
  const b = cache.lookup('b');
  await new Promise<void>((resolve) => setImmediate(resolve));
  reject!(new Error('connection reset'));
  await assert.rejects(a, /connection reset/);
  assert.equal(publicKeyIn(await b), 'pub-b');
});

test('a failed batch read fails each of its lookups, and the next turn reads again', async () => {
  const store = zoneOf(['a', 'b']);
  let fail = true;
  const cache = new KeyZoneCache(
    {
      ...store,
      async findKeys(asked) {
        if (fail) throw new Error('connection reset');
        return store.findKeys(asked);
      },
    },
    { maxEntries: 10 },
  );
  const both = await Promise.allSettled([cache.lookup('a'), cache.lookup('b')]);
  assert.deepEqual(
    both.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  fail = false;
  assert.equal(publicKeyIn(await cache.lookup('a')), 'pub-a');
});

test('a store that throws instead of rejecting fails the lookups, not the process', async () => {
  const store = zoneOf(['a']);
  const cache = new KeyZoneCache(
    {
      ...store,
      findKeys() {
        throw new Error('pool destroyed');
      },
    },
    { maxEntries: 10 },
  );
  await assert.rejects(cache.lookup('a'), /pool destroyed/);
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
  assert.equal(cache.storeReads, store.reads.length, "/metrics' count of store reads");
});

test('once full, a key asked once is answered but not kept: it enters on its second ask', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e']);
  const cache = new KeyZoneCache(store, { maxEntries: 3 });
  for (const t of ['a', 'b', 'c']) await cache.lookup(t);
  assert.equal(publicKeyIn(await cache.lookup('d')), 'pub-d', 'answered');
  assert.equal(cache.size, 3);
  assert.equal(cache.get('d'), undefined, 'not kept: the three keys asked before stay');
  assert.ok(cache.get('a') && cache.get('b') && cache.get('c'));
  // A run of keys asked once each (a uniform mix) leaves the cache as it was.
  assert.equal(publicKeyIn(await cache.lookup('e')), 'pub-e');
  assert.ok(cache.get('a') && cache.get('b') && cache.get('c'));
  // Asked again while remembered: kept, and the least recently asked key leaves.
  await cache.lookup('d');
  assert.ok(cache.get('d'));
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 3);
  assert.deepEqual(store.reads, ['a', 'b', 'c', 'd', 'e', 'd']);
});

test('a key the load put in and nobody asked makes room: a key read enters on its first ask, until no such key is left', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const cache = new KeyZoneCache(store, { maxEntries: 3 });
  await loadedAndStopped(cache); // e, f and g: the newest
  assert.ok(cache.get('g'), 'g asked: no longer one that makes room');
  await cache.lookup('a');
  assert.ok(cache.get('a'), 'kept on its first ask');
  // The load put them in newest first, each then the most recently used: of e and f, unasked, f was
  // put in first, so it is the least recently used.
  assert.equal(cache.get('f'), undefined, 'the least recently used of the loaded keys nobody asked left');
  await cache.lookup('b');
  assert.ok(cache.get('b'), 'kept on its first ask');
  assert.equal(cache.get('e'), undefined);
  assert.ok(cache.get('a') && cache.get('g'));
  // Every loaded key was asked or has left: the doorkeeper again (see the test before).
  await cache.lookup('c');
  assert.equal(cache.get('c'), undefined, 'asked once: answered, not kept');
  assert.ok(cache.get('a') && cache.get('b') && cache.get('g'));
  await cache.lookup('c');
  assert.ok(cache.get('c'), 'kept on its second ask');
  assert.deepEqual(store.reads, ['a', 'b', 'c', 'c']);
});

test('a loaded key dropped by a change no longer makes room', async () => {
  const feed = { seq: 0 };
  const store = withFeed(zoneOf(['a', 'b', 'c', 'd', 'e']), feed, () => ['d']);
  const cache = new KeyZoneCache(store, { maxEntries: 3 });
  await loadedAndStopped(cache); // c, d and e
  assert.ok(cache.get('c') && cache.get('e'), 'c and e asked');
  feed.seq = 1;
  await cache.sync(); // d deleted: room, then one more key without the doorkeeper
  await cache.lookup('a');
  assert.ok(cache.get('a'), 'room left by d');
  await cache.lookup('b');
  assert.equal(cache.get('b'), undefined, 'full, and no loaded key unasked: asked once, not kept');
});

test('a key read while the load put it in counts as asked: once the other loaded keys were asked, the doorkeeper is back', async () => {
  const store = zoneOf(['a', 'b', 'c', 'd', 'e']);
  let releaseRead!: () => void;
  const readHeld = new Promise<void>((resolve) => (releaseRead = resolve));
  const cache = new KeyZoneCache(
    {
      ...store,
      // The miss's read waits until the load has put the same key in.
      findKeys: async (asked) => {
        await readHeld;
        return store.findKeys(asked);
      },
    },
    { maxEntries: 3 },
  );
  const asked = cache.lookup('e');
  await loadedAndStopped(cache); // c, d and e, unasked as far as the load knows
  releaseRead();
  assert.equal(publicKeyIn(await asked), 'pub-e');
  assert.ok(cache.get('c') && cache.get('d'), 'the other two asked');
  await cache.lookup('a');
  assert.equal(cache.get('a'), undefined, 'every loaded key asked: asked once, not kept');
});

test('a reset of the change feed drops the loaded keys: none is left to make room', async () => {
  const feed = { seq: 0 };
  const base = zoneOf(['a', 'b', 'c', 'd', 'e']);
  const store: DnsKeyStore = { ...withFeed(base, feed, () => []), keyZoneChangesSince: async () => ({ seq: feed.seq, tokens: [], reset: true }) };
  const cache = new KeyZoneCache(store, { maxEntries: 2 });
  await loadedAndStopped(cache); // d and e
  feed.seq = 1;
  await cache.sync();
  assert.equal(cache.size, 0);
  for (const t of ['a', 'b']) await cache.lookup(t); // room again
  await cache.lookup('c');
  assert.equal(cache.get('c'), undefined, 'full, nothing loaded left: asked once, not kept');
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
    { maxEntries: 2, readMissesNow: true },
  );
  await loadedAndStopped(cache); // c and d
  assert.equal(publicKeyIn(cache.get('a')), 'pub-a', 'a miss answered synchronously (the fast path)');
  assert.equal(cache.size, 2, 'still bounded');
  assert.equal(cache.lookupNow('zz'), null, 'absent: known at once, no asynchronous read to wait for');
  assert.equal((await cache.lookup('zz')) ?? null, null);
  assert.deepEqual(store.reads, [], 'the asynchronous read was never needed');
  assert.deepEqual(readsNow, ['a', 'zz', 'zz']);
  // Kept on its first ask: the load's keys (c and d) were asked by nobody, and one made room.
  assert.equal(publicKeyIn(cache.get('a')), 'pub-a');
  assert.equal(publicKeyIn(cache.get('a')), 'pub-a');
  assert.deepEqual(readsNow, ['a', 'zz', 'zz'], 'a key kept is then answered from memory');
  // /metrics' counts: every read of the store, and the two answers from memory (a's last two).
  assert.equal(cache.storeReads, 3);
  assert.equal(cache.hits, 2);
});

test('by default a miss goes to the batched read, though the store could read it at once (--dns-key-reads thread)', async () => {
  const store = zoneOf(['a', 'b']);
  const readsNow: string[] = [];
  const cache = new KeyZoneCache(
    {
      ...store,
      findKeyNow: (token) => {
        readsNow.push(token);
        return { token, publicKey: `pub-${token}` };
      },
    },
    { maxEntries: 2 },
  );
  assert.equal(cache.lookupNow('a'), undefined, 'not read on the event loop');
  assert.deepEqual(await Promise.all([cache.lookup('a'), cache.lookup('b')]).then((found) => found.map(publicKeyIn)), ['pub-a', 'pub-b']);
  assert.deepEqual(store.reads, ['a', 'b'], 'both in one batched read');
  assert.deepEqual(readsNow, []);
  assert.equal(publicKeyIn(cache.get('a')), 'pub-a', 'then from memory');
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
    { maxEntries: 2, onError: (err) => errors.push(err), readMissesNow: true },
  );
  assert.equal(cache.get('a'), undefined, 'not known at once');
  assert.equal(publicKeyIn(await cache.lookup('a')), 'pub-a', 'read asynchronously instead');
  assert.deepEqual(store.reads, ['a']);
  assert.equal(errors.length, 2);
});

test("the batched read's own means is started with the cache, its failures reported as the cache's, until stopped; not when misses are read at once", async () => {
  const starts: Array<(err: Error) => void> = [];
  let stopped = 0;
  const store: DnsKeyStore = {
    ...zoneOf(['a']),
    startKeyReads: (onTrouble) => {
      starts.push(onTrouble);
      return () => stopped++;
    },
  };
  const errors: unknown[] = [];
  const cache = new KeyZoneCache(store, { maxEntries: 2, onError: (err) => errors.push(err) });
  await cache.start();
  assert.equal(starts.length, 1, 'started with the cache, before any miss');
  starts[0]!(new Error('the DNS key read thread failed'));
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ['the DNS key read thread failed'],
  );
  cache.stop();
  assert.equal(stopped, 1, 'stopping the cache stops the reports');

  const inline = new KeyZoneCache({ ...store, findKeyNow: (token) => ({ token, publicKey: `pub-${token}` }) }, { maxEntries: 2, readMissesNow: true });
  await inline.start();
  inline.stop();
  assert.equal(starts.length, 1, '--dns-key-reads inline: not started (a miss that the synchronous read cannot answer starts it then)');
});

test('a second start does not read the sequence again (it would pass over changes not yet applied)', async () => {
  const store = zoneOf(['a']);
  let seq = 3;
  const cache = new KeyZoneCache({ ...store, keyZoneSeq: async () => seq++ }, { maxEntries: 10 });
  // Two at once: the second's read of the sequence comes later and must not be used.
  await Promise.all([cache.start(), cache.start()]);
  assert.equal(cache.seq, 3);
  await cache.start();
  cache.stop();
  assert.equal(cache.seq, 3, 'the changes after 3 are for the poll to apply');
});

test("answersFromCache: each question's key is looked up once, whichever path answers it", async () => {
  const zone = keyZone('dkim.signet.test', {}, 0);
  const small = 'a'.repeat(32);
  const huge = 'b'.repeat(32); // an RSA-4096 key: too big for plain 512-byte UDP
  const absent = 'c'.repeat(32);
  const keys = new Map([
    [small, 'M'.repeat(392)],
    [huge, 'M'.repeat(736)],
  ]);
  const readsNow: string[] = [];
  const cache = new KeyZoneCache(
    {
      ...zoneOf([]),
      findKeyNow: (token) => {
        readsNow.push(token);
        const publicKey = keys.get(token);
        return publicKey === undefined ? null : { token, publicKey };
      },
    },
    { maxEntries: 10, readMissesNow: true },
  );
  const { fast, fastMiss, lookup } = answersFromCache(zone, cache);
  // As the DNS server calls them (authoritative-server.ts): the fast path, then the miss path, then the full one.
  const answer = async (name: string): Promise<{ rcode?: string; flag_tc?: boolean }> => {
    const message = dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'TXT', name }] });
    const reply = fast(message, 'udp') ?? (await (fastMiss(message, 'udp') ?? answerQuery(message, 'udp', zone, lookup)));
    return dnsPacket.decode(reply!) as { rcode?: string; flag_tc?: boolean };
  };
  assert.equal((await answer(`${absent}.dkim.signet.test`)).rcode, 'NXDOMAIN');
  assert.deepEqual(readsNow, [absent], 'an absent key is read once, not again by the miss path');
  assert.equal((await answer(`${huge}.dkim.signet.test`)).flag_tc, true, 'truncated by the full path');
  assert.equal((await answer(`${huge}.dkim.signet.test`)).flag_tc, true);
  assert.deepEqual(readsNow, [absent, huge], 'read once, then kept');
  assert.equal(cache.hits, 1, 'its second question: one hit, though the fast path could not answer it');
  assert.equal((await answer(`www.dkim.signet.test`)).rcode, 'NXDOMAIN');
  assert.deepEqual(readsNow, [absent, huge], 'a label that is no token is not read');
  assert.equal((await answer(`${small}.dkim.signet.test`)).rcode, 'NOERROR');
  assert.equal(cache.storeReads, 3);
});
