import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MAX_BODY_BYTES, type SesHandler } from './handler.ts';
import type { ApiMetrics } from './metrics.ts';
import { isSesV2Path } from './v2/router.ts';
import { errorEnvelope } from './xml.ts';

export interface HttpServerOptions {
  readonly handler: SesHandler;
  readonly logger: boolean | { level: string };
  readonly metrics?: ApiMetrics;
}

/**
 * The SES API over HTTP (fastify). Every body is taken raw, whatever its Content-Type, because the
 * handler parses the form itself (strictly) and SigV4 hashes the exact bytes. Logs are pino's JSON
 * lines; they carry the request id, account, action and result, and never a header value (so never
 * an Authorization signature), a body or a key.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // fastify refuses a path with broken percent-encoding before any route runs. SES v2 paths still go
  // to the handler, which authenticates first and then answers 400 in v2's shape; other paths get
  // fastify's own answer, byte for byte as before.
  const badUrl: { serve: ((req: FastifyRequest, reply: FastifyReply) => Promise<string>) | null } = { serve: null };
  const app = Fastify({
    frameworkErrors: (err, req, anyReply) => {
      const reply = anyReply as unknown as FastifyReply;
      if (err.code === 'FST_ERR_BAD_URL' && badUrl.serve !== null && isSesV2Path(req.url)) {
        void badUrl.serve(req as unknown as FastifyRequest, reply).then((body) => reply.send(body));
        return;
      }
      const body = JSON.stringify({ error: 'Bad Request', code: err.code, message: err.message, statusCode: 400 });
      reply.hijack();
      reply.raw.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      reply.raw.end(body);
    },
    logger: options.logger === false ? false : {
      ...(typeof options.logger === 'object' ? options.logger : {}),
      // Only what identifies the request; fastify's default serializer is already header-free, this
      // keeps it so whatever fastify does next.
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: req.url.slice(0, 200), remoteAddress: req.ip }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => randomUUID(),
    // Keep-alive connections must not hold a graceful shutdown open for long.
    forceCloseConnections: 'idle',
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, req, reply) => {
    // fastify's own refusals (body over the limit, broken framing) become SES-style 400s, never 500s.
    const requestId = randomUUID();
    const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const message = tooLarge
      ? `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`
      : 'The request could not be read.';
    if (isSesV2Path(req.url)) {
      // SES v2 paths answer in v2's shape (x-amzn-ErrorType and a JSON message).
      void reply
        .code(400)
        .header('content-type', 'application/json')
        .header('x-amzn-requestid', requestId)
        .header('x-amzn-errortype', 'BadRequestException')
        .send(JSON.stringify({ message }));
      return;
    }
    void reply
      .code(400)
      .header('content-type', 'text/xml')
      .header('x-amzn-requestid', requestId)
      .send(errorEnvelope('Sender', tooLarge ? 'InvalidParameterValue' : 'MalformedQueryString', message, requestId));
  });

  // For a load balancer: the process is up and serving.
  app.get('/health', async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, reply) =>
      reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }

  const serve = async (req: FastifyRequest, reply: FastifyReply): Promise<string> => {
      const started = process.hrtime.bigint();
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name] = Array.isArray(value) ? value.join(',') : value;
      }
      const response = await options.handler({ method: req.method, path: req.url, headers, body });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics?.observeRequest(response.action, response.errorCode ?? 'OK', seconds);
      if (response.errorCode === 'Throttling' || response.errorCode === 'TooManyRequestsException') metrics?.countThrottled(response.action);
      req.log.info(
        {
          requestId: response.requestId,
          accountId: response.accountId,
          action: response.action,
          status: response.status,
          code: response.errorCode ?? 'OK',
          ms: Math.round(seconds * 1e4) / 10,
        },
        'ses request',
      );
      void reply.code(response.status).headers(response.headers);
      return response.body;
  };
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH', 'GET'],
    url: '/*',
    handler: serve,
  });
  badUrl.serve = serve;
  return app;
}
