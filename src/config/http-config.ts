import { ConfigError, type Env } from './config.ts';
import { parseDuration } from './dkim-config.ts';

/**
 * The largest legitimate body is SendRawEmail's: a 10 MB message, base64-encoded (4/3), then
 * form-encoded, where '+', '/' and '=' become three bytes each. 3 × 4/3 × 10 MB bounds that, plus room
 * for the other members.
 */
export const MAX_BODY_BYTES = 4 * 10 * 1024 * 1024 + 64 * 1024;

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

/** The HTTP listener's limits and where `/metrics` is served (issue 14, findings 2 and 10). */
export interface HttpConfig {
  readonly limits: HttpLimits;
  /** `--metrics-port`: a listener of its own (on `host`, loopback by default); null: on the API's port. */
  readonly metricsListener: { readonly host: string; readonly port: number } | null;
  /** `--metrics-token` / SIGNET_METRICS_TOKEN; null: loopback clients only (on the API's port). */
  readonly metricsToken: string | null;
}

export const HTTP_OPTIONS = {
  'headers-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-connections-per-address': { type: 'string' },
  'max-body-bytes-in-flight': { type: 'string' },
  'metrics-host': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-token': { type: 'string' },
} as const;

export const HTTP_USAGE = `                    [--headers-timeout 10s] [--request-timeout 120s] [--idle-timeout 30s] [--keep-alive-timeout 10s]
                    [--max-connections 1000] [--max-connections-per-address 100] [--max-body-bytes-in-flight 268435456]
                    [--metrics-host 127.0.0.1 --metrics-port N] [--metrics-token TOKEN]`;

type HttpValues = { [K in keyof typeof HTTP_OPTIONS]?: string };

function duration(name: string, text: string | undefined, fallback: number): number {
  const ms = parseDuration(name, text, fallback);
  if (!(ms >= 1000)) throw new ConfigError(`${name} must be a duration of at least 1s, not ${JSON.stringify(text)}`);
  return ms;
}

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new ConfigError(`${name} must be a positive integer, not ${JSON.stringify(text)}`);
  return Number(text);
}

export function httpConfig(values: HttpValues, env: Env): HttpConfig {
  const d = DEFAULT_HTTP_LIMITS;
  const requestTimeoutMs = duration('--request-timeout', values['request-timeout'], d.requestTimeoutMs);
  // Node refuses a header timeout longer than the request timeout.
  const headersTimeoutMs = Math.min(requestTimeoutMs, duration('--headers-timeout', values['headers-timeout'], d.headersTimeoutMs));
  const maxBodyBytesInFlight = count('--max-body-bytes-in-flight', values['max-body-bytes-in-flight'], d.maxBodyBytesInFlight);
  const limits: HttpLimits = {
    headersTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs: duration('--idle-timeout', values['idle-timeout'], d.idleTimeoutMs),
    keepAliveTimeoutMs: duration('--keep-alive-timeout', values['keep-alive-timeout'], d.keepAliveTimeoutMs),
    maxConnections: count('--max-connections', values['max-connections'], d.maxConnections),
    maxConnectionsPerAddress: count('--max-connections-per-address', values['max-connections-per-address'], d.maxConnectionsPerAddress),
    maxBodyBytesInFlight,
    // One account: a quarter of the budget (the default's proportion), yet room for one largest body.
    maxBodyBytesInFlightPerAccount: Math.min(maxBodyBytesInFlight, Math.max(Math.floor(maxBodyBytesInFlight / 4), MAX_BODY_BYTES)),
  };
  const portText = values['metrics-port'];
  if (portText !== undefined && (!/^\d+$/.test(portText) || Number(portText) > 65535)) {
    throw new ConfigError(`--metrics-port must be a port number, not ${JSON.stringify(portText)}`);
  }
  const token = values['metrics-token'] ?? env['SIGNET_METRICS_TOKEN'] ?? '';
  return {
    limits,
    metricsListener: portText === undefined ? null : { host: values['metrics-host'] ?? '127.0.0.1', port: Number(portText) },
    metricsToken: token === '' ? null : token,
  };
}
