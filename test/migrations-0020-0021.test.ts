/**
 * Migrations 0020 and 0021 on a store that has sent before, on both engines. 0020 fills the
 * per-minute counts from the messages a store already keeps, so that the daily quota
 * (countRecipientsSince) and GetSendStatistics do not restart at the upgrade; 0021 leaves the links
 * sent before unmarked, so that the first expiry sees them. The store is made as 0019 left it (both
 * undone: 0020's triggers, table and indexes, 0021's column and index, their records); messages, an
 * address and its ended link written then; the store opened again.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { Scope } from '../src/core/index.ts';
import { openStorage, SQLITE_FILE } from '../src/storage/open-storage.ts';
import { openPostgresStorage } from '../src/storage/postgres/open-postgres-store.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import type { Storage } from '../src/storage/storage.ts';
import { newOutboxMessage } from './helpers/new-outbox-message.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';
import { tempDir } from './helpers/temp-dir.ts';

const MINUTE = 60_000;
const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
const B: Scope = { accountId: '222222222222', region: 'us-east-1' };
/** Migrations 0020 and 0021 undone, newest first: their triggers, tables, columns and indexes dropped, their records deleted. */
const undo0020 = (onTable: string) => [
  'DROP INDEX email_verifications_expiry_unhandled',
  'ALTER TABLE email_verifications DROP COLUMN expiry_handled',
  "DELETE FROM kysely_migration WHERE name = '0021-verification-expiry-handled'",
  `DROP TRIGGER outbox_counts_insert${onTable}`,
  `DROP TRIGGER outbox_counts_failed${onTable}`,
  'DROP TABLE outbox_counts_by_minute',
  'DROP INDEX outbox_created',
  "DELETE FROM kysely_migration WHERE name = '0020-outbox-counts-by-minute'",
];

/**
 * Messages over three hours in two accounts, several to a minute: [scope, minute offset in ms,
 * recipients]; every fifth is verification mail and every seventh failed (kind and status by index).
 */
const MESSAGES: [Scope, number, number][] = Array.from({ length: 60 }, (_, i) => [
  i % 4 === 0 ? B : A,
  ((i * 37) % 180) * MINUTE + ((i * 7919) % MINUTE),
  (i % 3) + 1,
]);

const kindOf = (i: number) => (i % 5 === 0 ? 'verification' : 'email');
const statusOf = (i: number) => (i % 7 === 0 ? 'failed' : 'none');

/** Writes the messages into a store whose schema is 0019's, reopens it (0020 runs), and checks the counts. */
async function checkFilled(open: () => Promise<Storage>, undo: (statements: readonly string[]) => Promise<void>, undoing: readonly string[]): Promise<void> {
  const start = 1_700_000_000_000;
  await (await open()).close();
  // Written as a store before 0020 kept them: the messages alone, no counts; and an address whose
  // one link ended before 0021.
  await undo([
    ...undoing,
    `INSERT INTO identities (account_id, region, name, kind, verification_status, dkim_enabled, dkim_status, created_at)
     VALUES ('${A.accountId}', '${A.region}', 'old-link@example.com', 'EmailAddress', 'Pending', 0, 'NotStarted', 1)`,
    `INSERT INTO email_verifications (token_hash, account_id, region, address, created_at, expires_at, used_at)
     VALUES ('old', '${A.accountId}', '${A.region}', 'old-link@example.com', 1, 2, NULL)`,
    ...MESSAGES.map(
      ([scope, offset, recipients], i) =>
        `INSERT INTO outbox_messages (message_id, account_id, region, kind, source, envelope_from, recipients, recipient_count, subject, tags, raw_base64, created_at, hidden, delivery_status, attempts)
         VALUES ('m${i}', '${scope.accountId}', '${scope.region}', '${kindOf(i)}', 's@example.com', 's@example.com', '[]', ${recipients}, 'x', '[]', 'eA==', ${start + offset}, 0, '${statusOf(i)}', 0)`,
    ),
  ]);
  const storage = await open();
  try {
    const expected = (scope: Scope, since: number) =>
      MESSAGES.filter(([s, offset]) => s.accountId === scope.accountId && start + offset > since).reduce((sum, [, , n]) => sum + n, 0);
    for (const since of [0, start, start + 30 * MINUTE - 1, start + 30 * MINUTE + 12_345, start + 179 * MINUTE]) {
      assert.equal(await storage.outbox.countRecipientsSince(A, since), expected(A, since), `A since ${since}`);
      assert.equal(await storage.outbox.countRecipientsSince(B, since), expected(B, since), `B since ${since}`);
    }
    // The link sent before 0021 is seen ending by the first expiry.
    assert.equal(await storage.verifications.expire(start), 1);
    assert.equal((await storage.store.getIdentities(A, ['old-link@example.com'])).get('old-link@example.com')?.verificationStatus, 'Failed');
    // GetSendStatistics' 15-minute intervals, verification mail aside, failed messages' recipients.
    const QUARTER = 15 * MINUTE;
    const since = Math.floor(start / QUARTER) * QUARTER;
    for (const scope of [A, B]) {
      const points = new Map<number, { start: number; deliveryAttempts: number; failedRecipients: number }>();
      MESSAGES.forEach(([s, offset, n], i) => {
        if (s.accountId !== scope.accountId || kindOf(i) === 'verification') return;
        const at = Math.floor((start + offset) / QUARTER) * QUARTER;
        const point = points.get(at) ?? { start: at, deliveryAttempts: 0, failedRecipients: 0 };
        point.deliveryAttempts += n;
        if (statusOf(i) === 'failed') point.failedRecipients += n;
        points.set(at, point);
      });
      const wanted = [...points.values()].sort((a, b) => a.start - b.start);
      assert.ok(wanted.some((p) => p.failedRecipients > 0));
      assert.deepEqual(await storage.outbox.sendActivity(scope, since, QUARTER), wanted, scope.accountId);
    }
    // A message added after the upgrade adds to its minute's count.
    await storage.outbox.add(
      newOutboxMessage(A, { messageId: 'm1000', createdAt: start + 10 * MINUTE, recipients: Array.from({ length: 5 }, (_, r) => `r${r}@dest.example`) }),
    );
    assert.equal(await storage.outbox.countRecipientsSince(A, start + MINUTE - 1), expected(A, start + MINUTE - 1) + 5);
    // With every message purged, the sum is the counts' alone: whole for the minutes after the one
    // `since` falls in (this `since` has no message in the rest of its own minute).
    assert.equal(await storage.outbox.purge(start + 200 * MINUTE), MESSAGES.length + 1);
    assert.equal(await storage.outbox.countRecipientsSince(A, start + MINUTE - 1), expected(A, start + MINUTE - 1) + 5);
  } finally {
    await storage.close();
  }
}

describe('migrations 0020 and 0021 on SQLite', () => {
  const dir = tempDir('outbox-counts');
  after(() => dir.remove());

  it("fills the per-minute counts from the messages kept, so the daily quota's and GetSendStatistics' sums are the same, and leave old links to the expiry", async () => {
    const dataDir = join(dir.path, 'store');
    await checkFilled(
      () => openStorage({ databaseUrl: null, dataDir }),
      async (statements) => {
        const db = new BetterSqlite3(join(dataDir, SQLITE_FILE));
        try {
          for (const statement of statements) db.exec(statement);
        } finally {
          db.close();
        }
      },
      undo0020(''),
    );
  });
});

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);

describe('migrations 0020 and 0021 on PostgreSQL', { skip }, () => {
  it("fills the per-minute counts from the messages kept, so the daily quota's and GetSendStatistics' sums are the same, and leave old links to the expiry", async () => {
    const schema = freshSchema();
    await checkFilled(
      () => openPostgresStorage({ url: url!, schema, maxConnections: 2 }),
      async (statements) => {
        const client = new pg.Client({ connectionString: url!, options: `-c search_path=${schema}` });
        await client.connect();
        try {
          for (const statement of statements) await client.query(statement);
        } finally {
          await client.end();
        }
      },
      undo0020(' ON outbox_messages'),
    );
  });
});
