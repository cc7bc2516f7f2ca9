import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * DKIM detection: the schedule and lifecycle state per domain identity, the last result per checked
 * record, and the dev-mode sandbox zone. Rows go with their identity (ON DELETE CASCADE).
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('detection_checks')
    .addColumn('identity_id', 'bigint', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('dkim_started_at', 'bigint', (c) => c.notNull())
    .addColumn('dkim_last_found_at', 'bigint')
    .addColumn('dkim_grace_started_at', 'bigint')
    // The identity's dkim_status as detection last wrote or saw it: when the identity's own column
    // differs, someone else (VerifyDomainDkim again) restarted DKIM and detection starts over.
    .addColumn('dkim_status_seen', 'text', (c) => c.notNull())
    .addColumn('next_check_at', 'bigint')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_checked_at', 'bigint')
    .execute();
  await db.schema.createIndex('detection_checks_due').on('detection_checks').column('next_check_at').execute();
  await db.schema
    .createTable('detection_record_results')
    .addColumn('identity_id', 'bigint', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('observed', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('detection_record_results_pk', ['identity_id', 'name', 'type'])
    .execute();
  await db.schema
    .createTable('dev_sandbox_records')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dev_sandbox_records_pk', ['name', 'type', 'value'])
    .execute();
}
