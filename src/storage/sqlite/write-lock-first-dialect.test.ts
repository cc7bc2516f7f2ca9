import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kysely, sql } from 'kysely';
import { BetterSqlite3 } from './better-sqlite3.ts';
import { WriteLockFirstSqliteDialect } from './write-lock-first-dialect.ts';

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
