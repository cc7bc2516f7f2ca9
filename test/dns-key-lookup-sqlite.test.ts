/**
 * The DNS server's synchronous key read on SQLite (DnsKeyStore.findKeyNow, issue 17): a key not in
 * the cache is read from the store at once, on a connection of its own that sees committed
 * transactions only, and a change another process commits is still seen (through the change feed).
 */
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Scope } from '../src/core/index.ts';
import { keyOfRdata } from '../src/dns/answer-query.ts';
import { KeyZoneCache } from '../src/dns/key-zone-cache.ts';
import { Kysely, SqliteDialect } from 'kysely';
import { openStorage, SQLITE_FILE } from '../src/storage/open-storage.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { keyReadThread } from '../src/storage/sqlite/key-read-thread.ts';
import { KEY_BY_TOKEN_SQL, KEY_LOOKUP_SQL } from '../src/storage/sqlite/open-sqlite-store.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** The public key a cache answer (TXT RDATA) publishes; undefined when there is none. */
const publicKeyIn = (rdata: string | null | undefined): string | undefined => (rdata == null ? undefined : keyOfRdata('', rdata).publicKey);

/** Open descriptors of this process on `file`: SQLite holds the database file open once a connection. */
function connectionsTo(file: string): number {
  const target = realpathSync(file);
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === target) count++;
    } catch {
      // Closed since the listing (the listing's own descriptor).
    }
  }
  return count;
}

/** A store in `dataDir` with one identity whose one key, `token`, publishes `publicKey`. */
async function storeWithKey(dataDir: string, token: string, publicKey: string): Promise<void> {
  const storage = await openStorage({ databaseUrl: null, dataDir });
  try {
    await storage.store.addPoolKeys([{ bits: 1024, publicKey, sealedPrivateKey: 'sealed', createdAt: 1 }]);
    await storage.store.createDomainDkim(SCOPE, { domain: 'c.example', tokens: [token], verificationToken: 'vt', keyBits: 1024, now: 1 });
  } finally {
    await storage.close();
  }
}

const SCOPE: Scope = { accountId: '111111111111', region: 'us-east-1' };
// Well-formed tokens (`[a-z2-7]{32}`), so that the synchronous read takes migration 0019's slots.
const tokens = (prefix: string) => ['a', 'b', 'c'].map((c) => `${prefix}${c}`.padEnd(32, 'a'));

describe('the DNS cache over a SQLite file', () => {
  const dir = tempDir('dns-key-lookup');
  after(() => dir.remove());

  it('reads a key it does not hold synchronously, committed keys only, and drops what another process changes', async () => {
    const dns = await openStorage({ databaseUrl: null, dataDir: dir.path });
    // Another process on the same data folder (the command line's in-process path): its own connection.
    const other = await openStorage({ databaseUrl: null, dataDir: dir.path });
    try {
      assert.equal(typeof dns.dnsKeys.findKeyNow, 'function', 'SQLite in a file reads synchronously');
      const cache = new KeyZoneCache(dns.dnsKeys, { maxEntries: 10, readMissesNow: true });
      await cache.start();
      await cache.loaded; // the store is empty: nothing loaded, before anything is created below
      cache.stop(); // synced by hand below, so that what is asserted does not hang on a timer

      await other.store.addPoolKeys([1, 2, 3].map((n) => ({ bits: 1024, publicKey: `pub-${n}`, sealedPrivateKey: `sealed-${n}`, createdAt: n })));
      const created = await other.store.createDomainDkim(SCOPE, { domain: 'a.example', tokens: tokens('ta'), verificationToken: 'vt', keyBits: 1024, now: 1 });
      assert.equal(created.kind, 'created');
      const [t0, t1, t2] = tokens('ta') as [string, string, string];
      const connections = connectionsTo(join(dir.path, SQLITE_FILE));
      // Not in memory (created after start, the feed not read yet): answered from the store, at once.
      assert.match(publicKeyIn(cache.get(t0)) ?? '', /^pub-\d$/);
      assert.equal(cache.size, 1);
      assert.equal(connectionsTo(join(dir.path, SQLITE_FILE)), connections + 1, 'the synchronous read opened its connection at its first lookup');

      // A transaction another connection has not committed is not seen.
      const raw = new BetterSqlite3(join(dir.path, SQLITE_FILE));
      try {
        raw.exec('BEGIN IMMEDIATE');
        raw.prepare('DELETE FROM dkim_keys WHERE token = ?').run(t1);
        assert.ok(cache.get(t1), 'an uncommitted delete does not hide the key');
        raw.prepare('UPDATE dkim_keys SET public_key = ? WHERE token = ?').run('uncommitted', t2);
        assert.match(publicKeyIn(cache.lookupNow(t2)) ?? '', /^pub-\d$/, 'nor does an uncommitted change show');
        raw.exec('ROLLBACK');
      } finally {
        raw.close();
      }

      // Deleted by the other process: held in memory until the feed is read, then gone (null: known absent).
      assert.equal(await other.store.deleteIdentity(SCOPE, 'a.example'), true);
      assert.ok(cache.get(t0), 'still in memory before the change feed is read');
      await cache.sync();
      for (const token of [t0, t1, t2]) assert.equal(cache.lookupNow(token), null, `${token} gone`);
      assert.equal(cache.size, 0);
    } finally {
      await other.close();
      await dns.close();
    }
  });

  it('by default reads a key it does not hold in the key read thread: committed keys only, and drops what another process changes', async () => {
    const data = tempDir('dns-key-thread');
    const dns = await openStorage({ databaseUrl: null, dataDir: data.path });
    const other = await openStorage({ databaseUrl: null, dataDir: data.path });
    try {
      const readsNow: string[] = [];
      const findNow = dns.dnsKeys.findKeyNow!;
      // The store as it is, its synchronous read watched.
      const watched = new Proxy(dns.dnsKeys, {
        get(target, property) {
          if (property === 'findKeyNow') {
            return (t: string) => {
              readsNow.push(t);
              return findNow(t);
            };
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const cache = new KeyZoneCache(watched, { maxEntries: 10 });
      await cache.start();
      await cache.loaded;
      cache.stop();

      await other.store.addPoolKeys([1, 2, 3].map((n) => ({ bits: 1024, publicKey: `pub-${n}`, sealedPrivateKey: `sealed-${n}`, createdAt: n })));
      assert.equal(
        (await other.store.createDomainDkim(SCOPE, { domain: 'a.example', tokens: tokens('tb'), verificationToken: 'vt', keyBits: 1024, now: 1 })).kind,
        'created',
      );
      const [t0, t1, t2] = tokens('tb') as [string, string, string];
      assert.equal(cache.lookupNow(t0), undefined, 'not read on the event loop');
      const absent = 'z'.repeat(32);
      const found = await Promise.all([t0, t1, absent].map((t) => cache.lookup(t)));
      assert.deepEqual(
        found.map((r) => (r === null ? null : /^pub-\d$/.test(publicKeyIn(r) ?? ''))),
        [true, true, null],
        'read in the thread, an absent key null',
      );
      assert.deepEqual(readsNow, []);
      // Connections to the file, each holding it open once: the two stores' own, the key read
      // thread's, and each store's read-only one for reads outside transactions if a read came
      // while its connection was busy (write-lock-first-dialect.ts); no read-only connection for the
      // synchronous read, which this mode never makes (readsNow above: it was never asked).
      const open = connectionsTo(join(data.path, SQLITE_FILE));
      assert.ok(open >= 3 && open <= 5, `${open} connections to the file`);
      // The batched read itself: absent tokens left out; a token not of the DKIM form by the token index.
      const keys = await dns.dnsKeys.findKeys([t2, absent, 'not-a-dkim-token']);
      assert.deepEqual(
        keys.map((k) => k.token),
        [t2],
      );

      const raw = new BetterSqlite3(join(data.path, SQLITE_FILE));
      try {
        raw.exec('BEGIN IMMEDIATE');
        raw.prepare('UPDATE dkim_keys SET public_key = ? WHERE token = ?').run('uncommitted', t2);
        assert.match(publicKeyIn(await cache.lookup(t2)) ?? '', /^pub-\d$/, 'an uncommitted change does not show');
        raw.exec('ROLLBACK');
      } finally {
        raw.close();
      }

      assert.equal(await other.store.deleteIdentity(SCOPE, 'a.example'), true);
      await cache.sync();
      for (const token of [t0, t1, t2]) assert.equal(await cache.lookup(token), null, `${token} gone`);
      assert.equal(cache.size, 0);
    } finally {
      await other.close();
      await dns.close();
      data.remove();
    }
  });

  it("the key read thread: started ahead of reads; what it cannot read is read on the store's connection, and told; a new thread after 1 s, then 2 s; none after close", async () => {
    const token = tokens('tc')[0]!;
    // Two stores with the same token and different keys: which one answered says which path read it.
    const [a, b] = [tempDir('dns-key-thread-a'), tempDir('dns-key-thread-b')];
    await storeWithKey(a.path, token, 'pub-a');
    const storeConnection = new Kysely<never>({ dialect: new SqliteDialect({ database: new BetterSqlite3(join(a.path, SQLITE_FILE)) }) });
    // The thread reads b's file, which does not exist yet: its read-only open fails.
    const thread = keyReadThread({ file: join(b.path, SQLITE_FILE), busyMs: 100, cacheKib: 1024, bySlotSql: KEY_LOOKUP_SQL, byTokenSql: KEY_BY_TOKEN_SQL });
    const told: string[] = [];
    let heard: () => void = () => {};
    const stopTelling = thread.start((err) => {
      told.push(err.message);
      heard();
    });
    try {
      // Started without a read: its failure to open the file is told at once.
      await new Promise<void>((resolve) => {
        heard = resolve;
      });
      assert.equal(told.length, 1);
      assert.match(
        told[0]!,
        /^the DNS key read thread failed \((unable to open database file|SQLITE_CANTOPEN|unable to open database file, SQLITE_CANTOPEN)\): its reads go to the store's connection, on the event loop, and a new thread is tried in 1 s$/,
      );
      assert.deepEqual(await thread.read(storeConnection, [token]), [{ token, public_key: 'pub-a' }], "the thread failed: read on the store's connection");
      await new Promise((resolve) => setTimeout(resolve, 1100));
      // A second failure in a row: the next thread waits twice as long.
      assert.deepEqual(await thread.read(storeConnection, [token]), [{ token, public_key: 'pub-a' }], 'a new thread, failing again: the store read it');
      assert.equal(told.length, 2);
      assert.match(told[1]!, /a new thread is tried in 2 s$/);
      await storeWithKey(b.path, token, 'pub-b');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.deepEqual(await thread.read(storeConnection, [token]), [{ token, public_key: 'pub-a' }], 'within 2 s of the second failure, no new thread yet');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.deepEqual(await thread.read(storeConnection, [token]), [{ token, public_key: 'pub-b' }], 'a new thread, the file there now');
      assert.equal(told.length, 2, 'a read the thread answered is told of nothing');
      stopTelling();
      await thread.close();
      await assert.rejects(thread.read(storeConnection, [token]), /closed/);
      assert.equal(told.length, 2, 'closing is no failure');
    } finally {
      await thread.close();
      await storeConnection.destroy();
      a.remove();
      b.remove();
    }
  });

  it("the key read thread: a read that takes longer than its time limit is read on the store's connection, told, and the thread replaced", async () => {
    const token = tokens('td')[0]!;
    const [a, b] = [tempDir('dns-key-stall-a'), tempDir('dns-key-stall-b')];
    await storeWithKey(a.path, token, 'pub-a');
    await storeWithKey(b.path, token, 'pub-b');
    // b's file out of WAL mode and locked exclusively by another connection: a reader there waits for
    // the lock (up to busyMs, 10 s here), as a read would wait for a disk that hangs.
    const locker = new BetterSqlite3(join(b.path, SQLITE_FILE));
    locker.pragma('journal_mode = DELETE');
    locker.exec('BEGIN EXCLUSIVE');
    const storeConnection = new Kysely<never>({ dialect: new SqliteDialect({ database: new BetterSqlite3(join(a.path, SQLITE_FILE)) }) });
    const thread = keyReadThread({
      file: join(b.path, SQLITE_FILE),
      busyMs: 10_000,
      cacheKib: 1024,
      bySlotSql: KEY_LOOKUP_SQL,
      byTokenSql: KEY_BY_TOKEN_SQL,
      // Long enough for a new thread to start and read on a loaded machine (the limit runs from
      // the read's call, the thread's start included), and far below the lock's 10 s.
      readTimeoutMs: 2000,
    });
    const told: string[] = [];
    thread.start((err) => told.push(err.message));
    try {
      const started = performance.now();
      assert.deepEqual(await thread.read(storeConnection, [token]), [{ token, public_key: 'pub-a' }], "stalled: read on the store's connection");
      const took = performance.now() - started;
      assert.ok(took >= 2000 && took < 8000, `answered after the time limit, not the lock's 10 s (${took.toFixed(0)} ms)`);
      assert.deepEqual(told, [
        "the DNS key read thread failed (a read took more than 2000 ms): its reads go to the store's connection, on the event loop, and a new thread is tried in 1 s",
      ]);
      locker.exec('COMMIT');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.deepEqual(await thread.read(storeConnection, [token]), [{ token, public_key: 'pub-b' }], 'a new thread, the lock gone');
      assert.equal(told.length, 1);
    } finally {
      if (locker.inTransaction) locker.exec('COMMIT');
      locker.close();
      await thread.close();
      await storeConnection.destroy();
      a.remove();
      b.remove();
    }
  });

  it('shares one read snapshot among the lookups of a turn: refreshKeyReads or the next turn sees newer commits', async () => {
    const dns = await openStorage({ databaseUrl: null, dataDir: dir.path });
    const other = await openStorage({ databaseUrl: null, dataDir: dir.path });
    try {
      const findNow = dns.dnsKeys.findKeyNow!;
      const refresh = dns.dnsKeys.refreshKeyReads!;
      assert.equal(typeof refresh, 'function');
      await other.store.addPoolKeys([4, 5, 6].map((n) => ({ bits: 1024, publicKey: `pub-${n}`, sealedPrivateKey: `sealed-${n}`, createdAt: n })));
      const [b0] = tokens('tb') as [string];
      // Nothing between the lookups and the commit below yields to the event loop: one turn.
      assert.equal(findNow(b0), null);
      const raw = new BetterSqlite3(join(dir.path, SQLITE_FILE));
      try {
        raw
          .prepare(
            "INSERT INTO identities (account_id, region, name, kind, verification_status, verification_token, dkim_enabled, dkim_status, created_at) VALUES ('111111111111', 'us-east-1', 'b.example', 'domain', 'Pending', 'vt', 1, 'Pending', 1)",
          )
          .run();
        const id = raw.prepare("SELECT id FROM identities WHERE name = 'b.example'").pluck().get();
        raw
          .prepare(
            "INSERT INTO dkim_keys (identity_id, token, position, bits, public_key, sealed_private_key, state, created_at) VALUES (?, ?, 0, 1024, 'pub-b', 'sealed-b', 'active', 1)",
          )
          .run(id, b0);
      } finally {
        raw.close();
      }
      assert.equal(findNow(b0), null, 'the turn still reads the snapshot its first lookup began');
      refresh();
      assert.equal(findNow(b0)?.publicKey, 'pub-b', 'after refreshKeyReads, the commit is seen');
      // The snapshot ends with the turn on its own: a read transaction is not held past it.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const writer = new BetterSqlite3(join(dir.path, SQLITE_FILE));
      try {
        writer.prepare('UPDATE dkim_keys SET public_key = ? WHERE token = ?').run('pub-b2', b0);
        assert.equal(writer.pragma('wal_checkpoint(TRUNCATE)', { simple: true }), 0, 'no reader holds the WAL back');
      } finally {
        writer.close();
      }
      assert.equal(findNow(b0)?.publicKey, 'pub-b2', 'a lookup in a later turn sees the newest commit');
    } finally {
      await other.close();
      await dns.close();
    }
  });

  it('keeps a key as its TXT RDATA alone, a byte a character (no Buffer of its own, no pooled slice)', async () => {
    const { KeyZoneCache: Cache } = await import('../src/dns/key-zone-cache.ts');
    const publicKey = 'MIIB'.padEnd(392, 'A');
    const store = {
      findKeyNow: (token: string) => ({ token, publicKey }),
      keyZoneSeq: async () => 0,
      recentKeys: async () => ({ keys: [], last: 0 }),
    } as unknown as ConstructorParameters<typeof Cache>[0];
    const cache = new Cache(store, { maxEntries: 4, readMissesNow: true });
    const token = 't1'.padEnd(32, 'a');
    const rdata = cache.get(token);
    assert.equal(typeof rdata, 'string');
    // RFC 1035 §3.3.14 as the wire has it: 255 bytes behind their length, then the rest behind theirs.
    const text = `v=DKIM1; k=rsa; p=${publicKey}`;
    const wire = Buffer.concat([Buffer.from([255]), Buffer.from(text.slice(0, 255)), Buffer.from([text.length - 255]), Buffer.from(text.slice(255))]);
    assert.deepEqual(Buffer.from(rdata!, 'latin1'), wire);
    assert.equal(cache.size, 1, 'kept');
    assert.deepEqual(keyOfRdata(token, rdata!), { token, publicKey }, 'the full path gets the key back from it');
  });

  it('in memory (tests), there is no second connection to read from: the asynchronous path stays', async () => {
    const { openSqliteStorage } = await import('../src/storage/sqlite/open-sqlite-store.ts');
    const storage = await openSqliteStorage(':memory:');
    try {
      assert.equal(storage.dnsKeys.findKeyNow, undefined);
    } finally {
      await storage.close();
    }
  });
});
