import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { isDkimToken } from '../../core/index.ts';
import type { KeysByTokens } from '../kysely-dns-key-store.ts';
import { firstSlot } from '../migrations/0019-sqlite-dns-key-slots.ts';
import type { Database } from '../schema.ts';
import { betterSqlite3Location } from './better-sqlite3.ts';

/** What the thread is told at start: where the store and the driver are, and its SQL. */
interface ThreadSetup {
  readonly file: string;
  readonly driver: string;
  readonly nativeBinding: string | undefined;
  readonly busyMs: number;
  readonly cacheKib: number;
  readonly bySlotSql: string;
  readonly byTokenSql: string;
}

interface ReadRequest {
  readonly id: number;
  readonly tokens: readonly string[];
  /** Each token's first slot (0019's firstSlot), or null for a token not of the DKIM token's form. */
  readonly slots: ReadonlyArray<bigint | null>;
}

type ReadReply = { readonly id: number; readonly rows: Array<{ token: string; public_key: string }> } | { readonly id: number; readonly error: string };

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
 * The DNS cache's reads of its misses (DnsKeyStore.findKeys) on SQLite, in a thread of their own:
 * a miss whose page is not in the page cache waits for the disk there, while the DNS process's event
 * loop goes on answering the questions whose keys are in memory.
 */
export function keyReadThread(options: KeyReadThreadOptions): { readonly read: KeysByTokens; readonly close: () => void } {
  interface Running {
    readonly thread: Worker;
    /** The reads sent to this thread and not answered yet: a thread that dies fails its own, no other's. */
    readonly pending: Map<number, { resolve: (rows: Array<{ token: string; public_key: string }>) => void; reject: (err: Error) => void }>;
  }
  let running: Running | null = null;
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
    // A thread that failed (its store could not be opened, say) or exited: its reads fail (the DNS
    // cache answers them SERVFAIL), and the next read starts a new thread.
    const gone = (err: Error) => {
      if (running === started) running = null;
      for (const waiting of started.pending.values()) waiting.reject(err);
      started.pending.clear();
    };
    thread.on('error', gone);
    thread.on('exit', (code) => gone(new Error(`the key read thread exited (code ${code})`)));
    return started;
  };
  const read: KeysByTokens = (_db: Kysely<Database>, tokens: readonly string[]) =>
    new Promise((resolve, reject) => {
      running ??= start();
      const id = next++;
      running.pending.set(id, { resolve, reject });
      const request: ReadRequest = { id, tokens, slots: tokens.map((t) => (isDkimToken(t) ? firstSlot(t) : null)) };
      running.thread.postMessage(request);
    });
  return {
    read,
    close() {
      const stopping = running;
      running = null;
      if (stopping) void stopping.thread.terminate();
    },
  };
}
