import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BetterSqlite3 } from './better-sqlite3.ts';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Database } from '../schema.ts';
import { KyselyStore, type EngineStrategy } from '../kysely-store.ts';

/**
 * SQLite has a single writer: a transaction holds the database's write lock from its first write, and
 * Kysely's SQLite driver runs one transaction at a time on its one connection, so rows read inside a
 * transaction cannot be taken by anybody else before it commits.
 */
/** How long a read of PRAGMA data_version stands for (see externalChangeCounter). */
const CHANGE_CHECK_MS = 50;

function sqliteEngine(sqlite: BetterSqlite3.Database): EngineStrategy {
  // PRAGMA data_version changes when another connection commits (SQLite docs, "PRAGMA data_version"),
  // a read of the connection's own counters: cheap enough to ask on every request.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  // Asking costs a statement run (about a twentieth of a small request in profiles), so the answer is
  // kept for a moment: a commit from another process is seen within CHANGE_CHECK_MS.
  let version = 0;
  let askedAt = -Infinity;
  const externalChangeCounter = () => {
    const now = performance.now();
    if (now - askedAt >= CHANGE_CHECK_MS) {
      version = dataVersion.get() as number;
      askedAt = now;
    }
    return version;
  };
  return {
    idColumn: 'integer-autoincrement',
    triggers: 'sqlite',
    // A transaction holds SQLite's write lock from its first write: what it reads is its own.
    lockTaken: (query) => query,
    // The transaction already holds SQLite's write lock since its first insert.
    async lockIdentity() {},
    externalChangeCounter,
  };
}

/** Statements kept prepared; SQL texts beyond this (IN lists of many lengths) push the oldest out. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 as Kysely's SQLite driver sees it, with prepared statements reused per SQL text.
 * Kysely prepares every query anew, and compiling the SQL was the largest single cost of a request
 * in profiles (about an eighth of the CPU of GetIdentityDkimAttributes). A statement is used
 * synchronously by the driver (all/run), so sharing it between calls is safe.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/** Opens (creating if needed) the embedded SQLite store at `file` and brings its schema up to date. */
export async function openSqliteStore(file: string): Promise<KyselyStore> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new BetterSqlite3(file);
  // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable before the
  // API answers (SQLite docs, "WAL mode": NORMAL may lose the last commits on power loss).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const store = new KyselyStore(db, sqliteEngine(sqlite));
  await store.migrate();
  return store;
}
