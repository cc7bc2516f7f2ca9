import type { Transport } from '../cli/transport.ts';
import { coreConfig, type Env } from '../config/config.ts';
import type { ServiceModelData } from '../model/service-types.ts';
import { createSignet, systemRuntime } from './signet.ts';

/**
 * `signet ses` and `signet sesv2` with no endpoint: the same signed request (v1's form POST, or v2's
 * method, path and JSON body) goes in-process to the SES API handler (both APIs, as one listener serves them) over
 * the data folder's store, with the local authenticator (the caller owns the data folder). Only the API
 * is built: no key pool refill, no relay worker (keys are made when a domain needs them).
 */
export async function openEmbeddedTransport(env: Env, sesModel: ServiceModelData): Promise<Transport> {
  // The command line's SES v1 model, already parsed: the server decodes and encodes by the same one.
  const signet = await createSignet(coreConfig({}, env), systemRuntime, { api: { auth: 'local', requestId: pseudoRandomUuid, sesModel } });
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

/**
 * A version 4 UUID (RFC 9562 §5.4) from Math.random, for the RequestId of an in-process call. A
 * request id only tells responses apart, it guards nothing, and node:crypto's randomUUID would load
 * node:crypto and Node's stream modules on a call that otherwise needs neither (about 3 ms of a 45 ms
 * start, bench/embedded-startup.mjs; scripts/build.mjs loads node:crypto lazily in this bundle).
 */
export function pseudoRandomUuid(): string {
  const hex: string[] = [];
  for (let i = 0; i < 32; i++) hex.push(((Math.random() * 16) | 0).toString(16));
  hex[12] = '4';
  hex[16] = (8 | (Number.parseInt(hex[16]!, 16) & 3)).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
