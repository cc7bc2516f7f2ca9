import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * Address-verification links are kept (a link used after its 24 hours still says it expired), so
 * their table grows with every VerifyEmailIdentity. The relay worker's expiry, once a minute on the
 * event loop (kysely-outbox-store.ts expire), grouped every link ever sent to find the addresses
 * whose links have all ended: its cost grew with the links of all time (issue 17: how each cost
 * grows). `expiry_handled` marks a link whose end the expiry has seen, and a partial index holds the
 * others: the expiry reads the links that ended since it last ran, and the addresses they name.
 * Links written before this are unmarked, so the first expiry after the upgrade sees them all once.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .alterTable('email_verifications')
    .addColumn('expiry_handled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('email_verifications_expiry_unhandled')
    .on('email_verifications')
    .column('expires_at')
    .where(sql.ref('expiry_handled'), '=', 0)
    .execute();
}
