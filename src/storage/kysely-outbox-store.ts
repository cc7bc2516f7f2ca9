import { sql, type Kysely, type Selectable } from 'kysely';
import type { Scope, SimulatedOutcome } from '../core/index.ts';
import type {
  DeliveryStatus,
  EmailVerificationStore,
  NewOutboxMessage,
  OutboxFilter,
  OutboxKind,
  OutboxMessage,
  OutboxStore,
  SendActivity,
} from '../app/send-ports.ts';
import type { Database, OutboxMessagesTable } from './schema.ts';

/** Errors from relays can be long (whole SMTP transcripts); the stored one is for humans. */
const MAX_ERROR = 1000;

const MINUTE_MS = 60_000;

function toMessage(row: Selectable<OutboxMessagesTable>): OutboxMessage {
  return {
    messageId: row.message_id,
    scope: { accountId: row.account_id, region: row.region },
    kind: row.kind as OutboxKind,
    source: row.source,
    envelopeFrom: row.envelope_from,
    recipients: JSON.parse(row.recipients) as string[],
    simulated: row.simulated === null ? [] : (JSON.parse(row.simulated) as SimulatedOutcome[]),
    subject: row.subject,
    simple: row.simple_parts === null ? null : JSON.parse(row.simple_parts),
    tags: JSON.parse(row.tags) as { name: string; value: string }[],
    raw: Buffer.from(row.raw_base64, 'base64'),
    signature: row.signing_domain !== null && row.selector !== null ? { domain: row.signing_domain, selector: row.selector } : null,
    unsignedReason: row.unsigned_reason,
    // pg returns bigint columns as strings: every time goes through Number().
    createdAt: Number(row.created_at),
    delivery: {
      status: row.delivery_status as DeliveryStatus,
      attempts: Number(row.attempts),
      nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
      lastError: row.last_error,
      deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
    },
  };
}

/** The outbox over Kysely (any engine), on the same database as the main store. */
export class KyselyOutboxStore implements OutboxStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async add(m: NewOutboxMessage): Promise<void> {
    // Every message counts against the quota, Signet's verification mail included (issue 14);
    // mailbox simulator recipients do not (SES: they "don't affect your daily sending limits").
    // Migration 0020's trigger adds it to its minute's counts in the same statement.
    await this.#db
      .insertInto('outbox_messages')
      .values({
        message_id: m.messageId,
        account_id: m.scope.accountId,
        region: m.scope.region,
        kind: m.kind,
        source: m.source,
        envelope_from: m.envelopeFrom,
        recipients: JSON.stringify(m.recipients),
        simulated: m.simulated.length === 0 ? null : JSON.stringify(m.simulated),
        recipient_count: m.recipients.length - m.simulated.length,
        subject: m.subject,
        simple_parts: m.simple === null ? null : JSON.stringify(m.simple),
        tags: JSON.stringify(m.tags),
        raw_base64: m.raw.toString('base64'),
        signing_domain: m.signature?.domain ?? null,
        selector: m.signature?.selector ?? null,
        unsigned_reason: m.unsignedReason,
        created_at: m.createdAt,
        hidden: 0,
        delivery_status: m.delivery,
        attempts: 0,
        next_attempt_at: m.delivery === 'pending' ? m.createdAt : null,
        last_error: null,
        delivered_at: null,
      })
      .execute();
  }

  #filtered(filter: OutboxFilter) {
    let q = this.#db.selectFrom('outbox_messages').where('hidden', '=', 0);
    if (filter.scope) q = q.where('account_id', '=', filter.scope.accountId).where('region', '=', filter.scope.region);
    if (filter.messageId !== undefined) q = q.where('message_id', '=', filter.messageId);
    if (filter.source !== undefined) q = q.where('source', '=', filter.source);
    return q;
  }

  async list(filter: OutboxFilter): Promise<OutboxMessage[]> {
    let q = this.#filtered(filter).selectAll().orderBy('id');
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return (await q.execute()).map(toMessage);
  }

  async get(messageId: string): Promise<OutboxMessage | null> {
    const row = await this.#db.selectFrom('outbox_messages').selectAll().where('message_id', '=', messageId).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async hide(filter: OutboxFilter): Promise<number> {
    let q = this.#db.updateTable('outbox_messages').set({ hidden: 1 }).where('hidden', '=', 0);
    if (filter.scope) q = q.where('account_id', '=', filter.scope.accountId).where('region', '=', filter.scope.region);
    if (filter.messageId !== undefined) q = q.where('message_id', '=', filter.messageId);
    if (filter.source !== undefined) q = q.where('source', '=', filter.source);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async countRecipientsSince(scope: Scope, since: number): Promise<number> {
    // The minutes wholly after `since` from the per-minute counts (migration 0020), and the minute it
    // falls in from its messages: the sum over every message after `since`, in at most 1,441 count
    // rows and one minute's messages for the quota's day, instead of a row read per message of it.
    const first = Math.floor(since / MINUTE_MS);
    const whole = await this.#db
      .selectFrom('outbox_counts_by_minute')
      .select((eb) => eb.fn.sum<number | string | null>('recipients').as('total'))
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('minute', '>', first)
      .executeTakeFirst();
    const part = await this.#db
      .selectFrom('outbox_messages')
      .select((eb) => eb.fn.sum<number | string | null>('recipient_count').as('total'))
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('created_at', '>', since)
      .where('created_at', '<', (first + 1) * MINUTE_MS)
      .executeTakeFirst();
    return Number(whole?.total ?? 0) + Number(part?.total ?? 0);
  }

  async sendActivity(scope: Scope, since: number, intervalMs: number): Promise<SendActivity[]> {
    // From the per-minute counts (migration 0020), which hold whole minutes only: GetSendStatistics asks
    // for 15-minute intervals from the start of one.
    if (since % MINUTE_MS !== 0 || intervalMs % MINUTE_MS !== 0 || intervalMs <= 0) {
      throw new RangeError(`sendActivity counts whole minutes: since ${since}, interval ${intervalMs} ms`);
    }
    // Integer division on both engines (bigint by an integer literal on PostgreSQL); the literal spares
    // PostgreSQL a guess at a parameter's type.
    const interval = sql<number>`minute / ${sql.lit(intervalMs / MINUTE_MS)}`;
    const rows = await this.#db
      .selectFrom('outbox_counts_by_minute')
      .select((eb) => [interval.as('interval'), eb.fn.sum<number | string>('attempts').as('attempts'), eb.fn.sum<number | string>('failed').as('failed')])
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('minute', '>=', since / MINUTE_MS)
      .groupBy(interval)
      // An interval appears when the account sent in it (its own mail, not Signet's verification mail),
      // even to the mailbox simulator alone (no attempt counted).
      .having((eb) => eb.fn.sum('messages'), '>', 0)
      .orderBy(interval)
      .execute();
    return rows.map((r) => ({
      start: Number(r.interval) * intervalMs,
      deliveryAttempts: Number(r.attempts),
      failedRecipients: Number(r.failed),
    }));
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    const due = await this.#db
      .selectFrom('outbox_messages')
      .select(['id', 'next_attempt_at'])
      .where('delivery_status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    const claimed: OutboxMessage[] = [];
    for (const row of due) {
      // A conditional update per row: of two workers that saw the same row, one changes it and the
      // other updates nothing (PostgreSQL re-checks the WHERE after the first commits; SQLite has one
      // writer), so a message is never delivered twice at the same time.
      const result = await this.#db
        .updateTable('outbox_messages')
        .set({ next_attempt_at: now + leaseMs })
        .where('id', '=', row.id)
        .where('delivery_status', '=', 'pending')
        .where('next_attempt_at', '=', row.next_attempt_at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) continue;
      const full = await this.#db.selectFrom('outbox_messages').selectAll().where('id', '=', row.id).executeTakeFirst();
      if (full) claimed.push(toMessage(full));
    }
    return claimed;
  }

  async markDelivered(messageId: string, now: number): Promise<void> {
    await this.#db
      .updateTable('outbox_messages')
      .set((eb) => ({ delivery_status: 'delivered', delivered_at: now, next_attempt_at: null, last_error: null, attempts: eb('attempts', '+', 1) }))
      .where('message_id', '=', messageId)
      .execute();
  }

  async markAttemptFailed(messageId: string, error: string, nextAttemptAt: number | null): Promise<void> {
    // Given up: migration 0020's trigger adds its recipients to its minute's bounces.
    await this.#db
      .updateTable('outbox_messages')
      .set((eb) => ({
        delivery_status: nextAttemptAt === null ? 'failed' : 'pending',
        next_attempt_at: nextAttemptAt,
        last_error: error.slice(0, MAX_ERROR),
        attempts: eb('attempts', '+', 1),
      }))
      .where('message_id', '=', messageId)
      .execute();
  }

  async purge(before: number): Promise<number> {
    // Messages still waiting for the relay are kept whatever their age. Found by migration 0020's
    // index on created_at: the few past the retention, not every message kept.
    const result = await this.#db.deleteFrom('outbox_messages').where('created_at', '<', before).where('delivery_status', '!=', 'pending').executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeCounts(before: number): Promise<void> {
    await this.#db
      .deleteFrom('outbox_counts_by_minute')
      .where('minute', '<', Math.floor(before / MINUTE_MS))
      .execute();
  }
}

/** Address-verification links over Kysely; also flips the address identity's status. */
export class KyselyEmailVerificationStore implements EmailVerificationStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async addToken(scope: Scope, address: string, tokenHash: string, expiresAt: number, now: number): Promise<void> {
    await this.#db
      .insertInto('email_verifications')
      .values({ token_hash: tokenHash, account_id: scope.accountId, region: scope.region, address, created_at: now, expires_at: expiresAt, used_at: null })
      .execute();
    // Asking again after the link expired starts over, as SES does: Pending until the new link is used.
    await this.#db
      .updateTable('identities')
      .set({ verification_status: 'Pending' })
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', address)
      .where('kind', '=', 'EmailAddress')
      .where('verification_status', '=', 'Failed')
      .execute();
  }

  async useToken(tokenHash: string, now: number): Promise<{ scope: Scope; address: string; status: 'Success' | 'Failed' } | null> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('email_verifications').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!row) return null;
      const scope = { accountId: row.account_id, region: row.region };
      const identity = await trx
        .selectFrom('identities')
        .select(['id', 'verification_status'])
        .where('account_id', '=', row.account_id)
        .where('region', '=', row.region)
        .where('name', '=', row.address)
        .where('kind', '=', 'EmailAddress')
        .executeTakeFirst();
      if (!identity) return null; // the address was deleted since
      if (identity.verification_status === 'Success') return { scope, address: row.address, status: 'Success' as const };
      // SES: the link works for 24 hours; after that the address is Failed until verified again.
      const status = now <= Number(row.expires_at) ? ('Success' as const) : ('Failed' as const);
      await trx.updateTable('identities').set({ verification_status: status }).where('id', '=', identity.id).execute();
      await trx.updateTable('email_verifications').set({ used_at: now }).where('token_hash', '=', tokenHash).execute();
      return { scope, address: row.address, status };
    });
  }

  async expire(now: number): Promise<number> {
    return this.#db.transaction().execute((trx) => expireEndedLinks(trx, now));
  }
}

/**
 * Marks Failed the Pending addresses whose every link has ended, in `trx` (the store's expire runs it
 * in a transaction of its own; bench/verification-links-expiry.ts in one it rolls back). Looked for among the addresses of the links that
 * ended since the last run (migration 0021's partial index holds the links not yet seen ending),
 * each one's latest expiry read by the (account, region, address) index and its identity by the
 * unique (account, region, name) key. Grouping every link ever sent (7505f2a) grew with the links of
 * all time: 1.3 s of the event loop once a minute at a million links, against 4 to 5 ms now with 100
 * addresses to fail (bench/verification-links-expiry.ts); asked from the identities' side (before
 * 7505f2a) it read every identity: 136 ms at a million domains (bench/address-expiry.ts). A link
 * still works at its expiry instant (useToken: now <= expires_at): only links that ended before
 * `now` count as ended, and only those are marked seen, in the same transaction.
 */
export async function expireEndedLinks(trx: Kysely<Database>, now: number): Promise<number> {
  const result = await trx
    .updateTable('identities')
    .set({ verification_status: 'Failed' })
    .where('kind', '=', 'EmailAddress')
    .where('verification_status', '=', 'Pending')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('email_verifications as e')
        .select((eb) =>
          eb
            .selectFrom('identities as i')
            .select('i.id')
            .whereRef('i.account_id', '=', 'e.account_id')
            .whereRef('i.region', '=', 'e.region')
            .whereRef('i.name', '=', 'e.address')
            .as('id'),
        )
        // A literal, not a parameter: SQLite uses a partial index only for a WHERE it can see implies the index's.
        .where('e.expiry_handled', '=', sql.lit(0))
        .where('e.expires_at', '<', now)
        .groupBy(['e.account_id', 'e.region', 'e.address'])
        .having(
          (eb) =>
            eb
              .selectFrom('email_verifications as v')
              .select((eb) => eb.fn.max('v.expires_at').as('latest'))
              .whereRef('v.account_id', '=', 'e.account_id')
              .whereRef('v.region', '=', 'e.region')
              .whereRef('v.address', '=', 'e.address'),
          '<',
          now,
        ),
    )
    .executeTakeFirst();
  await trx.updateTable('email_verifications').set({ expiry_handled: 1 }).where('expiry_handled', '=', sql.lit(0)).where('expires_at', '<', now).execute();
  return Number(result.numUpdatedRows);
}
