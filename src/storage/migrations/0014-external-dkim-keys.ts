import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * Bring Your Own DKIM (issue 16 item 4): at most one customer-supplied key per domain, sealed like the
 * Easy DKIM keys (AAD: its public key), with its own detection state, and the method the customer
 * chose last (`chosen_external`). The Easy DKIM tokens and keys stay in dkim_keys untouched, so that
 * switching back gives the same tokens and no mail leaves unsigned while a method is pending.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('external_dkim_keys')
    .addColumn('identity_id', 'bigint', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('selector', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('bits', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text')
    .addColumn('observed', 'text')
    .addColumn('chosen_external', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('checked_at', 'bigint')
    .execute();
  await db.schema.createIndex('external_dkim_keys_status').on('external_dkim_keys').columns(['status', 'checked_at']).execute();
}
