import { Worker } from 'node:worker_threads';
import { isDkimToken } from '../../core/index.ts';
import { keysByInList, type KeysByTokens } from '../kysely-dns-key-store.ts';
import { firstSlot } from '../migrations/0019-sqlite-dns-key-slots.ts';
import { betterSqlite3Location } from './better-sqlite3.ts';

type Rows = Array<{ token: string; public_key: string }>;

/** What the thread is told at start: the options, and where the driver is. */
type ThreadSetup = KeyReadThreadOptions & { readonly driver: string; readonly nativeBinding: string | undefined };

interface ReadRequest {
  readonly id: number;
  readonly tokens: readonly string[];
  /** Each token's first slot (0019's firstSlot), or null for a token not of the DKIM token's form. */
  readonly slots: ReadonlyArray<bigint | null>;
}

type ReadReply = { readonly id: number; readonly rows: Rows } | { readonly id: number; readonly error: string };

/**
 * The thread's code, CommonJS, run with `eval` so that it needs no file of its own beside the bundle
 * (dist/ is esbuild's output, and the sources run through tsx in the tests). It reads a batch of
 * tokens in one read transaction (one snapshot, and one begin and end for the batch; see
 * readOnlyKeyLookup) and answers with the rows found.
 */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const options = { readonly: true, timeout: workerData.busyMs };
if (workerData.nativeBinding) options.nativeBinding = workerData.nativeBinding;
const db = new Database(workerData.file, options);
db.pragma('cache_size = -' + workerData.cacheKib);
const bySlot = db.prepare(workerData.bySlotSql);
const byToken = db.prepare(workerData.byTokenSql);
const begin = db.prepare('BEGIN');
const commit = db.prepare('COMMIT');
parentPort.on('message', (request) => {
  const rows = [];
  try {
    begin.run();
    try {
      for (let i = 0; i < request.tokens.length; i++) {
        const token = request.tokens[i];
        const slot = request.slots[i];
        const row = slot === null ? byToken.get(token) : bySlot.get({ slot, token });
        if (row !== undefined) rows.push(row);
      }
    } finally {
      if (db.inTransaction) commit.run();
    }
  } catch (err) {
    // A transaction left open (a failed COMMIT) would fail every later BEGIN: ended here.
    try {
      if (db.inTransaction) db.exec('ROLLBACK');
    } catch {}
    parentPort.postMessage({ id: request.id, error: String(err && err.message) });
    return;
  }
  parentPort.postMessage({ id: request.id, rows });
});
`;

/**
 * What a thread's uncaught error says: its message and its code, where each came through. The error
 * crosses threads by structured clone, and a SqliteError (the driver's own class) arrives sometimes
 * as an Error with its message, sometimes as a plain object with its `code` alone (SQLITE_CANTOPEN,
 * say): both seen for the same open failure, the second on Node 20, 22 and 24 here, the first in a
 * CI run on Node 22.
 */
export function causeOf(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
  return [message, code].filter((part) => part !== '').join(', ') || String(err);
}

/** A read the thread answered with its error (the thread itself goes on). */
class ThreadReadError extends Error {}

export interface KeyReadThreadOptions {
  readonly file: string;
  readonly busyMs: number;
  readonly cacheKib: number;
  readonly bySlotSql: string;
  readonly byTokenSql: string;
  /** How long a read may take in the thread (KEY_READ_TIMEOUT_MS unless given: tests give less). */
  readonly readTimeoutMs?: number;
}

/**
 * How long a read may take in the thread. A read stalled longer (a disk that hangs) is done again on
 * the store's own connection and the thread replaced: the DNS cache's patience (1 s) only lets its
 * next read go, and that would queue behind the stalled one in the same thread.
 */
export const KEY_READ_TIMEOUT_MS = 5000;

/**
 * After a thread failed, reads go to the store's connection for this long before a new thread is
 * tried; each further failure in a row doubles it, up to RESTART_AFTER_MAX_MS, so that a thread that
 * cannot start (its file gone, the driver missing) is not started again, and reported, every second.
 */
const RESTART_AFTER_MS = 1000;
const RESTART_AFTER_MAX_MS = 60_000;

/**
 * The thread's young generation, in MB: a batch's rows (at most MISS_BATCH keys, a few hundred KB)
 * and nothing that lives longer. V8 would otherwise size it as the process's (32 MB with
 * main/young-generation.ts's cap), in every DNS process, for garbage that never needs it.
 */
const THREAD_YOUNG_GENERATION_MB = 8;

/** The key read thread as its store uses it: `read` is DnsKeyStore.findKeys' batched read. */
export interface KeyReadThread {
  readonly read: KeysByTokens;
  /**
   * Starts the thread now rather than at the first read (its start, tens of milliseconds, then
   * delays no question, and a thread that cannot open the file says so at once), and tells
   * `onTrouble` of every failure the reads hide by going to the store's connection. Returns what
   * stops the telling. (DnsKeyStore.startKeyReads.)
   */
  readonly start: (onTrouble: (err: Error) => void) => () => void;
  readonly close: () => Promise<void>;
}

/**
 * The DNS cache's reads of its misses (DnsKeyStore.findKeys) on SQLite, in a thread of their own
 * (`--dns-key-reads thread`): a miss whose page is not in the page cache waits for the disk there,
 * and the read itself costs the thread rather than the event loop, which goes on answering the
 * questions whose keys are in memory (at a million domains, one DNS process's rate on a skewed mix
 * rose from 0.42x to about 0.50x of NSD's; docs/performance-history.md).
 */
export function keyReadThread(options: KeyReadThreadOptions): KeyReadThread {
  interface Running {
    readonly thread: Worker;
    /** The reads sent to this thread and not answered yet: a thread that dies fails its own, no other's. */
    readonly pending: Map<number, { resolve: (rows: Rows) => void; reject: (err: Error) => void }>;
  }
  const readTimeoutMs = options.readTimeoutMs ?? KEY_READ_TIMEOUT_MS;
  let running: Running | null = null;
  let closed = false;
  let failedAt = Number.NEGATIVE_INFINITY;
  /** Failures in a row (a read answered by a thread ends the row): how long until the next thread. */
  let failures = 0;
  let next = 0;
  const listeners = new Set<(err: Error) => void>();
  const tell = (err: Error) => {
    for (const listener of listeners) listener(err);
  };
  const restartAfter = () => Math.min(RESTART_AFTER_MAX_MS, RESTART_AFTER_MS * 2 ** Math.max(0, failures - 1));
  /**
   * `which` failed: if it is the running thread, the reads go to the store's connection until a new
   * one is tried (see read), and whoever listens is told why.
   */
  const failed = (which: Running, cause: string) => {
    if (running !== which) return;
    running = null;
    failedAt = performance.now();
    failures++;
    if (closed) return;
    const retry = restartAfter() / 1000;
    tell(
      new Error(
        `the DNS key read thread failed (${cause}): its reads go to the store's connection, on the event loop, and a new thread is tried in ${retry} s`,
      ),
    );
  };
  const start = (): Running => {
    const driver = betterSqlite3Location();
    const setup: ThreadSetup = { ...options, driver: driver.module, nativeBinding: driver.nativeBinding };
    const thread = new Worker(THREAD_CODE, { eval: true, workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } });
    // It serves the DNS process and never keeps it alive on its own.
    thread.unref();
    const started: Running = { thread, pending: new Map() };
    thread.on('message', (reply: ReadReply) => {
      const waiting = started.pending.get(reply.id);
      if (waiting === undefined) return;
      started.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new ThreadReadError(reply.error));
      else waiting.resolve(reply.rows);
    });
    // A thread that failed (its store could not be opened, say), exited or stalled: its reads fail
    // over to the store's connection (see read) until restartAfter() has passed, then a read starts a new one.
    const gone = (err: Error) => {
      failed(started, err.message);
      for (const waiting of started.pending.values()) waiting.reject(err);
      started.pending.clear();
    };
    thread.on('error', (err: unknown) => gone(new Error(causeOf(err))));
    thread.on('exit', (code) => gone(new Error(`it exited, code ${code}`)));
    return started;
  };
  const inThread = (tokens: readonly string[]): Promise<Rows> =>
    new Promise((resolve, reject) => {
      running ??= start();
      const current = running;
      const id = next++;
      const timer = setTimeout(() => {
        const waiting = current.pending.get(id);
        if (waiting === undefined) return;
        // Stalled: this read and the thread's others go to the store's connection, and the thread is
        // replaced (told here, with the cause: it is no longer `running` when its exit comes to gone()).
        const cause = `a read took more than ${readTimeoutMs} ms`;
        waiting.reject(new Error(cause));
        failed(current, cause);
        void current.thread.terminate();
      }, readTimeoutMs);
      timer.unref();
      current.pending.set(id, {
        resolve: (rows) => {
          clearTimeout(timer);
          resolve(rows);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      const request: ReadRequest = { id, tokens, slots: tokens.map((t) => (isDkimToken(t) ? firstSlot(t) : null)) };
      current.thread.postMessage(request);
    });
  const read: KeysByTokens = async (db, tokens) => {
    if (closed) throw new Error('the key read thread is closed');
    // What the thread cannot read (it failed, stalled, or could not start) is read on the store's own
    // connection, the IN list every engine reads: slower, on the event loop, but answered.
    if (performance.now() - failedAt < restartAfter()) return keysByInList(db, tokens);
    let rows: Rows;
    try {
      rows = await inThread(tokens);
    } catch (err) {
      // A thread that failed was told of in failed(); a read that failed in a working thread (its
      // connection busy past busyMs, say) is told here. A failing read of the store itself fails on
      // the store's connection too, and the DNS cache answers SERVFAIL.
      if (err instanceof ThreadReadError) tell(new Error(`a DNS key read failed in the key read thread (${err.message}); read on the store's connection`));
      return keysByInList(db, tokens);
    }
    failures = 0;
    return rows;
  };
  return {
    read,
    start(onTrouble) {
      listeners.add(onTrouble);
      if (!closed && running === null && performance.now() - failedAt >= restartAfter()) running = start();
      return () => listeners.delete(onTrouble);
    },
    async close() {
      closed = true;
      const stopping = running;
      running = null;
      // terminate() settles once the thread has exited, its connection closed with it (better-sqlite3
      // closes a thread's databases when the thread's environment is torn down).
      if (stopping) await stopping.thread.terminate();
    },
  };
}
