import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.ts';

/**
 * What detection's claims do each engine's way, chosen by strategy rather than by
 * `if (dialect === ...)`. A claim is a lease (`claimed_until`) written in a transaction; what keeps
 * two workers from writing a lease on the same row at once differs:
 * - SQLite has one writer: a transaction that takes the write lock first (BEGIN IMMEDIATE) owns every
 *   row it reads until it commits, in this process and in any other on the same file.
 * - PostgreSQL lets transactions run side by side: the select that picks rows must lock them
 *   (`FOR UPDATE SKIP LOCKED`, so that a second node takes the next rows instead of waiting).
 * In both, the lease outlives the transaction: a worker that dies leaves rows whose lease expires.
 */
export interface DetectionEngine {
  /** Runs `work` as one transaction that writes; it commits when `work` resolves, rolls back when it throws. */
  writeTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Locks the rows a claim picks, for the rest of the transaction. */
  lockPicked<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
}

/** How long a claim waits for another process's write lock before it gives up (the worker tries again later). */
const SQLITE_LOCK_PATIENCE_MS = 10_000;

/**
 * SQLite: BEGIN IMMEDIATE takes the write lock before the first read (sqlite.org/lang_transaction.html),
 * so what the claim reads cannot change under it, and it never has to upgrade a read snapshot that
 * another process made stale (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out). Kysely's
 * SQLite driver lends its one connection to one user at a time, so the store's other work in this
 * process waits for the commit too.
 *
 * While another connection holds the lock, BEGIN IMMEDIATE is retried after asynchronous pauses with
 * the busy timeout off, rather than waited for synchronously: a synchronous wait would stop this
 * process's event loop (its DNS answers, and a second connection in the same process that may be the
 * one holding the lock between two awaits) for as long as the lock is held.
 */
export const sqliteDetectionEngine: DetectionEngine = {
  async writeTransaction(db, work) {
    return db.connection().execute(async (conn) => {
      await beginImmediate(conn);
      let result;
      try {
        result = await work(conn);
      } catch (err) {
        await sql`ROLLBACK`.execute(conn);
        throw err;
      }
      await sql`COMMIT`.execute(conn);
      return result;
    });
  },
  lockPicked: (query) => query,
};

async function beginImmediate(conn: Kysely<Database>): Promise<void> {
  const saved = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(conn);
  const timeout = Number(saved.rows[0]?.timeout ?? 0);
  await sql`PRAGMA busy_timeout = 0`.execute(conn);
  try {
    const deadline = Date.now() + SQLITE_LOCK_PATIENCE_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      try {
        await sql`BEGIN IMMEDIATE`.execute(conn);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
        await sleep(pause);
      }
    }
  } finally {
    await sql`PRAGMA busy_timeout = ${sql.lit(timeout)}`.execute(conn);
  }
}

/**
 * PostgreSQL (READ COMMITTED): the picked rows are locked with FOR UPDATE SKIP LOCKED, so concurrent
 * claims from other nodes skip them rather than wait, and each row's lease is written by one claim.
 */
export const postgresDetectionEngine: DetectionEngine = {
  writeTransaction: (db, work) => db.transaction().execute(work),
  lockPicked: (query) => query.forUpdate().skipLocked(),
};
