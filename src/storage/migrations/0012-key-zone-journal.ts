import { sql, type Kysely } from 'kysely';
import { KEY_ZONE_CHANGES_KEPT } from './0002-dkim-detection.ts';
import type { DdlFlavor } from './ddl.ts';

/**
 * The key zone's change feed becomes a journal that incremental zone transfers (IXFR, RFC 1995) can
 * be served from: each change now says whether the token's record was added or deleted and carries
 * the public key (the new one for an addition, the old one for a deletion). A secondary removes a
 * record only when it is given the exact RDATA (RFC 1995 §4), and a deleted key is gone from
 * dkim_keys, so the old value must be kept with the change. Rows written before this migration have
 * neither: a transfer whose history reaches back to them is served as a full zone (AXFR) instead.
 *
 * Same triggers as 0002 otherwise (one counter row, pruned to the last KEY_ZONE_CHANGES_KEPT changes,
 * pg_notify on PostgreSQL), so the sequence stays gap-free and in commit order.
 */
export async function up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
  await db.schema.alterTable('key_zone_changes').addColumn('op', 'text').execute();
  await db.schema.alterTable('key_zone_changes').addColumn('public_key', 'text').execute();
  const kept = sql.lit(KEY_ZONE_CHANGES_KEPT);
  if (flavor.triggers === 'plpgsql') {
    await sql`
      CREATE OR REPLACE FUNCTION key_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE next_seq bigint;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          UPDATE key_zone_version SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO next_seq;
          INSERT INTO key_zone_changes (seq, token, op, public_key) VALUES (next_seq, OLD.token, 'delete', OLD.public_key);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          UPDATE key_zone_version SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO next_seq;
          INSERT INTO key_zone_changes (seq, token, op, public_key) VALUES (next_seq, NEW.token, 'add', NEW.public_key);
        END IF;
        DELETE FROM key_zone_changes WHERE seq <= next_seq - ${kept};
        PERFORM pg_notify('signet_key_zone', next_seq::text);
        RETURN NULL;
      END $$`.execute(db);
    return;
  }
  const bump = (row: 'NEW' | 'OLD') =>
    sql.raw(`
      UPDATE key_zone_version SET seq = seq + 1 WHERE id = 1;
      INSERT INTO key_zone_changes (seq, token, op, public_key)
        SELECT seq, ${row}.token, '${row === 'NEW' ? 'add' : 'delete'}', ${row}.public_key FROM key_zone_version WHERE id = 1;`);
  const prune = sql`DELETE FROM key_zone_changes WHERE seq <= (SELECT seq FROM key_zone_version WHERE id = 1) - ${kept};`;
  await sql`DROP TRIGGER dkim_keys_zone_insert`.execute(db);
  await sql`DROP TRIGGER dkim_keys_zone_delete`.execute(db);
  await sql`DROP TRIGGER dkim_keys_zone_update`.execute(db);
  await sql`CREATE TRIGGER dkim_keys_zone_insert AFTER INSERT ON dkim_keys BEGIN ${bump('NEW')} ${prune} END`.execute(db);
  await sql`CREATE TRIGGER dkim_keys_zone_delete AFTER DELETE ON dkim_keys BEGIN ${bump('OLD')} ${prune} END`.execute(db);
  await sql`
    CREATE TRIGGER dkim_keys_zone_update AFTER UPDATE OF token, public_key ON dkim_keys
    BEGIN ${bump('OLD')} ${bump('NEW')} ${prune} END`.execute(db);
}
