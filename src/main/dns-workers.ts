import { fork, type ChildProcess } from 'node:child_process';
import type { Socket as UdpSocket } from 'node:dgram';
import type { ZoneChangeListener } from '../app/zone-change-listener.ts';
import type { CoreConfig } from '../config/config.ts';

/**
 * What a DNS worker needs to answer for the key zone: where the store is (it reads only public keys
 * and the change feed, so no master key) and the zone's name and apex nameservers.
 */
export interface DnsWorkerConfig {
  readonly store: Pick<CoreConfig, 'databaseUrl' | 'dataDir'>;
  readonly zone: string;
  readonly nameservers: readonly string[];
}

/** The environment variable that carries a worker's DnsWorkerConfig (not argv: `ps` shows argv, and a database URL may hold a password). */
export const DNS_WORKER_CONFIG_ENV = 'SIGNET_DNS_WORKER_CONFIG';

/** The hidden command that runs a worker (src/main/cli.ts). */
export const DNS_WORKER_COMMAND = '_dns-worker';

export type ToWorker = { readonly type: 'socket' } | { readonly type: 'sync'; readonly id: number };
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'synced'; readonly id: number }
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

/**
 * Forked processes that answer UDP queries on the server's own socket: the kernel hands each datagram
 * to one of the processes reading it, so the query rate grows with the CPUs instead of being bound
 * by one Node process's per-packet cost (as NSD's server-count). Each worker keeps its own copy of
 * the key zone (KeyZoneCache over the store's change feed); a zone change of this process is waited
 * for in every worker as in this process's own cache, so a deleted identity's keys are gone from
 * every worker before DeleteIdentity answers. TCP stays with the server's process.
 *
 * A worker that exits is started again after a second; the workers exit when this process goes
 * (their IPC channel closes).
 */
export async function startDnsWorkers(input: StartDnsWorkersInput): Promise<DnsWorkerPool> {
  const entry = input.entry ?? process.argv[1]!;
  const env = { ...process.env, [DNS_WORKER_CONFIG_ENV]: JSON.stringify(input.config) };
  const workers = new Set<Worker>();
  let closing = false;

  async function spawnWorker(): Promise<Worker> {
    const child = fork(entry, [DNS_WORKER_COMMAND], { env, execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    const worker = new Worker(child, input.onError);
    // In the set from the start: close() must also stop a worker still starting (one being replaced),
    // whose IPC channel would otherwise keep this process alive.
    workers.add(worker);
    try {
      await worker.ready(input.startTimeoutMs ?? 30_000);
    } catch (err) {
      workers.delete(worker);
      child.kill('SIGKILL');
      throw err;
    }
    // Zone changes made while it loaded the zone were not waited for in it: it catches up before it
    // gets the socket.
    await worker.sync(input.syncTimeoutMs ?? 2000);
    if (closing) {
      await worker.stop();
      return worker;
    }
    child.send({ type: 'socket' } satisfies ToWorker, input.udp);
    child.once('exit', (code, signal) => {
      workers.delete(worker);
      if (closing) return;
      input.onError(new Error(`DNS worker ${child.pid} exited (${signal ?? `code ${code}`}); starting another in ${RESPAWN_DELAY_MS} ms`));
      setTimeout(() => {
        if (!closing) spawnWorker().catch(input.onError);
      }, RESPAWN_DELAY_MS).unref();
    });
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
  readonly #pending = new Map<number, () => void>();
  #nextId = 1;
  #readyWaiter: ((err?: Error) => void) | null = null;

  constructor(child: ChildProcess, onError: (err: unknown) => void) {
    this.#child = child;
    this.#onError = onError;
    child.on('message', (message: FromWorker) => this.#receive(message));
    child.once('exit', (code, signal) => {
      this.#readyWaiter?.(new Error(`DNS worker exited before it was ready (${signal ?? `code ${code}`})`));
      // Nothing more will come: a zone change does not wait for a worker that is gone.
      for (const done of this.#pending.values()) done();
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

  /** Resolves when the worker's copy of the key zone holds every change committed before the call. */
  sync(timeoutMs: number): Promise<void> {
    // A worker still starting answers nothing yet, and catches up once ready (startDnsWorkers).
    if (!this.#child.connected || this.#readyWaiter !== null) return Promise.resolve();
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#onError(new Error(`DNS worker ${this.#child.pid} did not apply a key zone change within ${timeoutMs} ms`));
        resolve();
      }, timeoutMs);
      this.#pending.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.#child.send({ type: 'sync', id } satisfies ToWorker, (err: Error | null) => {
        if (err) this.#pending.get(id)?.();
      });
    });
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
      done?.();
    } else if (message.type === 'error') this.#onError(new Error(`DNS worker ${this.#child.pid}, ${message.what}: ${message.message}`));
  }
}
