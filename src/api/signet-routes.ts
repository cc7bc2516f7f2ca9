import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DkimCheckOutcome } from '../app/check-dkim-now.ts';
import type { SandboxRecord } from '../app/detection-ports.ts';
import type { DoctorReport } from '../app/dkim-doctor.ts';
import type { KeyRingReport } from '../app/key-ring.ts';
import type { Scope } from '../core/index.ts';
import { sesRequestOf } from './fastify-request.ts';
import type { SesHttpRequest } from './http-request.ts';
import { badRequest, INTERNAL_FAILURE, sendSignetError, SignetRouteError, signetRouteErrorOf } from './signet-error.ts';

/** What the `/_signet/` routes call; the composition root binds them to the use cases. */
export interface SignetRouteHandlers {
  readonly defaultScope: Scope;
  /**
   * Whose request it is: the SES API's authenticator (SigV4 against the store; in `--dev` the dev
   * authenticator, which takes any well-formed credentials as the local account). The routes read and
   * change one account's identities, so outside dev mode they are the account's as the SES API is.
   */
  readonly authenticate: (request: SesHttpRequest) => Promise<Scope>;
  /** `--dev`: a request without an Authorization header acts for the local account (curl, test suites). */
  readonly allowUnsigned: boolean;
  readonly doctor: (scope: Scope, domain: string) => Promise<DoctorReport>;
  readonly check: (scope: Scope, domain: string) => Promise<DkimCheckOutcome>;
  /** A key rotation on demand (issue 16): the ring as it stands after the steps that could be taken now. */
  readonly rotate: (scope: Scope, domain: string) => Promise<KeyRingReport>;
  /** Present only in `--dev`: the sandbox zone and the service clock. */
  readonly dev?: {
    readonly publish: (scope: Scope, domain: string) => Promise<SandboxRecord[]>;
    readonly unpublish: (scope: Scope, domain: string) => Promise<SandboxRecord[]>;
    readonly clock: { now(): number; readonly offsetMs: number; advance(ms: number): void };
    /** A duration such as `73h`; a bad one is a DomainError (`invalid_parameter`). */
    readonly parseDuration: (text: string) => number;
  };
  readonly onInternalError?: (err: unknown, route: string) => void;
}

type Params = Record<string, string>;
type RouteWork = (scope: Scope, params: Params) => Promise<{ status?: number; body: unknown }>;

/** Every route and its methods: the table the README lists, and what a wrong method is told. */
export const SIGNET_ROUTES = {
  'dkim-doctor': ['GET', 'POST'],
  check: ['POST'],
  rotate: ['POST'],
  'publish-dkim-records': ['POST'],
  'unpublish-dkim-records': ['POST'],
  clock: ['GET', 'POST'],
} as const satisfies Record<string, readonly ('GET' | 'POST')[]>;

/** Parameters from the query string and a JSON or form body (the server hands every body over raw). */
function paramsOf(req: FastifyRequest): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8').trim() : '';
  if (body.startsWith('{') || body.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw badRequest(`The request body is not valid JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('The request body must be a JSON object.');
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  } else if (body !== '') {
    for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  }
  return out;
}

function requireDomain(params: Params): string {
  const domain = params['domain'] ?? params['Domain'];
  if (!domain) throw badRequest('The parameter domain is required.');
  return domain;
}

/**
 * Signet's own HTTP extensions beside the SES API, under `/_signet/` (static routes, which fastify
 * prefers over the SES handler's wildcard): the DKIM doctor and a detection check now, and in dev mode
 * the test controls (the sandbox zone, the clock). Every route authenticates as the SES API does; in
 * `--dev` an unsigned request acts for the local account. Errors answer in one JSON shape
 * (./signet-error.ts); an unknown route or method is a `NotFoundException` in that shape too.
 */
export function registerSignetRoutes(app: FastifyInstance, handlers: SignetRouteHandlers): void {
  const handle =
    (work: RouteWork) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      try {
        // Authentication before anything else is read: outside dev mode nothing answers an unsigned request.
        const unsigned = handlers.allowUnsigned && req.headers.authorization === undefined;
        const signedScope = unsigned ? null : await handlers.authenticate(sesRequestOf(req));
        const params = paramsOf(req);
        const scope = signedScope ?? { ...handlers.defaultScope, region: params['region'] || handlers.defaultScope.region };
        const { status = 200, body } = await work(scope, params);
        return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
      } catch (err) {
        const known = signetRouteErrorOf(err);
        if (known) return sendSignetError(reply, known);
        handlers.onInternalError?.(err, req.url.slice(0, 200));
        return sendSignetError(reply, INTERNAL_FAILURE);
      }
    };
  const route = (name: keyof typeof SIGNET_ROUTES, work: RouteWork) =>
    app.route({ method: [...SIGNET_ROUTES[name]], url: `/_signet/${name}`, handler: handle(work) });

  route('dkim-doctor', async (scope, params) => ({ body: await handlers.doctor(scope, requireDomain(params)) }));
  route('check', async (scope, params) => {
    const outcome = await handlers.check(scope, requireDomain(params));
    // The worker's own check of the domain is under way: it ends within a lookup's time, so try again.
    if (outcome.kind === 'busy') throw new SignetRouteError('ConflictException', `A check of ${outcome.domain} is in progress; try again.`, 409);
    return { body: outcome.report };
  });
  route('rotate', async (scope, params) => ({ body: await handlers.rotate(scope, requireDomain(params)) }));

  const dev = handlers.dev;
  const devOnly = (name: keyof typeof SIGNET_ROUTES, work: (d: NonNullable<typeof dev>, scope: Scope, params: Params) => ReturnType<RouteWork>) =>
    route(name, async (scope, params) => {
      if (!dev) throw new SignetRouteError('NotFoundException', `/_signet/${name} is served only by signet serve --dev.`, 404);
      return work(dev, scope, params);
    });
  devOnly('publish-dkim-records', async (d, scope, params) => ({ body: { published: await d.publish(scope, requireDomain(params)) } }));
  devOnly('unpublish-dkim-records', async (d, scope, params) => ({ body: { unpublished: await d.unpublish(scope, requireDomain(params)) } }));
  devOnly('clock', async (d, _scope, params) => {
    const advance = params['advance'];
    if (advance !== undefined) {
      if (advance === '') throw badRequest('The parameter advance must be a duration such as 73h.');
      d.clock.advance(d.parseDuration(advance));
    }
    return { body: { now: new Date(d.clock.now()).toISOString(), nowMs: d.clock.now(), offsetMs: d.clock.offsetMs } };
  });

  // Anything else under /_signet/ (the verification link's page is registered on its own) answers in
  // the same shape rather than reaching the SES handler's wildcard.
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/_signet/*',
    handler: async (req, reply) => {
      const name = (req.params as { '*': string })['*'];
      const methods: readonly string[] | undefined = Object.hasOwn(SIGNET_ROUTES, name) ? SIGNET_ROUTES[name as keyof typeof SIGNET_ROUTES] : undefined;
      const text = methods ? `/_signet/${name} takes ${methods.join(' or ')}, not ${req.method}.` : `There is no route /_signet/${name.slice(0, 100)}.`;
      return sendSignetError(reply, new SignetRouteError('NotFoundException', text, 404));
    },
  });
}
