import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { BetterSqlite3 } from './better-sqlite3.ts';
import { FifoLock, WriteLockFirstSqliteDialect } from './write-lock-first-dialect.ts';

type Db = Kysely<{ t: { x: number } }>;

/** A new WAL file in a folder of its own holding table t; `remove` deletes the folder. */
function walFileWithTable(prefix: string): { readonly file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'db.sqlite');
  const setup = new BetterSqlite3(file);
  setup.pragma('journal_mode = WAL');
  setup.exec('CREATE TABLE t (x INTEGER)');
  setup.close();
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const count = async (db: Db) =>
  Number(
    (
      await db
        .selectFrom('t')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

// A transaction holds the write lock from its BEGIN, before it has written anything: another
// connection cannot start a write, so this one never has to upgrade a stale read snapshot
// (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out).
test('a transaction takes the write lock at BEGIN, before its first write', async () => {
  const { file, remove } = walFileWithTable('signet-write-lock-');
  const db: Db = new Kysely({ dialect: new WriteLockFirstSqliteDialect({ database: new BetterSqlite3(file) }) });
  const other = new BetterSqlite3(file);
  other.pragma('busy_timeout = 0');
  try {
    await db.transaction().execute(async (trx) => {
      // Only a read so far: under a plain (deferred) BEGIN the other connection could take the lock here.
      await sql`SELECT count(*) FROM t`.execute(trx);
      assert.throws(
        () => other.exec('BEGIN IMMEDIATE'),
        (err: { code?: string }) => err.code === 'SQLITE_BUSY',
      );
      await trx.insertInto('t').values({ x: 1 }).execute();
    });
    // Committed: the lock is free again.
    other.exec('BEGIN IMMEDIATE');
    other.exec('ROLLBACK');
  } finally {
    other.close();
    await db.destroy();
    remove();
  }
});

// Kysely's mutex wakes every waiter on each release; the driver hands the connection on in order.
test('the connection is handed to queued callers one at a time, in the order they asked', async () => {
  const lock = new FifoLock();
  const order: number[] = [];
  await lock.lock();
  const waiters = [1, 2, 3].map((n) => lock.lock().then(() => order.push(n)));
  assert.equal(lock.waiting, 3);
  for (let i = 0; i < 3; i++) {
    lock.unlock();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.length, i + 1, 'one waiter per release');
  }
  await Promise.all(waiters);
  assert.deepEqual(order, [1, 2, 3]);
  lock.unlock();
  await lock.lock();
  assert.equal(lock.waiting, 0);
});

test('many concurrent queries on one connection all complete, transactions kept whole', async () => {
  const db: Db = new Kysely({ dialect: new WriteLockFirstSqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  try {
    await sql`CREATE TABLE t (x INTEGER)`.execute(db);
    const reads = Array.from({ length: 2000 }, (_, i) => count(db).then((n) => [i, n]));
    const writes = Array.from({ length: 50 }, (_, i) =>
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ x: i }).execute();
        await trx.insertInto('t').values({ x: -i }).execute();
      }),
    );
    const counts = (await Promise.all(reads)).map(([, n]) => n!);
    await Promise.all(writes);
    // A read never lands inside a transaction: it sees whole transactions only (an even count).
    assert.ok(counts.every((n) => n % 2 === 0));
    assert.equal(await count(db), 100);
  } finally {
    await db.destroy();
  }
});

/** A WAL file with table t, and a Kysely over it whose dialect reads on a second, read-only connection while the first is taken. */
async function withReader(run: (db: Db) => Promise<void>): Promise<void> {
  const { file, remove } = walFileWithTable('signet-reader-');
  const dialect = new WriteLockFirstSqliteDialect({ database: new BetterSqlite3(file) });
  const db: Db = new Kysely({ dialect });
  dialect.readFrom(() => new BetterSqlite3(file, { readonly: true }));
  try {
    await run(db);
  } finally {
    await db.destroy();
    remove();
  }
}

// Detection's transactions hold the store's connection across turns of the event loop; an API read
// queued behind each of them (issue 17: GetIdentityDkimAttributes' p99 14 ms against 1.7 ms at a
// million identities while detection caught up).
test('a read outside a transaction does not wait for a transaction under way: it sees the last commit', async () => {
  await withReader(async (db) => {
    await db.insertInto('t').values({ x: 1 }).execute();
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    let committed = false;
    const transaction = db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('t').values({ x: 2 }).execute();
        // Its own write, on the store's connection.
        assert.equal(await count(trx), 2);
        inside();
        await held;
      })
      .then(() => (committed = true));
    await started;
    // Answered while the transaction is open, with what was committed before it (a read that waited
    // for the transaction would still be waiting after a second; the transaction ends after).
    const read = count(db);
    const first = await Promise.race([read, new Promise((resolve) => setTimeout(resolve, 1000, 'still waiting'))]);
    assert.equal(committed, false);
    finish();
    await read;
    assert.equal(first, 1);
    await transaction;
    assert.equal(await count(db), 2);
  });
});

test('with a reader, writes and sessions still take the store connection in turn, whole', async () => {
  await withReader(async (db) => {
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const order: string[] = [];
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ x: 1 }).execute();
      inside();
      await held;
      order.push('transaction');
    });
    await started;
    // A write outside the transaction waits for it.
    const write = db
      .insertInto('t')
      .values({ x: 2 })
      .execute()
      .then(() => order.push('write'));
    // A session that starts with a raw statement holds the store's connection for all of it: its
    // SELECT after the raw BEGIN sees the session's own uncommitted insert.
    const session = db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      await conn.insertInto('t').values({ x: 3 }).execute();
      const n = await count(conn);
      await sql`ROLLBACK`.execute(conn);
      order.push('session');
      return n;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, []);
    finish();
    await Promise.all([transaction, write]);
    assert.equal(await session, 3);
    assert.deepEqual(order, ['transaction', 'write', 'session']);
    assert.equal(await count(db), 2);
  });
});

// Migrations run under a transaction opened on the file's connection itself (openSqliteStorage's
// migrateExclusively): until readFrom, Kysely's reads are that connection's and see its writes.
test("before readFrom, reads are the store connection's own, inside a transaction opened on it directly", async () => {
  const setupDb = new BetterSqlite3(':memory:');
  setupDb.exec('CREATE TABLE t (x INTEGER)');
  const db: Db = new Kysely({ dialect: new WriteLockFirstSqliteDialect({ database: setupDb }) });
  try {
    setupDb.exec('BEGIN');
    setupDb.exec('INSERT INTO t VALUES (1)');
    assert.equal(await count(db), 1);
    setupDb.exec('ROLLBACK');
    assert.equal(await count(db), 0);
  } finally {
    await db.destroy();
  }
});

test('two statements sent at once in one session take one turn of the store connection', async () => {
  await withReader(async (db) => {
    const done = db
      .connection()
      .execute((conn) => Promise.all([conn.insertInto('t').values({ x: 1 }).execute(), conn.insertInto('t').values({ x: 2 }).execute()]));
    const first = await Promise.race([done.then(() => 'done'), new Promise((resolve) => setTimeout(resolve, 1000, 'still waiting'))]);
    assert.equal(first, 'done');
    assert.equal(await count(db), 2);
  });
});

// Each commit on the store's connection empties the read-only connection's page cache: a read while
// the store's connection is free stays on it, as before there was a second one.
test('with a reader, a read while the store connection is free runs on the store connection', async () => {
  const { file, remove } = walFileWithTable('signet-reader-free-');
  const writer = new BetterSqlite3(file);
  const dialect = new WriteLockFirstSqliteDialect({ database: writer });
  const db: Db = new Kysely({ dialect });
  dialect.readFrom(() => new BetterSqlite3(file, { readonly: true }));
  try {
    // A write on the store's connection itself, not committed: only that connection sees it.
    writer.exec('BEGIN');
    writer.exec('INSERT INTO t VALUES (1)');
    assert.equal(await count(db), 1);
    writer.exec('ROLLBACK');
  } finally {
    await db.destroy();
    remove();
  }
});
