import { addressPrefix } from './address-prefix.ts';

/**
 * What one DNS-over-TCP client may hold of the server: connections, time, and memory. Without these
 * bounds a client that never reads its answers grew the process by gigabytes, and a thousand clients
 * trickling a byte every few seconds held every connection slot (issue 14, findings 1, 2 and 7).
 */
export interface TcpLimits {
  /** Connections open at once, from everyone; more are closed as they arrive. */
  readonly maxConnections: number;
  /** Connections open at once from one client: an IPv4 address (/32), or an IPv6 /64. */
  readonly maxConnectionsPerClient: number;
  /** A connection with no traffic at all for this long is closed (RFC 7766 §6.2.3). */
  readonly idleMs: number;
  /** A message must arrive whole within this long of its first byte (a trickled byte buys no time). */
  readonly messageMs: number;
  /** A connection is closed this long after it opened, whatever it does. */
  readonly lifetimeMs: number;
  /** Messages read but not yet answered and written, per connection; past it, reading stops. */
  readonly maxInFlight: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = {
  // NSD's tcp-count is 100 and BIND's tcp-clients 150: TCP carries the rare truncated answer and
  // slips. 256 leaves most of a default 1024-descriptor limit to the API in the same process.
  maxConnections: 256,
  // A resolver needs one or a few at a time (RFC 7766 §6.2.2 asks clients to reuse one); 16 leaves
  // room for a NAT of several, and takes a single attacker at most 1/16 of the slots.
  maxConnectionsPerClient: 16,
  // RFC 7766 §6.2.3: "in the order of seconds"; BIND's tcp-idle-timeout is 30 s, NSD's 120 s,
  // but they count whole messages; 10 s is what this server always used.
  idleMs: 10_000,
  // A query is a few dozen bytes, in one segment; 5 s covers a lossy link's retransmissions.
  messageMs: 5_000,
  // Long enough for a resolver to pipeline a burst of lookups over one connection; short enough
  // that a slot held by a slow client comes back.
  lifetimeMs: 30_000,
  // With the socket's 16 KiB write high-water mark: at most 16 queries (each at most 64 KiB) plus
  // 16 KiB of answers per connection; a client that does not read is paused, not buffered.
  maxInFlight: 16,
};

/** IPv6 clients are counted per /64, the smallest prefix a site or host is given (RFC 6177, RFC 7421). */
const CLIENT_IPV6_BITS = 64;

/** Counts open connections per client and refuses those over the per-client limit. */
export class TcpAdmission {
  readonly #perClient: number;
  readonly #open = new Map<string, number>();

  constructor(limits: Pick<TcpLimits, 'maxConnectionsPerClient'>) {
    this.#perClient = limits.maxConnectionsPerClient;
  }

  /** The client's key to `release` when the connection closes, or null when it holds its share already. */
  admit(address: string | undefined): string | null {
    const key = addressPrefix(address ?? '', 32, CLIENT_IPV6_BITS);
    const open = this.#open.get(key) ?? 0;
    if (open >= this.#perClient) return null;
    this.#open.set(key, open + 1);
    return key;
  }

  release(key: string): void {
    const open = (this.#open.get(key) ?? 1) - 1;
    if (open <= 0) this.#open.delete(key);
    else this.#open.set(key, open);
  }

  /** Clients with a connection open now. */
  get clients(): number {
    return this.#open.size;
  }
}
