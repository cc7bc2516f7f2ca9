import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * What platform scale needs (issue 17, measured by bench/scale.ts at up to a million identities).
 *
 * ListIdentities without an IdentityType walks one scope in id order from its keyset cursor
 * (app/list-identities.ts). The only index on the scope, identities_scope_kind_id, has the kind
 * before the id, so that query found the scope's rows through the unique (account, region, name)
 * index and sorted all of them before taking a page: with a million identities, every page cost a
 * sort of the million (SQLite: USE TEMP B-TREE FOR ORDER BY). identities_scope_id gives the rows in
 * page order, so a page reads its rows and stops, the first page or the ten-thousandth.
 *
 * Detection's claims looked for domains to enroll (no detection row yet) and for DKIM statuses
 * changed under it (VerifyDomainDkim again) by reading every identity and every detection row, in
 * every claim, and a worker with nothing due claims every second: at a million domains, two full
 * scans a second, each holding SQLite's write lock. `detection_dirty` is set by the store's writers,
 * in the transaction that creates a domain identity or changes its DKIM status; claims look only at
 * the flagged rows (a partial index holds just them) and clear the flags they handled. Each store
 * still sweeps everything on its first claim and now and then (rows written by an older build on a
 * shared PostgreSQL, or by hand).
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema.createIndex('identities_scope_id').on('identities').columns(['account_id', 'region', 'id']).execute();
  await db.schema
    .alterTable('identities')
    .addColumn('detection_dirty', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('identities_detection_dirty').on('identities').column('id').where(sql.ref('detection_dirty'), '=', 1).execute();
}
