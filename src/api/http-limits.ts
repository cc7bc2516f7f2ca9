import type { Server } from 'node:http';
import type { Socket } from 'node:net';

import type { HttpLimits } from '../config/http-config.ts';

export { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../config/http-config.ts';

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
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
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

/**
 * How long a connection that is closed after its response stays open for the client's bytes still
 * on the way (a lingering close, as Apache's and nginx's `lingering_close`).
 */
export const LINGER_MS = 2000;

const lingering = new WeakSet<Socket>();

/**
 * A lingering close for a connection closed after its response (`Connection: close`, as every
 * refusal of a body here is): the response and a FIN go out, and the socket is closed when the
 * client closes its side (seen where Node's HTTP parser is still reading the body, which it discards
 * after a response sent before it was read) or after LINGER_MS, by when the client's stack has long
 * acknowledged the response. Closed at once while the client was still sending a body (a chunked
 * upload cut off at the limit), the kernel answers the unread bytes with a reset (RFC 1122,
 * 4.2.2.13), which can reach the client before it has read the response: the client then sees a
 * connection reset instead of the 400 that says why (RFC 9112, 9.6, asks a server to close in stages
 * for this reason). Seen in test/http-hardening.test.ts about once in 35 runs under load.
 *
 * Node's HTTP server closes such a connection by calling the socket's `destroySoon` once the
 * response is written, and offers no other hook: this replaces it on the socket, once.
 */
export function lingerBeforeClose(socket: Socket): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    if (this.destroyed) return;
    // Ours alone to close from here: Node's own destroySoon would destroy on the FIN's 'finish'.
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    // The client's FIN after ours: both sides are done, and the socket destroys itself (autoDestroy).
    if (this.writable) this.end();
  };
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
