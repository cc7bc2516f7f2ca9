import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * Custom MAIL FROM domains (SetIdentityMailFromDomain, PutEmailIdentityMailFromAttributes): one row
 * per identity that was ever given a set-up, domain or address, with its detection state and
 * schedule beside it, as detection_checks keeps DKIM's (same lease, same lifecycle). The row goes
 * with its identity (ON DELETE CASCADE). `mail_from_domain` is null when the custom domain was
 * switched off but a BehaviorOnMXFailure was kept; the last MX and SPF verdicts are kept for people.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('identity_mail_from')
    .addColumn('identity_id', 'bigint', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('mail_from_domain', 'text')
    .addColumn('behavior_on_mx_failure', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_found_at', 'bigint')
    .addColumn('grace_started_at', 'bigint')
    .addColumn('next_check_at', 'bigint')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_checked_at', 'bigint')
    .addColumn('mx_verdict', 'text')
    .addColumn('mx_observed', 'text')
    .addColumn('spf_verdict', 'text')
    .addColumn('spf_observed', 'text')
    .execute();
  // Claims walk the due rows in next_check_at order.
  await db.schema.createIndex('identity_mail_from_due').on('identity_mail_from').column('next_check_at').execute();
}
