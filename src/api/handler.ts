import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app/context.ts';
import { isDomainError, type Scope } from '../core/index.ts';
import { SES_ACTIONS } from './actions/index.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { RateLimiter } from '../app/rate-limiter.ts';
import { parseForm, printable } from './form.ts';
import type { ServiceModelData } from '../model/service-types.ts';
import { compileOperations } from './query/operations.ts';
import type { EncodeOptions } from './query/encoder.ts';
import { SesError, sesErrorFromDomain } from './ses-error.ts';
import { errorEnvelope } from './xml.ts';
import type { SesHttpRequest } from './http-request.ts';

export type { SesHttpRequest } from './http-request.ts';

export const SES_API_VERSION = '2010-12-01';

/** The largest legitimate body (see config/http-config.ts). */
export { MAX_BODY_BYTES } from '../config/http-config.ts';
import { MAX_BODY_BYTES } from '../config/http-config.ts';

/** Bodies above this are sends (the other actions take a few parameters). */
const LARGE_BODY_BYTES = 64 * 1024;

export interface SesHttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** For logs and metrics: the action, the account it acted for, and the error code, if any. */
  readonly action: string | null;
  readonly accountId: string | null;
  readonly errorCode: string | null;
  readonly requestId: string;
}

export interface SesHandlerOptions {
  /** Who the request acts for: SigV4 verification, dev mode, or the local in-process caller. */
  readonly authenticator: Authenticator;
  /** Per account and region limits of the identity operations; none means no throttling. */
  readonly limiter?: RateLimiter | undefined;
  /** Called for failures that are not the caller's fault (they answer 500 InternalFailure). */
  readonly onInternalError?: (err: unknown, requestId: string) => void;
  /** Makes each response's RequestId; node:crypto's randomUUID unless given (see embedded-transport.ts). */
  readonly requestId?: (() => string) | undefined;
  /**
   * SES v1's model (src/model/ses-model.generated.ts), given by the composition root: the command
   * line's in-process path hands over the one it has loaded, so that no process parses it twice.
   */
  readonly model: ServiceModelData;
  /** The tests' strict encoding: an output member the model lacks fails the request (query/encoder.ts). */
  readonly encoding?: EncodeOptions | undefined;
}

export type SesHandler = (request: SesHttpRequest) => Promise<SesHttpResponse>;

/**
 * The SES Query-protocol API as a function: request in, response out, no socket. The HTTP server and
 * the command line's embedded mode both call it, so both run the same code.
 */
export function createSesHandler(ctx: AppContext, options: SesHandlerOptions): SesHandler {
  const newRequestId = options.requestId ?? randomUUID;
  // Each action's decoder and encoder, compiled from the model once per handler, never per request.
  const operations = compileOperations(options.model, SES_ACTIONS, options.encoding);
  return async (request) => {
    const requestId = request.requestId ?? newRequestId();
    let action: string | null = null;
    let scope: Scope | null = null;
    const answer = (status: number, body: string, errorCode: string | null): SesHttpResponse => ({
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body,
      action,
      accountId: scope?.accountId ?? null,
      errorCode,
      requestId,
    });
    try {
      if (request.method !== 'POST') {
        throw new SesError('InvalidAction', `The ${printable(request.method)} method is not supported; use POST.`, 405);
      }
      if (request.body.length > MAX_BODY_BYTES) {
        throw new SesError('InvalidParameterValue', `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`);
      }
      // AWS authenticates before it reads the request: a bad signature is refused whatever the body says.
      scope = await options.authenticator.authenticate(request);
      // Only a send carries a large body: an account over its MaxSendRate is refused before the body
      // is parsed and its message decoded, the costly part of a request (issue 14, finding 3).
      if (request.body.length > LARGE_BODY_BYTES && ctx.send?.rate?.wouldAllow?.(`${scope.accountId}/${scope.region}`) === false) {
        throw new SesError('Throttling', 'Maximum sending rate exceeded.');
      }
      const form = parseForm(request.body);
      const name = form.get('Action');
      if (name === undefined || name === '') throw new SesError('MissingAction', 'The request must contain the parameter Action.');
      const version = form.get('Version');
      const handler = operations.get(name);
      if (handler === undefined || (version !== undefined && version !== SES_API_VERSION)) {
        throw new SesError('InvalidAction', `Could not find operation ${printable(name)} for version ${printable(version ?? SES_API_VERSION)}`);
      }
      action = handler.name;
      if (handler.throttled && options.limiter && !(await options.limiter.tryTake(`${scope.accountId}/${scope.region}`))) {
        throw new SesError('Throttling', 'Rate exceeded');
      }
      const output = await handler.run(ctx, scope, handler.decode(form));
      return answer(200, handler.respond(output, requestId), null);
    } catch (err) {
      const sesError = toSesError(err);
      if (sesError === null) {
        options.onInternalError?.(err, requestId);
        const body = errorEnvelope('Receiver', 'InternalFailure', 'The request processing has failed because of an unknown error.', requestId);
        return answer(500, body, 'InternalFailure');
      }
      return answer(sesError.status, errorEnvelope(sesError.type, sesError.code, sesError.message, requestId), sesError.code);
    }
  };
}

function toSesError(err: unknown): SesError | null {
  if (err instanceof SesError) return err;
  if (isDomainError(err)) return sesErrorFromDomain(err.code, err.message);
  return null;
}
