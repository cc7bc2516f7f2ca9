import BetterSqlite3, { type Database } from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A second connection to the embedded SQLite file, for the DNS server, the detection worker and the
 * dev sandbox. Every transaction on it is one synchronous call (better-sqlite3), so it never holds
 * SQLite's write lock across an `await`, and it never waits for the lock synchronously either:
 * `busy_timeout` is 0 and a busy database is retried after an asynchronous pause. A synchronous wait
 * would block the event loop, and with it the main store's connection in this same process, which
 * may be the one holding the lock between two awaits of a Kysely transaction: a deadlock until the
 * timeout. Reads never wait: in WAL mode readers do not block on the writer (sqlite.org/wal.html).
 */
export class SqliteSideConnection {
  readonly db: Database;

  constructor(file: string) {
    this.db = new BetterSqlite3(file, { fileMustExist: true });
    this.db.pragma('busy_timeout = 0');
    this.db.pragma('foreign_keys = ON');
    // The main store already set WAL (a persistent property of the file) and synchronous=FULL.
    this.db.pragma('synchronous = FULL');
  }

  /**
   * Runs `work` as one `BEGIN IMMEDIATE` transaction (it takes the write lock first, so what it reads
   * stays true until it commits: the single-writer path that makes claims exclusive on SQLite).
   */
  async write<T>(work: () => T, patienceMs = 10_000): Promise<T> {
    const transaction = this.db.transaction(work);
    const deadline = Date.now() + patienceMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
      try {
        return transaction.immediate();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_BUSY_SNAPSHOT') || Date.now() > deadline) throw err;
        await sleep(pause);
      }
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
