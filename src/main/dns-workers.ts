import { fork, type ChildProcess } from 'node:child_process';
import type { Socket as UdpSocket } from 'node:dgram';
import type { ZoneChangeListener } from '../app/zone-change-listener.ts';
import type { CoreConfig } from '../config/config.ts';
import { dnsWorkerExecArgv } from './server-node-flags.ts';

/**
 * What a DNS worker needs to answer for the key zone: where the store is (it reads only public keys
 * and the change feed, so no master key) and the zone's name and apex nameservers.
 */
export interface DnsWorkerConfig {
  readonly store: Pick<CoreConfig, 'databaseUrl' | 'dataDir'>;
  readonly zone: string;
  readonly nameservers: readonly string[];
  /** The server's response-rate limiting; each process keeps its own buckets (see README). */
  readonly rrl: { readonly ratePerSecond: number; readonly slip: number };
  /** Keys this worker keeps in memory at most (`--dns-cache-keys`, per process). */
  readonly cacheKeys: number;
  /** `--dns-key-reads inline` (see KeyZoneCacheOptions.readMissesNow). */
  readonly readMissesNow: boolean;
  /** TSIG keys (`NAME:BASE64SECRET`): signed SOA probes of secondaries get signed answers from workers too. */
  readonly tsigKeys?: readonly string[];
}

/** The environment variable that carries a worker's DnsWorkerConfig (not argv: `ps` shows argv, and a database URL may hold a password). */
export const DNS_WORKER_CONFIG_ENV = 'SIGNET_DNS_WORKER_CONFIG';

/** The hidden command that runs a worker (src/commands/entry.ts). */
export const DNS_WORKER_COMMAND = '_dns-worker';

export type ToWorker = { readonly type: 'socket' } | { readonly type: 'sync'; readonly id: number };
export type FromWorker =
  | { readonly type: 'ready' }
  /** ok: false when the worker could not read the change feed (its zone may be stale). */
  | { readonly type: 'synced'; readonly id: number; readonly ok: boolean }
  | { readonly type: 'error'; readonly what: string; readonly message: string };

export interface DnsWorkerPool extends ZoneChangeListener {
  /** Workers running now. */
  readonly size: number;
  close(): Promise<void>;
}

export interface StartDnsWorkersInput {
  /** Worker processes to start (the server's own process answers too). */
  readonly count: number;
  readonly udp: UdpSocket;
  readonly config: DnsWorkerConfig;
  readonly onError: (err: unknown) => void;
  /** The script that runs `signet` (default: this process's, bin/signet). */
  readonly entry?: string;
  readonly startTimeoutMs?: number;
  /** How long a zone change waits for a worker that does not answer (default 2 s). */
  readonly syncTimeoutMs?: number;
}

const RESPAWN_DELAY_MS = 1000;
const MAX_RESPAWN_DELAY_MS = 30_000;

/**
 * Forked processes that answer UDP queries on the server's own socket: the kernel hands each datagram
 * to one of the processes reading it, so the query rate grows with the CPUs instead of being bound
 * by one Node process's per-packet cost (as NSD's server-count). Each worker keeps its own copy of
 * the key zone (KeyZoneCache over the store's change feed); a zone change of this process is waited
 * for in every worker as in this process's own cache, so a deleted identity's keys are gone from
 * every worker before DeleteIdentity answers. TCP stays with the server's process.
 *
 * A worker that exits is started again after a second (longer if it keeps failing); the workers
 * exit when this process goes (their IPC channel closes).
 */
export async function startDnsWorkers(input: StartDnsWorkersInput): Promise<DnsWorkerPool> {
  const entry = input.entry ?? process.argv[1]!;
  const env = { ...process.env, [DNS_WORKER_CONFIG_ENV]: JSON.stringify(input.config) };
  const workers = new Set<Worker>();
  let closing = false;

  let respawnDelayMs = RESPAWN_DELAY_MS;

  function respawnLater(): void {
    const delay = respawnDelayMs;
    // A worker that cannot start (the store unreachable, say) is tried again less and less often.
    respawnDelayMs = Math.min(respawnDelayMs * 2, MAX_RESPAWN_DELAY_MS);
    setTimeout(() => {
      if (!closing) spawnWorker().catch((err: unknown) => closing || input.onError(err));
    }, delay).unref();
  }

  async function spawnWorker(): Promise<Worker> {
    const child = fork(entry, [DNS_WORKER_COMMAND], {
      env,
      // The server's flags, with the young generation's cap and the UDP send queue where they lack
      // (server-node-flags.ts): a worker of a server that could not start itself again (Node 20) gets them.
      execArgv: dnsWorkerExecArgv(process.execArgv, process.env),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const worker = new Worker(child, input.onError);
    // In the set from the start: close() must also stop a worker still starting (one being replaced),
    // whose IPC channel would otherwise keep this process alive.
    workers.add(worker);
    // Whenever it exits, even before it is ready, another takes its place (unless this is shutdown).
    child.once('exit', (code, signal) => {
      workers.delete(worker);
      if (closing) return;
      input.onError(new Error(`DNS worker ${child.pid} exited (${signal ?? `code ${code}`}); starting another in ${respawnDelayMs} ms`));
      respawnLater();
    });
    try {
      await worker.ready(input.startTimeoutMs ?? 30_000);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    // Zone changes made while it loaded the zone were not waited for in it: it catches up before it
    // gets the socket (a worker that cannot is killed by sync, and replaced).
    await worker.sync(input.syncTimeoutMs ?? 2000);
    if (closing) {
      await worker.stop();
      return worker;
    }
    if (!child.connected) return worker; // it exited meanwhile; the exit handler replaces it
    child.send({ type: 'socket' } satisfies ToWorker, input.udp, (err: Error | null) => err && !closing && input.onError(err));
    respawnDelayMs = RESPAWN_DELAY_MS;
    return worker;
  }

  try {
    await Promise.all(Array.from({ length: input.count }, () => spawnWorker()));
  } catch (err) {
    closing = true;
    await Promise.all([...workers].map((w) => w.stop()));
    throw err;
  }
  return {
    get size() {
      return workers.size;
    },
    async keyZoneChanged() {
      await Promise.all([...workers].map((w) => w.sync(input.syncTimeoutMs ?? 2000)));
    },
    async close() {
      closing = true;
      await Promise.all([...workers].map((w) => w.stop()));
    },
  };
}

/** One worker process and its requests in flight. */
class Worker {
  readonly #child: ChildProcess;
  readonly #onError: (err: unknown) => void;
  readonly #pending = new Map<number, (ok: boolean) => void>();
  #nextId = 1;
  #readyWaiter: ((err?: Error) => void) | null = null;

  constructor(child: ChildProcess, onError: (err: unknown) => void) {
    this.#child = child;
    this.#onError = onError;
    child.on('message', (message: FromWorker) => this.#receive(message));
    // A fork that fails, or a message to a worker that just exited: reported, never thrown (an
    // 'error' event without a listener would end the server).
    child.on('error', onError);
    child.once('exit', (code, signal) => {
      this.#readyWaiter?.(new Error(`DNS worker exited before it was ready (${signal ?? `code ${code}`})`));
      // Nothing more will come: a zone change does not wait for a worker that is gone.
      for (const done of this.#pending.values()) done(true);
      this.#pending.clear();
    });
  }

  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#readyWaiter?.(new Error(`DNS worker not ready within ${timeoutMs} ms`)), timeoutMs);
      this.#readyWaiter = (err) => {
        clearTimeout(timer);
        this.#readyWaiter = null;
        if (err) reject(err);
        else resolve();
      };
    });
  }

  /**
   * Resolves when the worker's copy of the key zone holds every change committed before the call, or
   * when the worker is gone: one that reports a failure or does not answer in time is killed (and
   * replaced), so that it cannot go on answering from a zone that may hold deleted keys.
   */
  sync(timeoutMs: number): Promise<void> {
    // A worker still starting answers nothing yet, and catches up once ready (startDnsWorkers).
    if (!this.#child.connected || this.#readyWaiter !== null) return Promise.resolve();
    const id = this.#nextId++;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#onError(new Error(`DNS worker ${this.#child.pid} did not apply a key zone change within ${timeoutMs} ms`));
        resolve(false);
      }, timeoutMs);
      this.#pending.set(id, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      this.#child.send({ type: 'sync', id } satisfies ToWorker, (err: Error | null) => {
        if (err) this.#pending.get(id)?.(true); // the channel closed: the worker is gone
      });
    }).then((ok) => (ok ? undefined : this.kill()));
  }

  /** SIGKILL, and wait until it is gone (a moment: nothing runs in a killed process). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Closing the channel is the worker's signal to stop; SIGKILL if it does not within 5 s.
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  #receive(message: FromWorker): void {
    if (message.type === 'ready') this.#readyWaiter?.();
    else if (message.type === 'synced') {
      const done = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      done?.(message.ok);
    } else if (message.type === 'error') this.#onError(new Error(`DNS worker ${this.#child.pid}, ${message.what}: ${message.message}`));
  }
}
