import { MAX_BODY_BYTES } from '../api/handler.ts';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../api/http-limits.ts';
import { ConfigError, type Env } from './config.ts';
import { parseDuration } from './dkim-config.ts';

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
