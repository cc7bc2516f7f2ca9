import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * An external (BYODKIM) key that DNS does not serve right for 72 hours turns Failed, as SES's does
 * (core nextExternalKeyState). The window starts when the key is given or when a key that was served
 * right stops being so; `unverified_since` keeps that moment (null while Success). Keys written
 * before this migration start their window at their creation, or at the migration if they were Success.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema.alterTable('external_dkim_keys').addColumn('unverified_since', 'bigint').execute();
  await sql`UPDATE external_dkim_keys SET unverified_since = created_at WHERE status <> 'Success'`.execute(db);
}
