import { chmodSync, closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { openBetterSqlite3, type BetterSqlite3 } from './better-sqlite3.ts';
import { Kysely, type SqliteDatabase } from 'kysely';
import { WriteLockFirstSqliteDialect } from './write-lock-first-dialect.ts';
import type { Database } from '../schema.ts';
import { KyselyStore, type EngineStrategy } from '../kysely-store.ts';
import { sqliteDetectionEngine } from '../detection-engine.ts';
import { TokenBucketLimiter } from '../../app/rate-limiter.ts';
import { storageOver, type EngineMaintenance, type Storage } from '../storage.ts';
import type { SyncKeyLookup } from '../kysely-dns-key-store.ts';
import { firstSlot, rebuildSlots, SLOT_CHECK_SQL, SLOTS, type SlotSql } from '../migrations/0019-sqlite-dns-key-slots.ts';
import { isDkimToken } from '../../core/index.ts';
import { keyReadThread } from './key-read-thread.ts';
import { readAsideThread } from './read-aside-thread.ts';

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

/** How long a process waits for another one's migrations (or its long write) before giving up. */
const MIGRATION_LOCK_WAIT_MS = 60_000;
const BUSY_TIMEOUT_MS = 5000;

/**
 * The database file and SQLite's companions: the WAL and its shared-memory index hold recent
 * commits (sealed keys, account rows), so they are as private as the database.
 */
const COMPANIONS = ['', '-wal', '-shm', '-journal'];

/**
 * Creates the file 0600 before SQLite does (SQLite would use 0644 under the usual umask), and
 * tightens an existing one: SQLite creates `-wal` and `-shm` with the database file's mode (its
 * unix VFS copies it, "robust_open"/"findCreateFileMode"), so they follow.
 */
function privateDatabaseFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const suffix of COMPANIONS) {
    const path = file + suffix;
    try {
      if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    } catch (err) {
      // Absent, or gone since: another process opening the same folder may be between creating and
      // deleting its rollback journal (seen when eight `signet ses` start at once on a new folder).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/**
 * Runs the migrator inside one `BEGIN EXCLUSIVE` transaction, so that processes opening the same
 * file at once migrate one after the other (the later ones find the work done) and a failed
 * migration leaves nothing half applied. Kysely's SQLite adapter takes no migration lock (it
 * assumes one connection) and, reporting no transactional DDL, runs the migrations on this very
 * connection without a transaction of its own, so they run inside this one. SQLite has
 * transactional DDL; PostgreSQL gets the same effect from Kysely's advisory lock.
 */
async function migrateExclusively(sqlite: BetterSqlite3.Database, store: KyselyStore): Promise<void> {
  // The usual case, an existing file already migrated, takes no lock (a read in WAL mode).
  if (await store.schemaIsCurrent()) return;
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  for (;;) {
    try {
      // Waits up to busy_timeout for the other writer; a long wait is retried until the deadline.
      sqlite.exec('BEGIN EXCLUSIVE');
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
    }
  }
  try {
    await store.migrate();
    sqlite.exec('COMMIT');
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Switches a new file to WAL. The switch needs an exclusive lock, and while another process is
 * creating or switching the same file SQLite may answer SQLITE_BUSY at once rather than wait under
 * busy_timeout (a connection that holds a read lock is not left waiting for a write lock, to avoid a
 * deadlock), so it is retried until the same deadline as the migrations.
 */
function switchToWal(sqlite: BetterSqlite3.Database): void {
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  for (;;) {
    try {
      sqlite.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      // A short pause, not a spin: the other process needs the CPU to finish its switch.
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Opens (creating if needed) the embedded SQLite database at `file`, schema up to date, as the stores over it. */
export async function openSqliteStorage(file: string): Promise<Storage> {
  const { db, store, sqlite } = await openSqliteDatabase(file);
  // A file's DNS key reads: at once on the event loop (--dns-key-reads inline), or batched in a thread
  // (thread, the default); each opens its read-only connection when first used (the thread when the
  // DNS cache starts), so a process opens only the one its mode reads through.
  const keys =
    file === ':memory:'
      ? null
      : {
          ...readOnlyKeyLookup(file),
          thread: keyReadThread({
            file,
            busyMs: KEY_READ_THREAD_BUSY_MS,
            cacheKib: KEY_LOOKUP_CACHE_KIB,
            bySlotSql: KEY_LOOKUP_SQL,
            byTokenSql: KEY_BY_TOKEN_SQL,
          }),
          // Scans of every identity (/metrics' counts) in a thread of their own: on the store's
          // connection they stopped the event loop for 1.6 s at a million identities (ReadAside).
          // A database in memory has no file another connection could open: read on the store's.
          aside: readAsideThread({ file, busyMs: BUSY_TIMEOUT_MS }),
        };
  return storageOver({
    maintenance: sqliteMaintenance(sqlite),
    db,
    store,
    detectionEngine: sqliteDetectionEngine,
    // One node: the limits live in this process's memory.
    rateLimiter: (options) => new TokenBucketLimiter({ ...options, now: () => performance.now() }),
    ...(keys
      ? {
          keyLookupNow: keys.open,
          keysByTokens: keys.thread.read,
          startKeyReads: keys.thread.start,
          readAside: keys.aside.read,
          closeExtra: async () => {
            keys.close();
            // Their connections closed before the store's: the last connection to close checkpoints the WAL.
            await Promise.all([keys.thread.close(), keys.aside.close()]);
          },
        }
      : {}),
  });
}

/**
 * How long the DNS server's synchronous key read may wait for a lock: it runs on the DNS event loop,
 * so never long. A WAL reader waits only in rare moments (another connection recovering the WAL
 * index); past this the read fails and the cache falls back to the asynchronous one.
 */
const KEY_LOOKUP_BUSY_MS = 20;

/**
 * The same for the key read thread (keyReadThread), which blocks no event loop: longer, within the
 * thread's own time limit for a read (KEY_READ_TIMEOUT_MS there), past which its reads are done on
 * the store's connection and the thread is replaced.
 */
const KEY_READ_THREAD_BUSY_MS = 500;

/**
 * The lookup's SQL, on migration 0019's table of keys by slot: a range of four integer keys of a rowid
 * table, whose inner pages stay in the connection's cache, so that a read fetches one leaf page (see
 * 0019 for why not an index of the token and the key). `@token` is the token and `@slot` its first
 * slot (0019's firstSlot). Its plan is checked in test/store-query-plans.test.ts.
 */
export const KEY_LOOKUP_SQL = `select "token", "public_key" from "dkim_key_slots" where "id" between @slot and @slot + ${SLOTS - 1} and "token" = @token`;

/**
 * A label that is not a well-formed token has no slot (0019): KyselyDnsKeyStore.findKey's statement,
 * the token's unique index and the table row. The DNS server's fast paths never ask for one; the full
 * path may (a test's zone, a question for any label).
 */
export const KEY_BY_TOKEN_SQL = 'select "token", "public_key" from "dkim_keys" where "token" = ?';

/**
 * Pages the synchronous key read's connection keeps in memory, in KiB (SQLite's `cache_size`, negative
 * for KiB): room for the inner pages every lookup walks, which outgrow SQLite's default 2 MB at scale
 * (at 100,000 domains, the token index's walk cost about 5 µs with 2 MB, about 2 µs with more); the
 * slot table's (0019) are about 6 MB at a million domains. Not more: the leaf pages a lookup lands on
 * are random at a million domains and would only take memory, in each DNS process.
 */
const KEY_LOOKUP_CACHE_KIB = 16 * 1024;

/**
 * The DNS server's synchronous point lookup of a key (DnsKeyStore.findKeyNow), on a read-only
 * connection of its own. Not on the store's connection: Kysely runs transactions on that one, and a
 * read there between two statements of an open transaction would see its uncommitted keys (a
 * VerifyDomainDkim that then rolls back would leave a key in the DNS cache that the change feed never
 * mentions). A connection of its own sees only committed transactions, which is all the DNS cache asks
 * of a store read. A point lookup (KEY_LOOKUP_SQL) takes microseconds, against about 0.2 ms for the
 * same read through Kysely's queue (issue 17).
 *
 * The lookups of one turn of the event loop share one read transaction (a snapshot, in WAL mode),
 * begun at the first and committed when the turn ends (setImmediate) or when the DNS cache applies
 * the change feed (`refresh`, DnsKeyStore.refreshKeyReads). On its own, each statement is a read
 * transaction of its own, and beginning and ending one (locks on the database and its WAL index) cost
 * about 7 µs, more than the lookup: at a million domains, where most uniform questions miss the
 * cache, that was a third of the DNS process's time. A snapshot held for one turn holds back a WAL
 * checkpoint for that long at most, and never blocks a writer.
 */
function readOnlyKeyLookup(file: string): { open: () => SyncKeyLookup; close: () => void } {
  let reader: BetterSqlite3.Database | null = null;
  const prepare = () => {
    reader ??= openBetterSqlite3(file, { readonly: true, timeout: KEY_LOOKUP_BUSY_MS });
    const db = reader;
    db.pragma(`cache_size = -${KEY_LOOKUP_CACHE_KIB}`);
    return {
      db,
      bySlot: db.prepare<[{ slot: bigint; token: string }], { token: string; public_key: string }>(KEY_LOOKUP_SQL),
      byIndex: db.prepare<[string], { token: string; public_key: string }>(KEY_BY_TOKEN_SQL),
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
    };
  };
  return {
    open() {
      // The connection is opened by the first lookup, not here: a DNS process that reads its misses in
      // the key read thread (the default) makes no lookup, and keeps no connection it never reads.
      let statements: ReturnType<typeof prepare> | null = null;
      let held = false;
      const refresh = () => {
        if (!held || statements === null) return;
        held = false;
        if (statements.db.open && statements.db.inTransaction) statements.commit.run();
      };
      return {
        find(token) {
          statements ??= prepare();
          if (!held) {
            statements.begin.run();
            held = true;
            setImmediate(refresh);
          }
          let row: { token: string; public_key: string } | undefined;
          try {
            row = isDkimToken(token) ? statements.bySlot.get({ slot: firstSlot(token), token }) : statements.byIndex.get(token);
          } catch (err) {
            // A busy or failing read: the next one begins afresh (the caller falls back to the asynchronous read).
            refresh();
            throw err;
          }
          return row ? { token: row.token, publicKey: row.public_key } : null;
        },
        refresh,
      };
    },
    close() {
      reader?.close();
      reader = null;
    },
  };
}

/** The identity store alone over a new SQLite database (the store contract suite). */
export async function openSqliteStore(file: string): Promise<KyselyStore> {
  return (await openSqliteDatabase(file)).store;
}

/**
 * `VACUUM INTO` writes a consistent copy from one read transaction: in WAL mode writers go on
 * meanwhile (the copy is the store as of the moment it began), unlike the page-by-page backup API,
 * which starts over whenever another process writes and may never finish under steady load. The copy
 * is compact, already in rollback-journal mode, and made 0600 before SQLite writes it.
 */
function sqliteMaintenance(sqlite: BetterSqlite3.Database): EngineMaintenance {
  return {
    async backup(file) {
      // An empty file made first, 0600 and never over an existing one ('wx'): SQLite fills an empty
      // target of VACUUM INTO and refuses a non-empty one.
      closeSync(openSync(file, 'wx', 0o600));
      try {
        sqlite.prepare('VACUUM INTO ?').run(file);
      } catch (err) {
        rmSync(file, { force: true });
        throw err;
      }
      return 'done';
    },
    /**
     * Migration 0019's table rebuilt (rebuildSlots) in one transaction that takes the write lock first
     * (BEGIN IMMEDIATE, waiting up to busy_timeout for a writer): other processes' writes wait or fail
     * as busy meanwhile, and their reads see the old table until it commits. At a million domains on
     * the 2-core benchmark machine, with the store in the page cache, 126 s (a one-off timing of this
     * call, no script in bench/): it reads every key row,
     * sealed private keys and all (0016's index, which the migration read, is gone). Nothing is left
     * half done: a failure rolls it all back.
     */
    async rebuildDnsKeyTable() {
      const raw: SlotSql = {
        changes: (text) => sqlite.prepare(text).run().changes,
        count: (text) => (sqlite.prepare(text).get() as { n: number }).n,
      };
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        const slots = await rebuildSlots(raw);
        sqlite.exec('COMMIT');
        return slots;
      } catch (err) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw err;
      }
    },
    async integrity() {
      const engine = (sqlite.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
      const slots = slotProblems(sqlite);
      if (slots.length === 0) return engine;
      return engine.length === 1 && engine[0] === 'ok' ? slots : [...engine, ...slots];
    },
  };
}

/**
 * The DNS key read's table (migration 0019) against the keys it mirrors: SQLite's integrity check
 * cannot see it disagree with dkim_keys, and the DNS server would then answer a key that is gone, or
 * none, without an error anywhere. Lines in the integrity check's words, none when it agrees.
 */
function slotProblems(sqlite: BetterSqlite3.Database): string[] {
  const counts = sqlite.prepare(SLOT_CHECK_SQL).get() as { missing: number; stale: number; triggers: number };
  const problems: string[] = [];
  if (counts.missing > 0) problems.push(`dkim_key_slots: ${counts.missing} keys have no slot (DNS would not answer them)`);
  if (counts.stale > 0) problems.push(`dkim_key_slots: ${counts.stale} slots hold no current key (DNS would answer keys that are gone)`);
  if (counts.triggers > 0) problems.push(`dkim_key_slots: ${counts.triggers} of its triggers on dkim_keys are missing`);
  return problems;
}

async function openSqliteDatabase(file: string): Promise<{ db: Kysely<Database>; store: KyselyStore; sqlite: BetterSqlite3.Database }> {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    privateDatabaseFile(file);
  }
  const sqlite = openBetterSqlite3(file);
  // First, so that the pragmas below wait for a process that is creating the file too: switching to
  // WAL needs a lock, and without a busy timeout a concurrent start fails at once ("database is locked").
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable before the
  // API answers (SQLite docs, "WAL mode": NORMAL may lose the last commits on power loss).
  switchToWal(sqlite);
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  const dialect = new WriteLockFirstSqliteDialect({ database: withStatementCache(sqlite) });
  const db = new Kysely<Database>({ dialect });
  const store = new KyselyStore(db, sqliteEngine(sqlite));
  try {
    await migrateExclusively(sqlite, store);
    // Reads outside transactions on a connection of their own, once migrated: they then wait for no
    // transaction on the store's connection (see write-lock-first-dialect.ts). A database in memory
    // has no file a second connection could open.
    if (file !== ':memory:') dialect.readFrom(() => withStatementCache(openBetterSqlite3(file, { readonly: true, timeout: BUSY_TIMEOUT_MS })));
  } catch (err) {
    await store.close();
    throw err;
  }
  return { db, store, sqlite };
}
