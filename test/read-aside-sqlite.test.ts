/**
 * SQLite's scans of every identity run aside (ReadAside, issue 17): `/metrics`' counts read on the
 * store's own connection stopped the event loop, and with it the DNS answers and API requests, for
 * 1.6 s a scrape at a million identities. They now run in a thread of their own, with its own
 * read-only connection.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import { openStorage, SQLITE_FILE } from '../src/storage/open-storage.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { readAsideThread } from '../src/storage/sqlite/read-aside-thread.ts';
import { writeDomainIdentities } from './helpers/raw-identities.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** A query that keeps SQLite busy for a while (hundreds of ms here for a few million rows) and returns one row. */
const busy = (rows: number) =>
  CompiledQuery.raw(`with recursive c(x) as (select 1 union all select x + 1 from c where x < ?) select count(*) as n from c`, [rows]);

/** How many times a 5 ms interval ran while `work` was under way: none when the event loop was held. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const result = await work();
    return { result, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('SQLite: reads aside, in a thread of their own', () => {
  const dir = tempDir('read-aside');
  after(() => dir.remove());
  const file = join(dir.path, 'aside.db');
  const setup = new BetterSqlite3(file);
  setup.pragma('journal_mode = WAL');
  setup.exec('create table t (v integer); insert into t values (1), (2), (3)');
  setup.close();

  it('answers each query with its rows, in order, and their time, while the event loop goes on', async () => {
    const aside = readAsideThread({ file, busyMs: 1000 });
    try {
      const { result, ticks } = await ticksDuring(() =>
        aside.read([CompiledQuery.raw('select v from t where v >= ? order by v', [2]), busy(3_000_000), CompiledQuery.raw('select count(*) as n from t')]),
      );
      assert.deepEqual(result.rows, [[{ v: 2 }, { v: 3 }], [{ n: 3_000_000 }], [{ n: 3 }]]);
      assert.ok(result.ms > 0);
      // The same scan on the event loop's own connection would let no tick run until it ended.
      assert.ok(ticks >= 3, `the event loop ran ${ticks} times during the read aside`);
    } finally {
      await aside.close();
    }
  });

  it('fails a read whose SQL fails, or whose store cannot be opened, with the cause', async () => {
    const aside = readAsideThread({ file, busyMs: 1000 });
    await assert.rejects(aside.read([CompiledQuery.raw('select * from missing_table')]), /failed \(.*no such table: missing_table/);
    const nowhere = readAsideThread({ file: join(dir.path, 'absent.db'), busyMs: 1000 });
    await assert.rejects(nowhere.read([CompiledQuery.raw('select 1')]), /failed \(.*(unable to open|SQLITE_CANTOPEN)/);
    await aside.close();
  });

  it('fails a read at its time limit, and none beside it until its query ends', async () => {
    // Past the thread's start, inside a query of a second or more.
    const slow = readAsideThread({ file, busyMs: 1000, timeoutMs: 300 });
    const started = performance.now();
    await assert.rejects(slow.read([busy(6_000_000)]), /took more than 300 ms/);
    assert.ok(performance.now() - started < 1000, 'failed at its limit, not at the end of its query');
    // Its thread lives until its query ends (SQLite cannot be stopped inside a call): no second one meanwhile.
    await assert.rejects(slow.read([CompiledQuery.raw('select 1')]), /still running past its time limit/);
    await slow.close();
    assert.deepEqual((await readAsideThread({ file, busyMs: 1000 }).read([CompiledQuery.raw('select 1 as one')])).rows, [[{ one: 1 }]]);
  });

  it('closes after the queries under way have ended, and reads no more', async () => {
    const closing = readAsideThread({ file, busyMs: 1000 });
    const underWay = closing.read([busy(5_000_000)]);
    const outcome = underWay.then(
      () => 'answered',
      (err: Error) => err.message,
    );
    // Well inside its query by now (a thread starts in tens of ms; the query takes hundreds).
    await new Promise((resolve) => setTimeout(resolve, 150));
    let closed = false;
    await closing.close().then(() => (closed = true));
    assert.ok(closed);
    // The thread was gone when close() settled: its read had settled too (answered if it had posted, else failed).
    assert.match(await Promise.race([outcome, Promise.resolve('still pending')]), /answered|ended without an answer/);
    await assert.rejects(closing.read([CompiledQuery.raw('select 1')]), /the store is closed/);
  });

  it("the detection store's overview: counted aside, right, while the event loop goes on", async () => {
    const dataDir = join(dir.path, 'store');
    const storage = await openStorage({ databaseUrl: null, dataDir });
    try {
      // 300,000 domain identities: enough for the counts to take a while.
      writeDomainIdentities(join(dataDir, SQLITE_FILE), { count: 300_000, status: "case when x % 10 = 0 then 'Pending' else 'Success' end" });
      const raw = new BetterSqlite3(join(dataDir, SQLITE_FILE));
      // Every hundredth one due long ago and held by no worker: overdue.
      raw
        .prepare(
          `insert into detection_checks (identity_id, dkim_started_at, dkim_status_seen, next_check_at)
           select id, 0, dkim_status, 0 from identities where id % 100 = 0`,
        )
        .run();
      raw.close();
      const { result, ticks } = await ticksDuring(() => storage.detection.overview(Date.now(), 300_000));
      assert.deepEqual(
        [...result.dkim].sort((a, b) => a.status.localeCompare(b.status)),
        [
          { status: 'Pending', count: 30_000 },
          { status: 'Success', count: 270_000 },
        ],
      );
      assert.deepEqual(
        [...result.verification].sort((a, b) => a.status.localeCompare(b.status)),
        [
          { kind: 'Domain', status: 'Pending', count: 30_000 },
          { kind: 'Domain', status: 'Success', count: 270_000 },
        ],
      );
      assert.equal(result.overdue, 3000);
      assert.ok(result.readMs > 0);
      // On the store's connection (before this change) the loop did not run at all during the counts.
      assert.ok(ticks >= 3, `the event loop ran ${ticks} times during the overview`);
    } finally {
      await storage.close();
    }
  });
});
