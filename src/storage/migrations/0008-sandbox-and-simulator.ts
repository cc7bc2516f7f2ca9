import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * SES's sandbox per account, and the mailbox simulator's outcomes per message (issue 13).
 * `accounts.production_access`: 1 for accounts made before this migration, which could already send
 * anywhere (nothing they did stops working); new accounts get it written explicitly (the sandbox for
 * `signet admin create-account`, production access for the bootstrap and dev accounts).
 * `outbox_messages.simulated`: JSON of the simulator recipients' outcomes, null when there were none.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema
    .alterTable('accounts')
    .addColumn('production_access', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('outbox_messages').addColumn('simulated', 'text').execute();
}
