import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * What migration 0016 did for SQLite, on PostgreSQL: the DNS cache reads its misses by token and needs
 * only the public key (DnsKeyStore.findKeys). Through the token's unique index, PostgreSQL then read
 * each key's heap row, about 2.8 KB with the sealed private key (two rows a page), at random over the
 * whole table at a million domains, nearly every one a page outside shared_buffers. With the public
 * key in the index (INCLUDE, PostgreSQL 11+), the read is an index-only scan: one leaf page a key, and
 * the visibility map, which autovacuum keeps (issue 17; measured in bench/scale.ts's PostgreSQL DNS
 * rate and checked in test/store-query-plans.test.ts).
 *
 * PostgreSQL only: SQLite has 0016's. Building it on an existing store reads the whole table once and
 * holds writes to dkim_keys meanwhile (about 11 s at a million domains on bench/scale.ts's 2-core machine).
 */
export async function up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
  if (flavor.triggers !== 'plpgsql') return;
  await sql`create index dkim_keys_token_public_key on dkim_keys (token) include (public_key)`.execute(db);
}
