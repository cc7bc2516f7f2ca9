import type { FastifyRequest } from 'fastify';
import type { SesHttpRequest } from './handler.ts';

/** Header values as one string each (repeated headers joined by commas, as SigV4 canonicalizes them). */
export function headersOf(req: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
  return headers;
}

/** A fastify request as the SES handler and the authenticators take it. */
export function sesRequestOf(req: FastifyRequest, extra: Partial<Pick<SesHttpRequest, 'bodySha256' | 'prechecked' | 'headers'>> = {}): SesHttpRequest {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  return {
    method: req.method,
    path: req.url,
    headers: extra.headers ?? headersOf(req),
    body,
    bodySha256: extra.bodySha256,
    prechecked: extra.prechecked,
    requestId: req.id,
  };
}
