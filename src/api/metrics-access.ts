import { createServer, type Server } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { ApiMetrics } from './metrics.ts';

/**
 * Who may read `/metrics` (issue 14, finding 10): it names accounts' activity and the key pool's
 * state, so it is not for the world. With a bearer token (`--metrics-token`) whoever shows it; without
 * one, only clients on a loopback address (a scraper on the same host, or `--metrics-port` for a
 * listener of its own, on loopback by default).
 */
export interface MetricsAccess {
  readonly token: string | null;
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Compared as hashes, so the time taken says nothing about the token, not even its length. */
function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Null when the request may read the metrics, else the status and text to answer. */
export function metricsRefusal(
  access: MetricsAccess,
  remoteAddress: string | undefined,
  authorization: string | undefined,
): { status: number; text: string } | null {
  if (access.token !== null) {
    const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (given !== undefined && sameToken(given, access.token)) return null;
    return { status: 401, text: 'The metrics need the bearer token given with --metrics-token.' };
  }
  if (isLoopbackAddress(remoteAddress)) return null;
  return { status: 403, text: 'The metrics are served to loopback clients only; set --metrics-token or --metrics-port.' };
}

/** A listener of its own for `/metrics` (`--metrics-port`): nothing else is served on it. */
export function createMetricsServer(metrics: ApiMetrics, access: MetricsAccess): Server {
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here.\n');
      return;
    }
    const refused = access.token === null ? null : metricsRefusal(access, req.socket.remoteAddress, req.headers.authorization);
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end(`${refused.text}\n`);
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.maxConnections = 64;
  server.setTimeout(30_000);
  return server;
}

/** Starts the metrics listener on `host:port`; resolves with its URL and how to close it. */
export async function startMetricsListener(
  metrics: ApiMetrics,
  access: MetricsAccess,
  at: { readonly host: string; readonly port: number },
): Promise<{ url: string; close(): void }> {
  const server = createMetricsServer(metrics, access);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(at.port, at.host, resolve));
  const bound = server.address() as { address: string; port: number };
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return { url: `http://${host}:${bound.port}/metrics`, close: () => server.close() };
}
