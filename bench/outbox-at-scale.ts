/**
 * What the outbox's recurring reads cost once a platform has sent for a while (issue 17: how each
 * cost grows), on a SQLite store of this build filled with `--per-day` messages a day for `--days`
 * days (the default retention is 7) in one account and region, each with a body of `--body-bytes`:
 *
 * - the daily quota's count (SentLast24Hours), read by every send: the store's countRecipientsSince
 *   (the per-minute counts of migration 0020, and the first minute's messages) against the statement
 *   before it, a sum over every message of the last 24 hours;
 * - GetSendStatistics: the store's sendActivity over two weeks by 15 minutes (the same counts)
 *   against the statement before, a sum over every message kept by interval;
 * - the relay worker's purge, once a minute: the store's purge with nothing past the retention (what
 *   it does most minutes: find that out) against the same DELETE without migration 0020's index
 *   (`NOT INDEXED`: SQLite then reads every message, as before), in a transaction rolled back.
 *
 * Each pair runs `--runs` times alternately on the same store; prints the times, medians and ratios.
 *
 *   node --import tsx bench/outbox-at-scale.ts [--per-day 100000] [--days 7] [--body-bytes 2000] [--runs 5] [--data-dir DIR]
 *
 * Without --data-dir the store is made in a temporary directory and removed after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Scope } from '../src/core/index.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    'per-day': { type: 'string', default: '100000' },
    days: { type: 'string', default: '7' },
    'body-bytes': { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
    'data-dir': { type: 'string' },
  },
});
const PER_DAY = Number(values['per-day']);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const DAY_MS = 86_400_000;
const scope: Scope = { accountId: '111111111111', region: 'us-east-1' };
const own = values['data-dir'] === undefined;
const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'signet-outbox-bench-'));
const file = join(dataDir, SQLITE_FILE);

/** The daily quota's count before migration 0020: every message of the window read for its recipients. */
const COUNT_BEFORE = 'select sum("recipient_count") as "total" from "outbox_messages" where "account_id" = ? and "region" = ? and "created_at" > ?';
/** GetSendStatistics before migration 0020: every message kept read, grouped by 15 minutes. */
const ACTIVITY_BEFORE =
  'select created_at / 900000 as "interval", sum("recipient_count") as "attempts", sum(case when delivery_status = \'failed\' then recipient_count else 0 end) as "failed" ' +
  'from "outbox_messages" where "account_id" = ? and "region" = ? and "created_at" >= ? and "kind" <> \'verification\' group by created_at / 900000 order by created_at / 900000';
/** The purge's DELETE as it compiles, kept from the index 0020 added. */
const PURGE_BEFORE = 'delete from "outbox_messages" not indexed where "created_at" < ? and "delivery_status" != ?';

const now = Date.now();
const oldest = now - DAYS * DAY_MS;
try {
  // Migrated by the store itself, then filled directly (as a benchmark fixture: add() per message
  // would take as long as the sending did), messages spread evenly, most delivered, a few failed;
  // migration 0020's trigger keeps the per-minute counts as the store's own inserts do.
  await (await openSqliteStorage(file)).close();
  const db = new BetterSqlite3(file);
  const total = PER_DAY * DAYS;
  const started = performance.now();
  try {
    const body = Buffer.alloc(Number(values['body-bytes']), 'x').toString('base64');
    const insert = db.prepare(
      `insert into outbox_messages (message_id, account_id, region, kind, source, envelope_from, recipients, recipient_count, subject, tags, raw_base64, created_at, hidden, delivery_status, attempts)
       values (?, ?, ?, 'email', 's@example.com', 's@example.com', '["r@dest.example"]', 1, 'x', '[]', ?, ?, 0, ?, 1)`,
    );
    const step = (DAYS * DAY_MS) / total;
    for (let from = 0; from < total; from += 50_000) {
      db.exec('BEGIN');
      for (let i = from; i < Math.min(total, from + 50_000); i++) {
        insert.run(`bench-${i}`, scope.accountId, scope.region, body, Math.floor(oldest + 1 + i * step), i % 50 === 0 ? 'failed' : 'delivered');
      }
      db.exec('COMMIT');
    }
  } finally {
    db.close();
  }
  console.log(
    `${total.toLocaleString('en-US')} messages over ${DAYS} days (${PER_DAY.toLocaleString('en-US')} a day), made in ${fmt((performance.now() - started) / 1000, 1)} s`,
  );

  const storage = await openSqliteStorage(file);
  const reference = new BetterSqlite3(file);
  reference.pragma('busy_timeout = 5000');
  const count = { current: [] as number[], before: [] as number[] };
  const activity = { current: [] as number[], before: [] as number[] };
  const purge = { current: [] as number[], before: [] as number[] };
  try {
    const since = now - DAY_MS;
    for (let run = 0; run < RUNS; run++) {
      let t = performance.now();
      const counted = await storage.outbox.countRecipientsSince(scope, since);
      count.current.push(performance.now() - t);
      t = performance.now();
      const row = reference.prepare(COUNT_BEFORE).get(scope.accountId, scope.region, since) as { total: number };
      count.before.push(performance.now() - t);
      if (counted !== row.total) throw new Error(`the counts differ: ${counted} against ${row.total}`);

      const quarter = 15 * 60_000;
      const from = Math.floor((now - 14 * DAY_MS) / quarter) * quarter;
      t = performance.now();
      const points = await storage.outbox.sendActivity(scope, from, quarter);
      activity.current.push(performance.now() - t);
      t = performance.now();
      const rows = reference.prepare(ACTIVITY_BEFORE).all(scope.accountId, scope.region, from) as { interval: number; attempts: number; failed: number }[];
      activity.before.push(performance.now() - t);
      const same =
        rows.length === points.length &&
        rows.every(
          (r, k) => r.interval * quarter === points[k]!.start && r.attempts === points[k]!.deliveryAttempts && r.failed === points[k]!.failedRecipients,
        );
      if (!same) throw new Error(`the intervals differ: ${points.length} against ${rows.length}`);

      // Nothing is past the retention (the oldest message is just inside it).
      t = performance.now();
      const purged = await storage.outbox.purge(oldest);
      purge.current.push(performance.now() - t);
      if (purged !== 0) throw new Error(`purge deleted ${purged} messages`);
      reference.exec('BEGIN IMMEDIATE');
      try {
        t = performance.now();
        const result = reference.prepare(PURGE_BEFORE).run(oldest, 'pending');
        purge.before.push(performance.now() - t);
        if (result.changes !== 0) throw new Error(`the reference purge deleted ${result.changes} messages`);
      } finally {
        reference.exec('ROLLBACK');
      }
    }
  } finally {
    reference.close();
    await storage.close();
  }
  const list = (ms: number[]) => ms.map((m) => fmt(m, 3)).join(', ');
  const report = (name: string, pair: { current: number[]; before: number[] }, before: string) => {
    console.log(`${name} (this build): ${list(pair.current)} ms; median ${fmt(median(pair.current), 3)} ms`);
    console.log(`${before}: ${list(pair.before)} ms; median ${fmt(median(pair.before), 3)} ms`);
    console.log(`  ratio (before / this build): ${fmt(median(pair.before) / median(pair.current), 1)}x`);
  };
  console.log(`${RUNS} runs each, alternated:`);
  report('SentLast24Hours, countRecipientsSince', count, 'the sum over every message of the day (before 0020)');
  report('GetSendStatistics, sendActivity', activity, 'every message kept by 15 minutes (before 0020)');
  report('outbox purge, nothing past the retention', purge, 'the same DELETE reading every message (before 0020)');
} finally {
  if (own) rmSync(dataDir, { recursive: true, force: true });
}
