import type { Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * GetIdentityDkimAttributes, GetIdentityVerificationAttributes' DKIM part and the v2 views read a
 * domain's tokens in position order (kysely-store.ts getDkimTokens). Through the index on identity_id
 * alone, that read each key's table row for its token and position: three rows of about 3 KB, each on
 * a page of its own, at random in a 13 GB file at a million domains, some of them from the disk
 * (issue 17: the p99 of GetIdentityDkimAttributes). This index holds identity_id, position and token,
 * so the read is the index's alone; it serves every lookup by identity_id the old index served (its
 * first column), including the cascade of DeleteIdentity, so the old one goes.
 */
export async function up(db: Kysely<any>, _flavor: DdlFlavor): Promise<void> {
  await db.schema.createIndex('dkim_keys_identity_position_token').on('dkim_keys').columns(['identity_id', 'position', 'token']).execute();
  await db.schema.dropIndex('dkim_keys_identity').execute();
}
