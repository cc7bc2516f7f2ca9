import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * How many key-zone changes are kept. A reader (a DNS server's cache) that falls further behind than
 * this cannot replay them and reloads what it caches instead.
 */
export const KEY_ZONE_CHANGES_KEPT = 10_000;

/**
 * DKIM detection: the schedule and lifecycle state per domain identity, the last result per checked
 * record, the dev-mode sandbox zone, and the key zone's change feed. Detection rows go with their
 * identity (ON DELETE CASCADE).
 */
export async function up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
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
  // Claims walk the due rows in next_check_at order.
  await db.schema.createIndex('detection_checks_due').on('detection_checks').column('next_check_at').execute();
  await db.schema
    .createTable('detection_record_results')
    .addColumn('identity_id', 'bigint', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('observed', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    // How many checks have looked at this record: operators (and the multi-node test) can see that
    // no identity is checked twice in one round.
    .addColumn('checks', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('detection_record_results_pk', ['identity_id', 'name', 'type'])
    .execute();
  await db.schema
    .createTable('dev_sandbox_records')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dev_sandbox_records_pk', ['name', 'type', 'value'])
    .execute();
  await createKeyZoneFeed(db, flavor);
}

/**
 * The key zone's change feed, kept by triggers on dkim_keys so that every writer (the API's
 * transactions, another process on the same SQLite file, another node on the same PostgreSQL) feeds
 * it in the transaction that changes the keys, without any of them knowing about it.
 *
 * Sequence numbers come from one counter row rather than an autoincrement column: incrementing it
 * locks the row until commit, so two transactions can never commit their changes out of sequence
 * order (a PostgreSQL sequence can: a reader would see 11 committed before 10, move past 10 and
 * miss it). SQLite has one writer, so the order is the commit order there anyway. The lock is held
 * from the key write to the commit, which the store makes the last statements of its transactions.
 */
async function createKeyZoneFeed(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('key_zone_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('key_zone_version').values({ id: 1, seq: 0 }).execute();
  await db.schema
    .createTable('key_zone_changes')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('token', 'text', (c) => c.notNull())
    .execute();
  const kept = sql.lit(KEY_ZONE_CHANGES_KEPT);
  if (flavor.triggers === 'plpgsql') {
    // pg_notify lets other nodes' DNS servers hear of a change at once (LISTEN signet_key_zone); the
    // notification is delivered at commit, and dropped with a rollback, like the rows.
    await sql`
      CREATE FUNCTION key_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE next_seq bigint;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          UPDATE key_zone_version SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO next_seq;
          INSERT INTO key_zone_changes (seq, token) VALUES (next_seq, OLD.token);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          UPDATE key_zone_version SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO next_seq;
          INSERT INTO key_zone_changes (seq, token) VALUES (next_seq, NEW.token);
        END IF;
        DELETE FROM key_zone_changes WHERE seq <= next_seq - ${kept};
        PERFORM pg_notify('signet_key_zone', next_seq::text);
        RETURN NULL;
      END $$`.execute(db);
    await sql`
      CREATE TRIGGER dkim_keys_zone_changed AFTER INSERT OR DELETE OR UPDATE OF token, public_key ON dkim_keys
      FOR EACH ROW EXECUTE FUNCTION key_zone_changed()`.execute(db);
    return;
  }
  const bump = (token: 'NEW.token' | 'OLD.token') =>
    sql.raw(`
      UPDATE key_zone_version SET seq = seq + 1 WHERE id = 1;
      INSERT INTO key_zone_changes (seq, token) SELECT seq, ${token} FROM key_zone_version WHERE id = 1;`);
  const prune = sql`DELETE FROM key_zone_changes WHERE seq <= (SELECT seq FROM key_zone_version WHERE id = 1) - ${kept};`;
  await sql`CREATE TRIGGER dkim_keys_zone_insert AFTER INSERT ON dkim_keys BEGIN ${bump('NEW.token')} ${prune} END`.execute(db);
  await sql`CREATE TRIGGER dkim_keys_zone_delete AFTER DELETE ON dkim_keys BEGIN ${bump('OLD.token')} ${prune} END`.execute(db);
  await sql`
    CREATE TRIGGER dkim_keys_zone_update AFTER UPDATE OF token, public_key ON dkim_keys
    BEGIN ${bump('OLD.token')} ${bump('NEW.token')} ${prune} END`.execute(db);
}
