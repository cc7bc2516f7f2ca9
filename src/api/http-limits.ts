import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How much of the process one HTTP client may hold, and for how long (issue 14, finding 2: twenty
 * connections trickling 39 MB bodies held 875 MB for minutes, and 21,000 half-open connections used
 * up every file descriptor, taking /health, the API and DNS over TCP down with them).
 */
export interface HttpLimits {
  /** From the connection's first byte to the end of the request headers. */
  readonly headersTimeoutMs: number;
  /** From the first byte to the end of the body: a body that trickles in is cut off here. */
  readonly requestTimeoutMs: number;
  /** A connection on which nothing arrives (or leaves) for this long is closed (not while a request is handled). */
  readonly idleTimeoutMs: number;
  /** How long a keep-alive connection waits for its next request. */
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** Bytes of request bodies being received at once, over all clients (declared Content-Length). */
  readonly maxBodyBytesInFlight: number;
  /** The same, per account: one account's uploads cannot take the whole budget from the others. */
  readonly maxBodyBytesInFlightPerAccount: number;
}

/**
 * Defaults, each generous for a real client and small for an attacker:
 * - headers 10 s: an SDK sends its ~1 KB of headers in one packet; Node's default (60 s) lets a
 *   slowloris client hold a socket six times longer.
 * - request 120 s: the largest body (SendRawEmail, a 10 MB message form-encoded: 40 MB) needs about
 *   3 Mbit/s to arrive in time; Node's default is 300 s and fastify's none.
 * - idle 30 s: no byte in either direction for that long is not a client at work (a connection that
 *   never sends a byte, which the header timeout does not cover, or a response nobody reads); not
 *   applied while a request is being handled.
 * - keep-alive 10 s: SDKs reuse a connection within a burst of calls; Node's default is 5 s, fastify's
 *   72 s (for a load balancer's 60 s idle timeout, which a proxy in front can still be set to undercut).
 * - 1,000 connections in total, 100 per client address: well under the usual 1,024 or more file
 *   descriptors left for DNS over TCP, the store and the relay; 100 is more than any SDK's pool (the
 *   JavaScript SDK's default is 50, botocore's 10).
 * - 256 MB of bodies in flight, 64 MB per account: six maximal SendRawEmail bodies at once, one
 *   account at most one and a half; small requests (64 KB or less) are not counted, so GetSendQuota
 *   and the identity calls are never refused for lack of budget.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 10_000,
  maxConnections: 1000,
  maxConnectionsPerAddress: 100,
  maxBodyBytesInFlight: 256 * 1024 * 1024,
  maxBodyBytesInFlightPerAccount: 64 * 1024 * 1024,
};

/** Bodies up to this size are not counted against the in-flight budget. */
export const SMALL_BODY_BYTES = 64 * 1024;

/**
 * Node checks the header and request timeouts of all connections on this interval (default 30 s,
 * which would let a slow client overstay its timeout by that much); the check is one pass over a list.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * The client's address for the per-address cap: IPv4 as is (an IPv4-mapped IPv6 address as its IPv4),
 * IPv6 by its /64, which one host or one customer of an ISP usually gets whole.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/**
 * Caps connections in total (Node closes those over `server.maxConnections` as they arrive) and per
 * client address (closed here, before a byte is read). Returns the live count per address, for tests.
 */
export function limitConnections(server: Server, limits: Pick<HttpLimits, 'maxConnections' | 'maxConnectionsPerAddress'>): Map<string, number> {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    const count = (open.get(key) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(key, count);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
  return open;
}

/** Why a body may not be received now. */
export type BodyRefusal = 'server' | 'account';

/**
 * The bytes of request bodies being received, reserved from their declared length before the body is
 * read and released when the response is done: bounds the memory that bodies can hold, whatever
 * clients do, and keeps one account from holding all of it.
 */
export class BodyBudget {
  readonly #total: number;
  readonly #perAccount: number;
  #used = 0;
  readonly #byAccount = new Map<string, number>();

  constructor(limits: Pick<HttpLimits, 'maxBodyBytesInFlight' | 'maxBodyBytesInFlightPerAccount'>) {
    this.#total = limits.maxBodyBytesInFlight;
    this.#perAccount = limits.maxBodyBytesInFlightPerAccount;
  }

  get used(): number {
    return this.#used;
  }

  /** A release function, or why not. */
  reserve(account: string, bytes: number): (() => void) | BodyRefusal {
    if (bytes <= SMALL_BODY_BYTES) return () => {};
    const mine = this.#byAccount.get(account) ?? 0;
    if (mine + bytes > this.#perAccount) return 'account';
    if (this.#used + bytes > this.#total) return 'server';
    this.#used += bytes;
    this.#byAccount.set(account, mine + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used -= bytes;
      const left = (this.#byAccount.get(account) ?? bytes) - bytes;
      if (left <= 0) this.#byAccount.delete(account);
      else this.#byAccount.set(account, left);
    };
  }
}
