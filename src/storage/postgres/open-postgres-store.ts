import { CompiledQuery, Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';
import { KyselyStore, type EngineStrategy } from '../kysely-store.ts';
import { postgresDetectionEngine } from '../detection-engine.ts';
import { storageOver, type Storage } from '../storage.ts';
import type { KeysByTokens } from '../kysely-dns-key-store.ts';
import { OwnSchemaPostgresDialect } from './own-schema-introspector.ts';
import { PostgresRateLimiter } from './postgres-rate-limiter.ts';

// bigint (int8) columns hold millisecond times and ids that stay far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/**
 * Several nodes share one PostgreSQL, so two nodes taking pool keys at the same moment must take
 * different rows: `FOR UPDATE SKIP LOCKED` locks the rows a transaction takes and lets the other
 * transaction pass over them instead of waiting (PostgreSQL docs, SELECT "The Locking Clause").
 */
const postgresEngine: Omit<EngineStrategy, 'migrationTableSchema'> = {
  idColumn: 'bigserial',
  triggers: 'plpgsql',
  lockTaken: (query) => query.forUpdate().skipLocked(),
  async lockIdentity(trx, identityId) {
    await trx.selectFrom('identities').select('id').where('id', '=', identityId).forUpdate().execute();
  },
  // Other nodes commit all the time; caches on PostgreSQL are invalidated by their own means.
  externalChangeCounter: null,
};

/** keysByTokenArray's SQL (its plan is checked in test/store-query-plans.test.ts). */
export const KEYS_BY_TOKEN_ARRAY_SQL = 'select "token", "public_key" from "dkim_keys" where "token" = any($1::text[])';

/**
 * The DNS cache's batched read of its misses (DnsKeyStore.findKeys): the tokens as one array
 * parameter, so that the statement's text is the same for any number of them, where an IN list has a
 * parameter a token and a statement text per batch size (bench/dns-key-batch-read.ts measures both).
 * The public keys come from the index of migration 0018 alone (an index-only scan).
 */
export const keysByTokenArray: KeysByTokens = async (db, tokens) => {
  const result = await db.executeQuery<{ token: string; public_key: string }>(CompiledQuery.raw(KEYS_BY_TOKEN_ARRAY_SQL, [tokens]));
  return result.rows;
};

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`. */
  readonly url: string;
  /** Schema to work in (created if missing); tests use one each. Default: the server's search_path. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

/** Opens the PostgreSQL database (see openPostgresStore) as the stores over it. */
export async function openPostgresStorage(options: PostgresStoreOptions): Promise<Storage> {
  const { db, store } = await openPostgresDatabase(options);
  return storageOver({
    db,
    store,
    detectionEngine: postgresDetectionEngine,
    keysByTokens: keysByTokenArray,
    // Several nodes: the limits live in the database, so that they hold across nodes.
    rateLimiter: (limits) => new PostgresRateLimiter(db, limits),
    // PostgreSQL's own tools do both better: pg_dump (or base backups and WAL archiving) for copies,
    // and the server checks its pages; amcheck is an extension an operator may not have.
    maintenance: { backup: async () => 'unsupported', integrity: async () => ['ok'], rebuildDnsKeyTable: async () => 'unsupported' },
  });
}

/** The identity store alone over the PostgreSQL database (the store contract suite). */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<KyselyStore> {
  return (await openPostgresDatabase(options)).store;
}

/** Signet's Kysely over a pool: the PostgreSQL dialect whose introspector reads Signet's schema alone. */
export function postgresKysely(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
}

/**
 * Opens the PostgreSQL database and brings its schema up to date. Kysely's migrator takes a PostgreSQL
 * advisory lock for the run, so nodes starting at the same moment migrate once, one after another.
 */
async function openPostgresDatabase(options: PostgresStoreOptions): Promise<{ db: Kysely<Database>; store: KyselyStore }> {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(options.schema)}`);
  }
  if (options.schema !== undefined) {
    // Before the pool exists, so that every pooled session's search_path finds it from the start.
    const client = new pg.Client({ connectionString: options.url });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${options.schema}"`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const db = postgresKysely(pool);
  try {
    const schema = options.schema ?? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema;
    const store = new KyselyStore(db, { ...postgresEngine, migrationTableSchema: schema });
    await store.migrate();
    return { db, store };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
