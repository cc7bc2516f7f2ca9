import type { Kysely } from 'kysely';
import { withId, type DdlFlavor } from './ddl.ts';

/**
 * The outbox (every message sent, with its relay delivery state) and address-verification links.
 * Engine-neutral: the message is kept as base64 text, because a message may hold 8-bit bytes that are
 * not UTF-8 and text columns are the one type both engines treat alike; times are bigint milliseconds.
 */
export async function up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
  await withId(db.schema.createTable('outbox_messages'), flavor)
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('envelope_from', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('recipient_count', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('simple_parts', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('raw_base64', 'text', (c) => c.notNull())
    .addColumn('signing_domain', 'text')
    .addColumn('selector', 'text')
    .addColumn('unsigned_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivery_status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .execute();
  // SentLast24Hours and the daily quota: recipients per account and region over a time window.
  await db.schema.createIndex('outbox_scope_time').on('outbox_messages').columns(['account_id', 'region', 'created_at']).execute();
  // The relay worker's scan: due messages by time.
  await db.schema.createIndex('outbox_delivery_due').on('outbox_messages').columns(['delivery_status', 'next_attempt_at']).execute();
  await db.schema
    .createTable('email_verifications')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('email_verifications_address').on('email_verifications').columns(['account_id', 'region', 'address']).execute();
}
