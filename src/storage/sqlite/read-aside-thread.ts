import { Worker } from 'node:worker_threads';
import type { ReadAside, ReadAsideResult, ReadAsideRows } from '../read-aside.ts';
import { betterSqlite3Location } from './better-sqlite3.ts';
import { causeOf } from './key-read-thread.ts';

/** What the thread is told: where the store and the driver are, and what to read. */
interface ThreadSetup {
  readonly driver: string;
  readonly nativeBinding: string | undefined;
  readonly file: string;
  readonly busyMs: number;
  readonly queries: ReadonlyArray<{ readonly sql: string; readonly parameters: readonly unknown[] }>;
}

/**
 * The thread's code, CommonJS, run with `eval` (no file of its own beside the bundle; see
 * keyReadThread): it opens the store read-only, runs the queries in one read transaction (one
 * snapshot: the counts agree with each other), posts their rows and ends.
 */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
let db = null;
try {
  const Database = require(workerData.driver);
  const options = { readonly: true, timeout: workerData.busyMs };
  if (workerData.nativeBinding) options.nativeBinding = workerData.nativeBinding;
  db = new Database(workerData.file, options);
  const started = performance.now();
  db.exec('BEGIN');
  const rows = workerData.queries.map((q) => db.prepare(q.sql).all(...q.parameters));
  db.exec('COMMIT');
  parentPort.postMessage({ rows, ms: performance.now() - started });
} catch (err) {
  // Told here, message and code: an uncaught SqliteError would cross to the parent as a plain
  // object with its code alone (see causeOf).
  parentPort.postMessage({ error: [err && err.message, err && err.code].filter(Boolean).join(', ') || String(err) });
} finally {
  if (db !== null) db.close();
}
`;

/** What the thread posts: the rows and the time its queries took, or why there are none. */
type ThreadReply = { readonly rows: ReadAsideRows[]; readonly ms: number } | { readonly error: string };

export interface ReadAsideThreadOptions {
  readonly file: string;
  /** How long the thread's connection waits for a lock (a WAL reader waits only while the WAL index is rebuilt). */
  readonly busyMs: number;
  /** How long the thread may take, past which it is stopped and the read fails (READ_ASIDE_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/** Long enough for a million identities' counts (1.6 s here) on a slow or busy machine; a read past it is stuck. */
export const READ_ASIDE_TIMEOUT_MS = 60_000;

/**
 * SQLite's ReadAside: each read in a thread of its own, started for it and ended after it, with its
 * own read-only connection, so that a scan of the whole store costs a thread rather than the event
 * loop. A thread is started per read because such reads are rare (a `/metrics` scrape, `signet admin
 * status`): nothing is kept between them.
 *
 * A thread cannot be stopped inside a SQLite call (terminate() stops JavaScript, not a native call):
 * a read past its limit fails at once, but its thread lives until its query ends. While one does, new
 * reads fail rather than start more threads beside it (a disk that hangs would pile them up).
 * `close` waits for the threads under way to end, so that their connections close before the
 * store's (the last connection to close checkpoints the WAL): at most one query's time (1.6 s for a
 * million identities' counts).
 */
export function readAsideThread(options: ReadAsideThreadOptions): { readonly read: ReadAside; readonly close: () => Promise<void> } {
  const running = new Set<Worker>();
  /** Threads whose read failed at its time limit and whose query has not ended yet. */
  const overdue = new Set<Worker>();
  let closed = false;
  const read: ReadAside = (queries) =>
    new Promise<ReadAsideResult>((resolve, reject) => {
      if (closed) return reject(new Error('the store is closed'));
      if (overdue.size > 0) return reject(new Error('a read of the store in a thread of its own is still running past its time limit'));
      const driver = betterSqlite3Location();
      const setup: ThreadSetup = {
        driver: driver.module,
        nativeBinding: driver.nativeBinding,
        file: options.file,
        busyMs: options.busyMs,
        queries: queries.map((q) => ({ sql: q.sql, parameters: q.parameters })),
      };
      // Its young generation small: the rows are counts, and the thread ends once they are posted.
      const thread = new Worker(THREAD_CODE, { eval: true, workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      running.add(thread);
      const timeoutMs = options.timeoutMs ?? READ_ASIDE_TIMEOUT_MS;
      let settled = false;
      const settle = (result: ReadAsideResult | null, failure: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (result !== null) resolve(result);
        else reject(failure);
      };
      const timer = setTimeout(() => {
        overdue.add(thread);
        settle(null, new Error(`a read of the store in a thread of its own took more than ${timeoutMs} ms`));
        void thread.terminate();
      }, timeoutMs);
      timer.unref();
      thread.on('message', (reply: ThreadReply) => {
        if ('rows' in reply) settle({ rows: reply.rows, ms: reply.ms }, null);
        else settle(null, new Error(`a read of the store in a thread of its own failed (${reply.error})`));
      });
      thread.on('error', (err: unknown) => settle(null, new Error(`a read of the store in a thread of its own failed (${causeOf(err)})`)));
      thread.on('exit', (code) => {
        running.delete(thread);
        overdue.delete(thread);
        settle(null, new Error(`a read of the store in a thread of its own ended without an answer (exit code ${code})`));
      });
    });
  return {
    read,
    async close() {
      closed = true;
      await Promise.all([...running].map((thread) => thread.terminate()));
    },
  };
}
