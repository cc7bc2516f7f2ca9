import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MAX_BODY_BYTES, type SesHandler } from './handler.ts';
import { errorEnvelope } from './xml.ts';

export interface HttpServerOptions {
  readonly handler: SesHandler;
  readonly logger: boolean | { level: string };
}

/**
 * The SES API over HTTP (fastify). Every body is taken raw, whatever its Content-Type, because the
 * handler parses the form itself (strictly) and SigV4 hashes the exact bytes.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: MAX_BODY_BYTES,
    // Request ids in logs are the SES RequestId the handler makes; fastify's own is only for its logs.
    genReqId: () => randomUUID(),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req, reply) => {
    // fastify's own refusals (body over the limit, broken framing) become SES-style 400s, never 500s.
    const requestId = randomUUID();
    const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const message = tooLarge
      ? `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`
      : 'The request could not be read.';
    void reply
      .code(400)
      .header('content-type', 'text/xml')
      .header('x-amzn-requestid', requestId)
      .send(errorEnvelope('Sender', tooLarge ? 'InvalidParameterValue' : 'MalformedQueryString', message, requestId));
  });

  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH', 'GET'],
    url: '/*',
    handler: async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name] = Array.isArray(value) ? value.join(',') : value;
      }
      const response = await options.handler({ method: req.method, headers, body });
      void reply.code(response.status).headers(response.headers);
      return response.body;
    },
  });
  return app;
}
