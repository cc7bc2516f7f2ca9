import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../schema.ts';
import { KyselyStore, type EngineStrategy } from '../kysely-store.ts';

/**
 * SQLite has a single writer: a transaction holds the database's write lock from its first write, and
 * Kysely's SQLite driver runs one transaction at a time on its one connection, so rows read inside a
 * transaction cannot be taken by anybody else before it commits.
 */
const sqliteEngine: EngineStrategy = {
  idColumn: 'integer-autoincrement',
  async takePoolKeyIds(trx, bits, count) {
    const rows = await trx
      .selectFrom('key_pool')
      .select('id')
      .where('bits', '=', bits)
      .orderBy('id')
      .limit(count)
      .execute();
    return rows.map((r) => Number(r.id));
  },
};

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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const store = new KyselyStore(db, sqliteEngine);
  await store.migrate();
  return store;
}
