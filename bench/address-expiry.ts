/**
 * What the relay worker's once-a-minute expiry of address verifications costs the event loop on a large
 * store (issue 17): the store's own `verifications.expire` (src/storage/kysely-outbox-store.ts, through
 * Kysely, as the worker runs it), against the statement it replaced (commit 7505f2a; it read every
 * identity), each run `--runs` times alternately on the same SQLite store. Prints each one's times, the
 * medians and their ratio.
 *
 *   node --import tsx bench/address-expiry.ts --data-dir DIR [--runs 5]
 *
 * DIR: a store bench/scale.ts seeded (`--seed-only`). It has no address identities, so neither
 * statement changes a row (what is timed is finding that out); the store's call checks it changed
 * none, and the reference runs in a transaction that is rolled back.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { seededSqliteStore } from './seeded-store.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, runs: { type: 'string', default: '5' } } });
const store = seededSqliteStore(values['data-dir'], 'needs --data-dir DIR (a SQLite store seeded by bench/scale.ts --seed-only)');
const RUNS = Number(values.runs);
const file = join(store.dataDir, SQLITE_FILE);

/** The expiry before 7505f2a: every Pending address identity checked with two correlated EXISTS. */
const BEFORE =
  'update "identities" set "verification_status" = ? where "kind" = ? and "verification_status" = ? ' +
  'and exists (select "v"."token_hash" from "email_verifications" as "v" where "v"."account_id" = "identities"."account_id" and "v"."region" = "identities"."region" and "v"."address" = "identities"."name") ' +
  'and not exists (select "v"."token_hash" from "email_verifications" as "v" where "v"."account_id" = "identities"."account_id" and "v"."region" = "identities"."region" and "v"."address" = "identities"."name" and "v"."expires_at" >= ?)';

const storage = await openSqliteStorage(file);
const reference = new BetterSqlite3(file);
reference.pragma('busy_timeout = 5000');
const now = Date.now();
const current: number[] = [];
const before: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // The store's own, as the relay worker calls it (not in a transaction of ours: Kysely's own
    // connection); it must change nothing on a seeded store, which is checked.
    let started = performance.now();
    const changed = await storage.verifications.expire(now);
    current.push(performance.now() - started);
    if (changed !== 0) throw new Error(`expire changed ${changed} identities: use a store seeded by bench/scale.ts, which has no address identities`);
    reference.exec('BEGIN IMMEDIATE');
    try {
      started = performance.now();
      reference.prepare(BEFORE).run('Failed', 'EmailAddress', 'Pending', now);
      before.push(performance.now() - started);
    } finally {
      reference.exec('ROLLBACK');
    }
  }
} finally {
  reference.close();
  await storage.close();
}
const list = (ms: number[]) => ms.map((m) => fmt(m, 3)).join(', ');
console.log(`${store.domains} domains, ${RUNS} runs each, alternated:`);
console.log(`verifications.expire (this build): ${list(current)} ms; median ${fmt(median(current), 3)} ms`);
console.log(`the statement before 7505f2a:      ${list(before)} ms; median ${fmt(median(before), 3)} ms`);
console.log(`ratio (before / this build): ${fmt(median(before) / median(current), 0)}x`);
