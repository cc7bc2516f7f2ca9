import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { BetterSqlite3 } from './better-sqlite3.ts';
import { FifoLock, WriteLockFirstSqliteDialect } from './write-lock-first-dialect.ts';

// A transaction holds the write lock from its BEGIN, before it has written anything: another
// connection cannot start a write, so this one never has to upgrade a stale read snapshot
// (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out).
test('a transaction takes the write lock at BEGIN, before its first write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-write-lock-'));
  const file = join(dir, 'db.sqlite');
  const setup = new BetterSqlite3(file);
  setup.pragma('journal_mode = WAL');
  setup.exec('CREATE TABLE t (x INTEGER)');
  setup.close();
  const db = new Kysely<{ t: { x: number } }>({ dialect: new WriteLockFirstSqliteDialect({ database: new BetterSqlite3(file) }) });
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
    rmSync(dir, { recursive: true, force: true });
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
  const db = new Kysely<{ t: { x: number } }>({ dialect: new WriteLockFirstSqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  try {
    await sql`CREATE TABLE t (x INTEGER)`.execute(db);
    const reads = Array.from({ length: 2000 }, (_, i) =>
      db
        .selectFrom('t')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => [i, Number(r.n)]),
    );
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
    assert.equal(
      Number(
        (
          await db
            .selectFrom('t')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      100,
    );
  } finally {
    await db.destroy();
  }
});
