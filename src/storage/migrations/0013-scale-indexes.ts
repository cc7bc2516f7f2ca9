import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * Indexes for platform scale (issue 17, measured by bench/scale.ts).
 *
 * ListIdentities without an IdentityType walks one scope in id order from its keyset cursor
 * (app/list-identities.ts). The only index on the scope, identities_scope_kind_id, has the kind
 * before the id, so that query found the scope's rows through the unique (account, region, name)
 * index and sorted all of them before taking a page: with a million identities, every page cost a
 * sort of the million (SQLite: USE TEMP B-TREE FOR ORDER BY). This index gives the rows in page
 * order, so a page reads its 100 rows and stops, the first page or the ten-thousandth
 * (test/store-query-plans.test.ts checks the plan on both engines).
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema.createIndex('identities_scope_id').on('identities').columns(['account_id', 'region', 'id']).execute();
}
