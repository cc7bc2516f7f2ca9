import type { Transport } from '../cli/transport.ts';
import { coreConfig, type Env } from '../config/config.ts';
import { createSignet, systemRuntime } from './signet.ts';

/**
 * `signet ses` and `signet sesv2` with no endpoint: the same signed request (v1's form POST, or v2's
 * method, path and JSON body) goes in-process to the SES API handler (both APIs, as one listener serves them) over
 * the data folder's store, with the local authenticator (the caller owns the data folder). Only the API
 * is built: no key pool refill, no relay worker (keys are made when a domain needs them).
 */
export async function openEmbeddedTransport(env: Env): Promise<Transport> {
  const signet = await createSignet(coreConfig({}, env), systemRuntime, { api: { auth: 'local' } });
  const handler = signet.handler!;
  return {
    async send(request) {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
      const path = request.url.pathname + request.url.search;
      const response = await handler({ method: request.method ?? 'POST', path, headers, body: Buffer.from(request.body, 'utf8') });
      const responseHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(response.headers ?? {})) if (v !== undefined) responseHeaders[k.toLowerCase()] = String(v);
      return { status: response.status, reason: '', body: Buffer.from(response.body, 'utf8'), headers: responseHeaders };
    },
    close: () => signet.close(),
  };
}
