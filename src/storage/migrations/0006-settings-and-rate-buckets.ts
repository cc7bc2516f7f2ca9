import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * `settings`: small facts about the installation (the master-key check, so that a node started with
 * another master key refuses to run instead of failing on every key later). `rate_buckets`: token
 * buckets shared by every node on PostgreSQL, so that per-account throttling holds across nodes.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('rate_buckets')
    .addColumn('bucket', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('updated_ms', 'double precision', (c) => c.notNull())
    .execute();
}
