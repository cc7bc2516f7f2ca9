import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * What SES v2 keeps per identity beside its DKIM set-up: the `Tags` and the default
 * `ConfigurationSetName` given to CreateEmailIdentity (GetEmailIdentity answers them). One row per
 * identity that has any; it goes with its identity (ON DELETE CASCADE; SQLite runs with foreign keys
 * on), so a v1 DeleteIdentity forgets them too. Tags are JSON text (`[{"key":..,"value":..}]`, at
 * most 50 by SES's tagging rules), read and written whole.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('identity_details')
    .addColumn('identity_id', 'bigint', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('configuration_set_name', 'text')
    .execute();
}
