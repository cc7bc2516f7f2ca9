import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * The signing-key ring (issue 16, core/key-ring.ts). Each key row gains the times its role depends on
 * (published, activated, retired); the 'standby' keys of migration 0001 become the ring's next
 * (position 1) and previous (position 2, never signed) keys. One `dkim_key_rings` row per domain with
 * keys holds SES's NextSigningKeyLength, the 24-hour rule's history, a rotation asked for, and when
 * the ring next needs a look (`due_at`, what the key-ring worker walks).
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable('dkim_keys').addColumn('published_at', 'bigint').execute();
  await db.schema.alterTable('dkim_keys').addColumn('activated_at', 'bigint').execute();
  await db.schema.alterTable('dkim_keys').addColumn('retired_at', 'bigint').execute();
  await db.updateTable('dkim_keys').set({ published_at: sql`created_at` }).execute();
  await db.updateTable('dkim_keys').set({ activated_at: sql`created_at` }).where('state', '=', 'active').execute();
  await db.updateTable('dkim_keys').set({ state: 'next' }).where('state', '=', 'standby').where('position', '=', 1).execute();
  await db.updateTable('dkim_keys').set({ state: 'previous' }).where('state', '=', 'standby').execute();
  await db.schema
    .createTable('dkim_key_rings')
    .addColumn('identity_id', 'bigint', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('next_bits', 'integer', (c) => c.notNull())
    .addColumn('last_generated_at', 'bigint', (c) => c.notNull())
    .addColumn('length_changed_at', 'bigint')
    .addColumn('downgraded_at', 'bigint')
    .addColumn('rotate_requested_at', 'bigint')
    .addColumn('due_at', 'bigint')
    .execute();
  await db.schema.createIndex('dkim_key_rings_due').on('dkim_key_rings').column('due_at').execute();
  // Existing domains: the next length is the active key's; nothing is due until asked (or scheduled,
  // which the worker's first pass over due_at = created_at finds).
  await sql`
    INSERT INTO dkim_key_rings (identity_id, next_bits, last_generated_at, due_at)
    SELECT identity_id, MAX(CASE WHEN state = 'active' THEN bits ELSE 0 END), MAX(created_at), MAX(created_at)
    FROM dkim_keys GROUP BY identity_id`.execute(db);
}
