import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * What SES keeps per identity for its owner beside DKIM, for both APIs: the feedback notification
 * settings (SetIdentityNotificationTopic and friends; one row per identity that changed any, the
 * defaults otherwise) and the sending authorization policies (PutIdentityPolicy, v2's
 * CreateEmailIdentityPolicy; at most 20 per identity, kept as given). Both go with their identity
 * (ON DELETE CASCADE), so DeleteIdentity and DeleteEmailIdentity forget them. Flags are 0/1 integers.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('identity_notifications')
    .addColumn('identity_id', 'bigint', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('bounce_topic', 'text')
    .addColumn('complaint_topic', 'text')
    .addColumn('delivery_topic', 'text')
    .addColumn('forwarding_enabled', 'integer', (c) => c.notNull())
    .addColumn('headers_in_bounce', 'integer', (c) => c.notNull())
    .addColumn('headers_in_complaint', 'integer', (c) => c.notNull())
    .addColumn('headers_in_delivery', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('identity_policies')
    .addColumn('identity_id', 'bigint', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_policies_pk', ['identity_id', 'name'])
    .execute();
}
