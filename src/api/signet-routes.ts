import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, type Scope } from '../core/index.ts';
import type { SesHttpRequest } from './http-request.ts';
import { sesRequestOf } from './fastify-request.ts';
import { SesError } from './ses-error.ts';
import type { DoctorReport } from '../app/dkim-doctor.ts';
import type { CheckNowResult } from '../app/run-detection-check.ts';
import type { SandboxRecord } from '../app/detection-ports.ts';

/** What the `/_signet/` routes call; the composition root binds them to the use cases. */
export interface SignetRouteHandlers {
  readonly defaultScope: Scope;
  /**
   * Outside dev mode the doctor reads one account's identities, so it is authenticated like the SES
   * API (SigV4 for the account); absent in dev mode, where the local account answers.
   */
  readonly authenticate?: (request: SesHttpRequest) => Promise<Scope>;
  readonly doctor: (scope: Scope, domain: string) => Promise<DoctorReport>;
  /** Present only in `--dev`: the test controls. */
  readonly dev?: {
    readonly publish: (scope: Scope, domain: string) => Promise<SandboxRecord[]>;
    readonly unpublish: (scope: Scope, domain: string) => Promise<SandboxRecord[]>;
    readonly check: (scope: Scope, domain: string) => Promise<CheckNowResult>;
    readonly clock: { now(): number; readonly offsetMs: number; advance(ms: number): void };
    readonly parseDuration: (text: string) => number;
  };
}

/** Parameters from the query string and a JSON or form body (the server hands every body over raw). */
function paramsOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8').trim() : '';
  if (body.startsWith('{')) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  } else if (body !== '') {
    for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  }
  return out;
}

async function respond(reply: FastifyReply, work: () => Promise<{ status?: number; body: unknown }>): Promise<void> {
  try {
    const { status = 200, body } = await work();
    await reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
  } catch (err) {
    const known = isDomainError(err)
      ? { status: err.code === 'identity_not_found' ? 404 : 400, code: err.code }
      : err instanceof SyntaxError || err instanceof RangeError
        ? { status: 400, code: 'invalid_parameter' }
        : null;
    if (known === null) throw err;
    await reply
      .code(known.status)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ error: known.code, message: (err as Error).message }));
  }
}

function requireDomain(params: Record<string, string>): string {
  const domain = params['domain'] ?? params['Domain'];
  if (!domain) throw new RangeError('the parameter domain is required');
  return domain;
}

/**
 * Signet's own HTTP extensions beside the SES API, under `/_signet/` (static routes, which fastify
 * prefers over the SES handler's wildcard): the DKIM doctor, and in dev mode the test controls.
 */
export function registerSignetRoutes(app: FastifyInstance, handlers: SignetRouteHandlers): void {
  const scopeOf = (params: Record<string, string>): Scope => ({ ...handlers.defaultScope, region: params['region'] || handlers.defaultScope.region });
  app.get('/_signet/dkim-doctor', (req, reply) =>
    respond(reply, async () => {
      const params = paramsOf(req);
      let scope = scopeOf(params);
      if (handlers.authenticate) {
        try {
          scope = await handlers.authenticate(sesRequestOf(req));
        } catch (err) {
          if (!(err instanceof SesError)) throw err;
          return { status: err.status, body: { error: err.code, message: err.message } };
        }
      }
      return { body: await handlers.doctor(scope, requireDomain(params)) };
    }),
  );
  const dev = handlers.dev;
  if (!dev) return;
  app.post('/_signet/publish-dkim-records', (req, reply) =>
    respond(reply, async () => {
      const params = paramsOf(req);
      return { body: { published: await dev.publish(scopeOf(params), requireDomain(params)) } };
    }),
  );
  app.post('/_signet/unpublish-dkim-records', (req, reply) =>
    respond(reply, async () => {
      const params = paramsOf(req);
      return { body: { unpublished: await dev.unpublish(scopeOf(params), requireDomain(params)) } };
    }),
  );
  const clockState = () => ({ now: new Date(dev.clock.now()).toISOString(), nowMs: dev.clock.now(), offsetMs: dev.clock.offsetMs });
  app.get('/_signet/clock', (_req, reply) => respond(reply, async () => ({ body: clockState() })));
  app.post('/_signet/clock', (req, reply) =>
    respond(reply, async () => {
      const params = paramsOf(req);
      const advance = params['advance'];
      if (!advance) throw new RangeError('the parameter advance (a duration such as 73h) is required');
      dev.clock.advance(dev.parseDuration(advance));
      return { body: clockState() };
    }),
  );
  app.post('/_signet/check', (req, reply) =>
    respond(reply, async () => {
      const params = paramsOf(req);
      const result = await dev.check(scopeOf(params), requireDomain(params));
      if (result.kind === 'not_found') return { status: 404, body: { error: 'identity_not_found' } };
      if (result.kind === 'busy') return { status: 409, body: { error: 'check_in_progress' } };
      const c = result.completion;
      return {
        body: {
          dkimStatus: c.dkim?.status ?? null,
          verificationStatus: c.verificationStatus,
          checkedAt: new Date(c.checkedAt).toISOString(),
          nextCheckAt: c.nextCheckAt === null ? null : new Date(c.nextCheckAt).toISOString(),
          records: c.records,
        },
      };
    }),
  );
}
