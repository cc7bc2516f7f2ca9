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
