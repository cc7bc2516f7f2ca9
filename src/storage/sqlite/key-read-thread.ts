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

export interface KeyReadThreadOptions {
  readonly file: string;
  readonly busyMs: number;
  readonly cacheKib: number;
  readonly bySlotSql: string;
  readonly byTokenSql: string;
}

/**
 * How long a read may take in the thread. A read stalled longer (a disk that hangs) is done again on
 * the store's own connection and the thread replaced: the DNS cache's patience (1 s) only lets its
 * next read go, and that would queue behind the stalled one in the same thread.
 */
export const KEY_READ_TIMEOUT_MS = 5000;

/** After a thread failed, reads go to the store's connection for this long before a new thread is tried. */
const RESTART_AFTER_MS = 1000;

/**
 * The DNS cache's reads of its misses (DnsKeyStore.findKeys) on SQLite, in a thread of their own
 * (`--dns-key-reads thread`): a miss whose page is not in the page cache waits for the disk there,
 * and the read itself costs the thread rather than the event loop, which goes on answering the
 * questions whose keys are in memory (at a million domains, one DNS process's rate on a skewed mix
 * rose from 0.42x to about 0.50x of NSD's; docs/performance-history.md).
 */
export function keyReadThread(options: KeyReadThreadOptions): { readonly read: KeysByTokens; readonly close: () => Promise<void> } {
  interface Running {
    readonly thread: Worker;
    /** The reads sent to this thread and not answered yet: a thread that dies fails its own, no other's. */
    readonly pending: Map<number, { resolve: (rows: Rows) => void; reject: (err: Error) => void }>;
  }
  let running: Running | null = null;
  let closed = false;
  let failedAt = Number.NEGATIVE_INFINITY;
  let next = 0;
  const start = (): Running => {
    const driver = betterSqlite3Location();
    const setup: ThreadSetup = { ...options, driver: driver.module, nativeBinding: driver.nativeBinding };
    const thread = new Worker(THREAD_CODE, { eval: true, workerData: setup });
    // It serves the DNS process and never keeps it alive on its own.
    thread.unref();
    const started: Running = { thread, pending: new Map() };
    thread.on('message', (reply: ReadReply) => {
      const waiting = started.pending.get(reply.id);
      if (waiting === undefined) return;
      started.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.rows);
    });
    // A thread that failed (its store could not be opened, say), exited or stalled: its reads fail
    // over to the store's connection (see read), and after RESTART_AFTER_MS a read starts a new one.
    const gone = (err: Error) => {
      if (running === started) {
        running = null;
        failedAt = performance.now();
      }
      for (const waiting of started.pending.values()) waiting.reject(err);
      started.pending.clear();
    };
    thread.on('error', gone);
    thread.on('exit', (code) => gone(new Error(`the key read thread exited (code ${code})`)));
    return started;
  };
  const inThread = (tokens: readonly string[]): Promise<Rows> =>
    new Promise((resolve, reject) => {
      running ??= start();
      const current = running;
      const id = next++;
      const timer = setTimeout(() => {
        if (!current.pending.has(id)) return;
        // Stalled: its reads go to the store's connection, and the thread is replaced.
        void current.thread.terminate();
        reject(new Error(`the key read thread took more than ${KEY_READ_TIMEOUT_MS} ms`));
      }, KEY_READ_TIMEOUT_MS);
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
    if (performance.now() - failedAt < RESTART_AFTER_MS) return keysByInList(db, tokens);
    try {
      return await inThread(tokens);
    } catch {
      // A failing read of the store itself fails here too, and the DNS cache answers SERVFAIL.
      return keysByInList(db, tokens);
    }
  };
  return {
    read,
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
