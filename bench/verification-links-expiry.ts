/**
 * The relay worker's once-a-minute expiry of address verifications once many links have been sent
 * (issue 17: how each cost grows). Links are kept, so their table grows with every VerifyEmailIdentity:
 * a store of this build is filled with `--links` addresses, each with a link that ended long ago and
 * whose end the expiry has seen (most addresses verified, some Failed), and `--pending` addresses whose
 * links end now. The store's `verifications.expire` (migration 0021: the links that ended since the last
 * run) is timed against the statement of 7505f2a (every link grouped by address), each `--runs` times
 * alternately, both in transactions rolled back so that each run finds the same work.
 *
 *   node --import tsx bench/verification-links-expiry.ts [--links 1000000] [--pending 100] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, SqliteDialect } from 'kysely';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { expireEndedLinks } from '../src/storage/kysely-outbox-store.ts';
import type { Database } from '../src/storage/schema.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: { links: { type: 'string', default: '1000000' }, pending: { type: 'string', default: '100' }, runs: { type: 'string', default: '5' } },
});
const LINKS = Number(values.links);
const PENDING = Number(values.pending);
const RUNS = Number(values.runs);
const ACCOUNT = '111111111111';
const REGION = 'us-east-1';

/** The expiry of 7505f2a: every link grouped by address, the latest expiry of each compared with now. */
const BEFORE =
  'update "identities" set "verification_status" = ? where "kind" = ? and "verification_status" = ? and "id" in (select (select "i"."id" from "identities" as "i" where "i"."account_id" = "v"."account_id" and "i"."region" = "v"."region" and "i"."name" = "v"."address") as "id" from "email_verifications" as "v" group by "v"."account_id", "v"."region", "v"."address" having max("v"."expires_at") < ?)';

/** Thrown to roll a timed transaction back. */
class RolledBack extends Error {}

const dataDir = mkdtempSync(join(tmpdir(), 'signet-links-bench-'));
const file = join(dataDir, SQLITE_FILE);
try {
  await (await openSqliteStorage(file)).close();
  const db = new BetterSqlite3(file);
  const now = Date.now();
  const started = performance.now();
  try {
    const identity = db.prepare(
      "insert into identities (account_id, region, name, kind, verification_status, dkim_enabled, dkim_status, created_at) values (?, ?, ?, 'EmailAddress', ?, 0, 'NotStarted', 1)",
    );
    const link = db.prepare(
      'insert into email_verifications (token_hash, account_id, region, address, created_at, expires_at, used_at, expiry_handled) values (?, ?, ?, ?, ?, ?, null, ?)',
    );
    const total = LINKS + PENDING;
    for (let from = 0; from < total; from += 50_000) {
      db.exec('BEGIN');
      for (let n = from; n < Math.min(total, from + 50_000); n++) {
        const address = `a${n}@example.com`;
        const old = n < LINKS;
        identity.run(ACCOUNT, REGION, address, old ? (n % 10 === 0 ? 'Failed' : 'Success') : 'Pending');
        // Old links ended days ago and were seen ending; the pending ones end a second before `now`.
        link.run(`h${n}`, ACCOUNT, REGION, address, old ? now - 10 * 86_400_000 : now - 86_401_000, old ? now - 9 * 86_400_000 : now - 1000, old ? 1 : 0);
      }
      db.exec('COMMIT');
    }
  } finally {
    db.close();
  }
  console.log(`${LINKS.toLocaleString('en-US')} links seen ending and ${PENDING} ending now, made in ${fmt((performance.now() - started) / 1000, 1)} s`);

  // Both on one connection of their own, each in a transaction rolled back: the store's expiry is the
  // body of its expire (expireEndedLinks), through Kysely as the store runs it.
  const raw = new BetterSqlite3(file);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw as never }) });
  const current: number[] = [];
  const before: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      await kysely
        .transaction()
        .execute(async (trx) => {
          const t = performance.now();
          const failed = await expireEndedLinks(trx, now);
          current.push(performance.now() - t);
          if (failed !== PENDING) throw new Error(`expire failed ${failed} addresses, not ${PENDING}`);
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      raw.exec('BEGIN IMMEDIATE');
      try {
        const t = performance.now();
        const result = raw.prepare(BEFORE).run('Failed', 'EmailAddress', 'Pending', now);
        before.push(performance.now() - t);
        if (result.changes !== PENDING) throw new Error(`the statement before failed ${result.changes} addresses, not ${PENDING}`);
      } finally {
        raw.exec('ROLLBACK');
      }
    }
  } finally {
    await kysely.destroy();
  }
  const list = (ms: number[]) => ms.map((m) => fmt(m, 3)).join(', ');
  console.log(`${RUNS} runs each, alternated, each failing the ${PENDING} addresses whose links just ended:`);
  console.log(`verifications.expire (this build):   ${list(current)} ms; median ${fmt(median(current), 3)} ms`);
  console.log(`the statement of 7505f2a (all links): ${list(before)} ms; median ${fmt(median(before), 3)} ms`);
  console.log(`ratio (before / this build): ${fmt(median(before) / median(current), 1)}x`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
