import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type preParsingHookHandler } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import { Transform } from 'node:stream';
import type { Scope } from '../core/index.ts';
import { devRequestRefusal } from './dev-origin-guard.ts';
import { headersOf, sesRequestOf } from './fastify-request.ts';
import { printable } from './form.ts';
import { MAX_BODY_BYTES, type SesHandler } from './handler.ts';
import {
  BodyBudget,
  DEFAULT_HTTP_LIMITS,
  limitConnections,
  lingerBeforeClose,
  SMALL_BODY_BYTES,
  TIMEOUT_CHECK_INTERVAL_MS,
  type HttpLimits,
} from './http-limits.ts';
import { metricsRefusal, type MetricsAccess } from './metrics-access.ts';
import type { ApiMetrics } from './metrics.ts';
import { SesError } from './ses-error.ts';
import { badRequest, isSignetPath, sendSignetError, SignetRouteError } from './signet-error.ts';
import { isSesV2Path } from './v2/router.ts';
import { errorEnvelope } from './xml.ts';

export interface HttpServerOptions {
  readonly handler: SesHandler;
  readonly logger: boolean | { level: string };
  readonly metrics?: ApiMetrics;
  /** Who may read `/metrics` on this listener; none: it is not served here (`--metrics-port`). */
  readonly metricsAccess?: MetricsAccess | null;
  /**
   * The authenticator's header-only check (`Authenticator.precheck`), run before an SES request's body
   * is read; without it every body is read and the handler decides.
   */
  readonly precheck?: (headers: Readonly<Record<string, string | undefined>>) => Promise<Scope>;
  /** `--dev`: only loopback Host names, no state-changing requests from another Origin. */
  readonly dev?: boolean;
  readonly limits?: HttpLimits;
  /**
   * PEM key and certificate: the API over HTTPS (`--tls-cert`/`--tls-key`); none: plain HTTP, the
   * default (loopback, dev, or behind a proxy that terminates TLS). A new pair is taken by
   * setHttpsCertificate without a restart.
   */
  readonly tls?: { readonly key: string; readonly cert: string } | null;
  /**
   * Whether the server is ready to take traffic, and what it still waits for (`GET /health` answers
   * 503 until it is: a load balancer sends nothing to a node whose store, DNS or key pool is not up).
   * Absent: always ready.
   */
  readonly readiness?: () => { readonly ready: boolean; readonly waiting: readonly string[]; readonly listeners?: Readonly<Record<string, string>> };
}

/** What the SES handler learnt about a request, for its access-log line. */
interface AccessDetails {
  readonly accountId: string | null;
  readonly action: string | null;
  readonly code: string;
}

/** Paths polled by load balancers and scrapers: logged at debug level, not one info line per poll. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * A renewed certificate for new TLS connections (SIGHUP): `tls.Server#setSecureContext` swaps the
 * context that later handshakes use, so connections already open (keep-alive SDK pools, requests
 * under way) go on undisturbed and nothing is refused during the swap.
 */
export function setHttpsCertificate(app: FastifyInstance, material: { readonly key: string; readonly cert: string }): void {
  (app.server as unknown as HttpsServer).setSecureContext({ key: material.key, cert: material.cert });
}

/** Bodies of the routes other than the SES API (`/_signet/`, `/_aws/ses`): a few parameters. */
const SMALL_ROUTE_BODY_BYTES = 64 * 1024;

/**
 * An SES error answered before the body is read: the connection is closed after the answer, so the
 * client cannot go on sending the body it announced (Node would otherwise read and discard it all).
 */
function refuseEarly(req: FastifyRequest, reply: FastifyReply, error: SesError, metrics?: ApiMetrics): FastifyReply {
  const requestId = req.id;
  // Counted like every SES request, and logged on its access line (without an action).
  metrics?.observeRequest(null, error.code, 0);
  accessDetails.set(req, { accountId: null, action: null, code: error.code });
  if (isSesV2Path(req.url)) {
    // SES v2 paths answer in v2's shape: the authenticator's refusals keep their code (as the v2
    // handler answers them), a bad parameter is v2's BadRequestException.
    const code = error.code === 'InvalidParameterValue' ? 'BadRequestException' : error.code;
    return reply
      .code(error.status)
      .header('content-type', 'application/json')
      .header('x-amzn-requestid', requestId)
      .header('x-amzn-errortype', code)
      .header('connection', 'close')
      .send(JSON.stringify({ message: error.message }));
  }
  return reply
    .code(error.status)
    .header('content-type', 'text/xml')
    .header('x-amzn-requestid', requestId)
    .header('connection', 'close')
    .send(errorEnvelope(error.type, error.code, error.message, requestId));
}

/** Set by the SES route (and its early refusals) for the request's one access-log line. */
const accessDetails = new WeakMap<FastifyRequest, AccessDetails>();

function tooLarge(limit: number): SesError {
  return new SesError('InvalidParameterValue', `The request body exceeds the limit of ${limit} bytes.`);
}

/**
 * The SES API over HTTP (fastify). Every body is taken raw, whatever its Content-Type, because the
 * handler parses the form itself (strictly) and SigV4 hashes the exact bytes. Logs are pino's JSON
 * lines; they carry the request id, account, action and result, and never a header value (so never
 * an Authorization signature), a body or a key.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const limits = options.limits ?? DEFAULT_HTTP_LIMITS;
  const serverTimeouts = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
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
      // Signet's own routes keep their one error shape (./signet-error.ts); other paths get fastify's.
      const signet = isSignetPath(req.url);
      const body = signet
        ? JSON.stringify({ __type: 'BadRequestException', message: err.message })
        : JSON.stringify({ error: 'Bad Request', code: err.code, message: err.message, statusCode: 400 });
      reply.hijack();
      reply.raw.writeHead(400, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        ...(signet ? { 'x-amzn-ErrorType': 'BadRequestException' } : {}),
      });
      reply.raw.end(body);
    },
    logger:
      options.logger === false
        ? false
        : {
            ...(typeof options.logger === 'object' ? options.logger : {}),
            // Only what identifies the request; fastify's default serializer is already header-free, this
            // keeps it so whatever fastify does next.
            serializers: {
              req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: req.url.slice(0, 200), remoteAddress: req.ip }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
    // The SES route raises this to MAX_BODY_BYTES; every other route takes a few parameters.
    bodyLimit: SMALL_ROUTE_BODY_BYTES,
    // One id per request, on its one access-log line and in every line logged for it (as
    // `requestId`), and answered as `x-amzn-RequestId` (the SES handlers take it: sesRequestOf).
    genReqId: () => randomUUID(),
    // fastify's own two lines per request ("incoming request", "request completed") are replaced by
    // the one line of the onResponse hook below; its child logger labels the id `requestId`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // Keep-alive connections must not hold a graceful shutdown open for long.
    forceCloseConnections: 'idle',
    // Time limits (./http-limits.ts): headers, the whole request, idleness, the wait between requests.
    // fastify hands `http` to http.createServer only; with TLS the same options go in `https`, which
    // https.createServer takes as http's plus the certificate.
    ...(options.tls ? { https: { key: options.tls.key, cert: options.tls.cert, ...serverTimeouts } } : { http: serverTimeouts }),
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  });
  limitConnections(app.server, limits);
  // The idle timeout closes connections that send nothing (Node's header timeout starts at the first
  // byte) and responses nobody reads; while a request is being handled (a VerifyDomainDkim waiting
  // for keys may take long) the request timeout bounds the body and nothing else applies.
  app.addHook('onRequest', (req, _reply, done) => {
    const socket = req.raw.socket;
    if (socket) {
      socket.setTimeout(0);
      // A connection closed after a refusal stays open until the client has the answer.
      lingerBeforeClose(socket);
    }
    done();
  });
  app.addHook('onSend', (req, _reply, payload, done) => {
    req.raw.socket?.setTimeout(limits.idleTimeoutMs);
    done(null, payload);
  });
  // Every answer carries the request's id, whichever route made it (the SES handlers set the same one).
  app.addHook('onSend', (req, reply, payload, done) => {
    if (!reply.hasHeader('x-amzn-requestid')) void reply.header('x-amzn-requestid', req.id);
    done(null, payload);
  });
  // The access log: one line per request, with its id (the child logger's `requestId`), status,
  // time, and for the SES API the account, action and result code. Never a header value or a body.
  app.addHook('onResponse', (req, reply, done) => {
    const path = req.url.split('?', 1)[0]!;
    const line = {
      method: req.method,
      url: req.url.slice(0, 200),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      remoteAddress: req.ip,
      ...accessDetails.get(req),
    };
    if (QUIET_PATHS.has(path)) req.log.debug(line, 'request');
    else req.log.info(line, 'request');
    done();
  });
  const budget = new BodyBudget(limits);
  if (options.dev) {
    app.addHook('onRequest', async (req, reply) => {
      const refused = devRequestRefusal(req.method, { host: req.headers.host, origin: req.headers.origin });
      if (refused && isSignetPath(req.url)) {
        // Signet's own routes answer every error in their one JSON shape.
        return sendSignetError(reply.header('connection', 'close'), new SignetRouteError('AccessDeniedException', refused.text, refused.status));
      }
      if (refused)
        return reply.code(refused.status).header('content-type', 'text/plain; charset=utf-8').header('connection', 'close').send(`${refused.text}\n`);
      return undefined;
    });
  }
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req, reply) => {
    // fastify's own refusals (body over the limit, broken framing) become SES-style 400s, never 500s.
    const requestId = _req.id;
    const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const message = tooLarge
      ? `The request body exceeds the limit of ${_req.routeOptions.bodyLimit ?? MAX_BODY_BYTES} bytes.`
      : 'The request could not be read.';
    if (tooLarge) {
      // fastify drops its listener for the body's chunks but leaves the stream flowing, so Node would
      // go on reading (and discarding) whatever the client sends until the reply is flushed and the
      // socket closed: 4 to 5 MB past the limit on an idle machine, more on a loaded one. Stop reading
      // now (0.1 MB past it; test/http-hardening.test.ts counts the socket's bytes); the kernel's
      // buffers then push back on the client, and the reply closes the connection.
      _req.raw.unpipe();
      _req.raw.pause();
      void reply.header('connection', 'close');
    }
    if (isSignetPath(_req.url)) {
      void sendSignetError(reply, badRequest(message));
      return;
    }
    if (isSesV2Path(_req.url)) {
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

  // For a load balancer: 200 once the store, the DNS listeners and the key pool are up, 503 before.
  const readiness = options.readiness;
  app.get('/health', async (_req, reply) => {
    const state = readiness?.() ?? { ready: true, waiting: [] };
    void reply.header('cache-control', 'no-store');
    // The listeners' addresses too, for `signet admin status` (they are no secret: clients use them).
    const listeners = state.listeners ? { listeners: state.listeners } : {};
    if (!state.ready) return reply.code(503).send({ status: 'starting', waiting: state.waiting, ...listeners });
    return reply.send({ status: 'ok', ...listeners });
  });

  const metrics = options.metrics;
  const metricsAccess = options.metricsAccess;
  if (metrics && metricsAccess) {
    app.get('/metrics', async (req, reply) => {
      const refused = metricsRefusal(metricsAccess, req.socket.remoteAddress, req.headers.authorization);
      if (refused) return reply.code(refused.status).header('content-type', 'text/plain').header('www-authenticate', 'Bearer').send(`${refused.text}\n`);
      return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  /**
   * Before an SES request's body is read: a declared length over the limit and any method but POST
   * are answered at once; a body over 64 KB (or chunked) is received only if its headers pass
   * authentication's header-only checks (no key, unknown key, outside the date window, host not
   * signed are refused) and the bodies-in-flight budget has room. A refusal closes the connection
   * (issue 14, finding 2). A chunked body is cut off at the limit as it streams (fastify's bodyLimit).
   */
  /** The precheck's result and the headers it read, for the handler of the same request. */
  const prechecks = new WeakMap<FastifyRequest, { scope: Scope; headers: Record<string, string | undefined> }>();
  const beforeBody = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? null : Number(declared);
    if (length !== null && length > MAX_BODY_BYTES) return refuseEarly(req, reply, tooLarge(MAX_BODY_BYTES), metrics);
    // The v1 handler answers any other method 405 whatever the body: no reason to receive one. (SES
    // v2's REST paths take GET, PUT and DELETE.)
    if (req.method !== 'POST' && !isSesV2Path(req.url)) {
      return refuseEarly(req, reply, new SesError('InvalidAction', `The ${printable(req.method)} method is not supported; use POST.`, 405), metrics);
    }
    // Node's parser has refused a malformed Content-Length; a chunked body may be as large as allowed.
    const size = length !== null && Number.isFinite(length) ? length : req.headers['transfer-encoding'] ? MAX_BODY_BYTES : 0;
    // A small body costs nothing to receive (and the timeouts bound how long it may take): the
    // handler authenticates it as before, so the common request pays for no second look at its headers.
    if (size <= SMALL_BODY_BYTES) return undefined;
    let scope: Scope | null = null;
    if (options.precheck) {
      try {
        const headers = headersOf(req);
        scope = await options.precheck(headers);
        prechecks.set(req, { scope, headers });
      } catch (err) {
        if (err instanceof SesError) return refuseEarly(req, reply, err, metrics);
        throw err;
      }
    }
    const release = budget.reserve(scope?.accountId ?? '', size);
    if (release === 'account') return refuseEarly(req, reply, new SesError('Throttling', 'Rate exceeded'), metrics);
    if (release === 'server') {
      return refuseEarly(req, reply, new SesError('ServiceUnavailable', 'The service is busy; retry the request later.', 503, 'Receiver'), metrics);
    }
    reply.raw.once('close', release);
    return undefined;
  };

  /**
   * A large body is hashed chunk by chunk as it arrives (SigV4 needs its SHA-256): a few microseconds
   * per chunk instead of one hash of up to 40 MB on the event loop once it is all in.
   */
  const bodyHashes = new WeakMap<FastifyRequest, string>();
  // A callback hook, not an async one: most requests are small and pass straight through.
  const hashWhileReceiving: preParsingHookHandler = (req, _reply, payload, done) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared <= SMALL_BODY_BYTES) {
      done(null, payload);
      return;
    }
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        bodyHashes.set(req, hash.digest('hex'));
        callback();
      },
    });
    payload.on('error', (err) => hashing.destroy(err));
    done(null, payload.pipe(hashing));
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply): Promise<string> => {
    const started = process.hrtime.bigint();
    const prechecked = prechecks.get(req);
    const response = await options.handler(
      sesRequestOf(req, { bodySha256: bodyHashes.get(req), ...(prechecked ? { prechecked: prechecked.scope, headers: prechecked.headers } : {}) }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics?.observeRequest(response.action, response.errorCode ?? 'OK', seconds);
    if (response.errorCode === 'Throttling' || response.errorCode === 'TooManyRequestsException') metrics?.countThrottled(response.action);
    accessDetails.set(req, { accountId: response.accountId, action: response.action, code: response.errorCode ?? 'OK' });
    void reply.code(response.status).headers(response.headers);
    return response.body;
  };
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH', 'GET'],
    url: '/*',
    bodyLimit: MAX_BODY_BYTES,
    onRequest: beforeBody,
    preParsing: hashWhileReceiving,
    handler: serve,
  });
  badUrl.serve = serve;
  return app;
}
