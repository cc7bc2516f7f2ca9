import type { Kysely } from 'kysely';
import { withId, type DdlFlavor } from './ddl.ts';

/** Identities, their DKIM keys (one per token) and the pool of ready keys. */
export async function up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
  await withId(db.schema.createTable('identities'), flavor)
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('verification_status', 'text', (c) => c.notNull())
    .addColumn('verification_token', 'text')
    .addColumn('dkim_enabled', 'integer', (c) => c.notNull())
    .addColumn('dkim_status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('identities_scope_name', ['account_id', 'region', 'name'])
    .execute();
  // ListIdentities walks one scope in creation order, optionally of one kind.
  await db.schema.createIndex('identities_scope_kind_id').on('identities').columns(['account_id', 'region', 'kind', 'id']).execute();
  await withId(db.schema.createTable('dkim_keys'), flavor)
    .addColumn('identity_id', 'bigint', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    // Tokens name DNS records in one shared key zone, so they are unique across every account.
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('bits', 'integer', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dkim_keys_identity').on('dkim_keys').column('identity_id').execute();
  await withId(db.schema.createTable('key_pool'), flavor)
    .addColumn('bits', 'integer', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('key_pool_bits_id').on('key_pool').columns(['bits', 'id']).execute();
}
