import type { Transport } from '../cli/transport.ts';
import { coreConfig, type Env } from '../config/config.ts';
import { createSignet, systemRuntime } from './signet.ts';

/**
 * `signet ses` with no endpoint: the same signed form body goes in-process to the SES API handler over
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
      const response = await handler({ method: 'POST', headers, body: Buffer.from(request.body, 'utf8') });
      return { status: response.status, reason: '', body: Buffer.from(response.body, 'utf8') };
    },
    close: () => signet.close(),
  };
}
