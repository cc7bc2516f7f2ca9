import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/** Accounts and their access keys; the secret is stored sealed (AES-256-GCM). */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('access_keys')
    .addColumn('access_key_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id').onDelete('cascade'))
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_keys_account').on('access_keys').column('account_id').execute();
}
