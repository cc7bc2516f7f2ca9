import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * Three reads of the outbox whose cost grew with every message kept (issue 17: how each cost grows),
 * run on the event loop:
 *
 * - SentLast24Hours, which every SendEmail, SendRawEmail, SMTP message and address-verification mail
 *   reads to check the daily quota (sending-quota.ts), summed the recipients of every message of the
 *   last 24 hours: a row read per message, 100,000 for each send of a platform sending 100,000 a day.
 * - GetSendStatistics summed every message of the last two weeks (of those still kept) by 15 minutes.
 * - The relay worker's purge of old messages, once a minute, read every message kept (SQLite: SCAN
 *   outbox_messages, whose created_at lies past the message body in each row) to find the few past
 *   the retention.
 *
 * Now each message adds to counts per account, region and minute as it is kept: `recipients`, what the
 * daily quota counts (every kind of message, simulator recipients left out); and, Signet's own
 * verification mail aside as GetSendStatistics leaves it, `messages`, `attempts` (their recipients)
 * and `failed` (recipients of those whose delivery failed, following each message's status). Triggers
 * keep them, in the statement that writes the message or its status: the same counts whatever writes
 * it, and no statement or transaction added to a send (done in the store's add, a transaction with an
 * upsert, it cost a fifth of the outbox's add rate: 1,940 to 2,174 against 2,576 to 2,855 a second,
 * eight writers at once). The sums read at most 1,441 or 20,160 of these rows, and the quota the
 * messages of the one minute its window starts in. The counts are kept for GetSendStatistics' two
 * weeks whatever the messages' retention (`purgeCounts`), and an index on created_at lets the purge find
 * the old messages alone.
 *
 * The counts are filled from the messages already kept, so the quota does not restart at the upgrade.
 */
export async function up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
  await db.schema
    .createTable('outbox_counts_by_minute')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    // created_at / 60,000, rounded down: the minute since the epoch.
    .addColumn('minute', 'bigint', (c) => c.notNull())
    .addColumn('recipients', 'bigint', (c) => c.notNull())
    .addColumn('messages', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('failed', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('outbox_counts_by_minute_pkey', ['account_id', 'region', 'minute'])
    .execute();
  // On PostgreSQL, nodes of the previous version may go on sending while one node migrates (a rolling
  // upgrade): a message they commit between the fill's snapshot and the triggers would be counted by
  // neither. Held until the migration commits (SQLite's migrations run in one exclusive transaction).
  if (flavor.triggers === 'plpgsql') await sql`LOCK TABLE outbox_messages IN SHARE ROW EXCLUSIVE MODE`.execute(db);
  // Integer division on both engines (bigint by an integer literal on PostgreSQL, integers on SQLite).
  await sql`
    insert into outbox_counts_by_minute (account_id, region, minute, recipients, messages, attempts, failed)
    select account_id, region, created_at / 60000, sum(recipient_count),
           sum(case when kind <> 'verification' then 1 else 0 end),
           sum(case when kind <> 'verification' then recipient_count else 0 end),
           sum(case when kind <> 'verification' and delivery_status = 'failed' then recipient_count else 0 end)
    from outbox_messages group by account_id, region, created_at / 60000`.execute(db);
  if (flavor.triggers === 'plpgsql') {
    await sql`
      CREATE OR REPLACE FUNCTION outbox_counted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO outbox_counts_by_minute (account_id, region, minute, recipients, messages, attempts, failed)
          VALUES (NEW.account_id, NEW.region, NEW.created_at / 60000, NEW.recipient_count, ${counted('1')}, ${counted('NEW.recipient_count')}, ${failedAtInsert})
          ON CONFLICT (account_id, region, minute) DO UPDATE SET
            recipients = outbox_counts_by_minute.recipients + excluded.recipients,
            messages = outbox_counts_by_minute.messages + excluded.messages,
            attempts = outbox_counts_by_minute.attempts + excluded.attempts,
            failed = outbox_counts_by_minute.failed + excluded.failed;
        ELSIF ${failedChanged} THEN
          ${addFailed};
        END IF;
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox_messages FOR EACH ROW EXECUTE FUNCTION outbox_counted()`.execute(db);
    await sql`CREATE TRIGGER outbox_counts_failed AFTER UPDATE OF delivery_status ON outbox_messages FOR EACH ROW EXECUTE FUNCTION outbox_counted()`.execute(
      db,
    );
  } else {
    await sql`
      CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox_messages BEGIN
        INSERT INTO outbox_counts_by_minute (account_id, region, minute, recipients, messages, attempts, failed)
        VALUES (NEW.account_id, NEW.region, NEW.created_at / 60000, NEW.recipient_count, ${counted('1')}, ${counted('NEW.recipient_count')}, ${failedAtInsert})
        ON CONFLICT (account_id, region, minute) DO UPDATE SET
          recipients = recipients + excluded.recipients, messages = messages + excluded.messages, attempts = attempts + excluded.attempts,
          failed = failed + excluded.failed;
      END`.execute(db);
    await sql`CREATE TRIGGER outbox_counts_failed AFTER UPDATE OF delivery_status ON outbox_messages WHEN ${failedChanged} BEGIN ${addFailed}; END`.execute(db);
  }
  // The purge of counts past their two weeks, across accounts.
  await db.schema.createIndex('outbox_counts_by_minute_minute').on('outbox_counts_by_minute').column('minute').execute();
  await db.schema.createIndex('outbox_created').on('outbox_messages').column('created_at').execute();
}

/** GetSendStatistics' part of a new message: `value` unless it is Signet's own verification mail. */
const counted = (value: string) => sql.raw(`CASE WHEN NEW.kind <> 'verification' THEN ${value} ELSE 0 END`);

/** A message written as failed already (the store writes none so; the counts stay whole for any writer). */
const failedAtInsert = sql.raw("CASE WHEN NEW.kind <> 'verification' AND NEW.delivery_status = 'failed' THEN NEW.recipient_count ELSE 0 END");

/**
 * A message became failed, or stopped being failed: the bounces follow its current status, as the
 * sum over messages did (a lease that ran out can let a second worker report on a message the first
 * gave up on). The statuses compare as 0/1 on SQLite and as booleans on PostgreSQL, alike.
 */
const failedChanged = sql.raw("(NEW.delivery_status = 'failed') <> (OLD.delivery_status = 'failed') AND NEW.kind <> 'verification'");

/** Its recipients added to or taken from its minute's bounces (gone with the counts past two weeks). */
const addFailed = sql.raw(
  "UPDATE outbox_counts_by_minute SET failed = failed + CASE WHEN NEW.delivery_status = 'failed' THEN NEW.recipient_count ELSE -NEW.recipient_count END " +
    'WHERE account_id = NEW.account_id AND region = NEW.region AND minute = NEW.created_at / 60000',
);
