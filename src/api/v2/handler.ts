import { randomUUID } from 'node:crypto';
import type { EmailIdentityContext } from '../../app/email-identity-view.ts';
import { isDomainError, type Scope } from '../../core/index.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { MAX_BODY_BYTES, type SesHttpResponse } from '../handler.ts';
import { SesError } from '../ses-error.ts';
import type { RateLimiter } from '../../app/rate-limiter.ts';
import { badRequest, SesV2Error, v2ErrorFromDomain } from './errors.ts';
import { JsonInput } from './json-input.ts';
import { ModelValidator } from './model-validation.ts';
import { SESV2_MODEL } from '../../model/sesv2-model.generated.ts';
import { SES_V2_OPERATIONS, type SesV2Options } from './operations.ts';
import { matchRoute, parseQuery, type SesV2OperationName } from './router.ts';

/** A request as any transport hands it over: the path without its query, and the query apart. */
export interface SesV2Request {
  readonly method: string;
  /** The path as sent, still percent-encoded (labels are split before they are decoded). */
  readonly path: string;
  /** The query string as sent, without `?` ('' when none). */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** As v1's (SesHttpRequest.requestId): the transport's id for the request. */
  readonly requestId?: string | undefined;
}

/** The same shape as the v1 handler's answer, so that one transport serves both. */
export type SesV2Response = SesHttpResponse;

export interface SesV2HandlerOptions extends SesV2Options {
  readonly authenticator: Authenticator;
  /** The same limiter as v1's identity operations, so that both APIs share one budget per account and region. */
  readonly limiter?: RateLimiter | undefined;
  readonly onInternalError?: (err: unknown, requestId: string) => void;
  /** As v1's (SesHandlerOptions.requestId). */
  readonly requestId?: (() => string) | undefined;
}

const MODEL_VALIDATOR = new ModelValidator(SESV2_MODEL);

export type SesV2Handler = (request: SesV2Request) => Promise<SesV2Response>;

/**
 * Only SendEmail carries a message; every other operation's body is a few members. A small bound
 * keeps a stray upload from being parsed as JSON.
 */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/**
 * The SES v2 REST-JSON API as a function: request in, response out, no socket (like the v1
 * handler, so that the command line can call it in-process). Authentication comes first, as AWS
 * does it: an unsigned or badly signed request learns nothing about routes or identities.
 */
export function createSesV2Handler(ctx: EmailIdentityContext, options: SesV2HandlerOptions): SesV2Handler {
  const newRequestId = options.requestId ?? randomUUID;
  return async (request) => {
    const requestId = request.requestId ?? newRequestId();
    let action: SesV2OperationName | null = null;
    let scope: Scope | null = null;
    const answer = (status: number, body: object, errorCode: string | null): SesV2Response => ({
      status,
      headers: {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...(errorCode === null ? {} : { 'x-amzn-errortype': errorCode }),
      },
      body: JSON.stringify(body),
      action,
      accountId: scope?.accountId ?? null,
      errorCode,
      requestId,
    });
    try {
      if (request.body.length > MAX_BODY_BYTES) throw badRequest(`The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`);
      // SigV4 signs the path and query exactly as sent.
      scope = await options.authenticator.authenticate({
        method: request.method,
        path: request.query === '' ? request.path : `${request.path}?${request.query}`,
        headers: request.headers,
        body: request.body,
      });
      const route = matchRoute(request.method, request.path);
      action = route.operation;
      if (route.operation !== 'SendEmail' && request.body.length > MAX_JSON_BODY_BYTES) {
        throw badRequest(`The request body exceeds the limit of ${MAX_JSON_BODY_BYTES} bytes for ${route.operation}.`);
      }
      const operation = SES_V2_OPERATIONS[route.operation];
      // GET and DELETE carry no members in the body (older js-v3 sends an empty one with a content type).
      const members = request.method === 'GET' || request.method === 'DELETE' ? {} : JsonInput.parseObject(request.body);
      // The service model's constraints first, as AWS validates before the operation runs.
      MODEL_VALIDATOR.validate(route.operation, members, route.labels);
      const body = new JsonInput(members);
      const query = parseQuery(request.query);
      if (operation.throttled && options.limiter && !(await options.limiter.tryTake(`${scope.accountId}/${scope.region}`))) {
        throw new SesV2Error('TooManyRequestsException', 'Rate exceeded', 429);
      }
      const output = await operation.run(ctx, scope, { identity: route.identity, labels: route.labels, query, body }, options);
      return answer(200, output, null);
    } catch (err) {
      const error = toV2Error(err);
      if (error === null) {
        options.onInternalError?.(err, requestId);
        return answer(500, { message: 'The request processing has failed because of an unknown error.' }, 'InternalServiceErrorException');
      }
      return answer(error.status, { message: error.message }, error.code);
    }
  };
}

function toV2Error(err: unknown): SesV2Error | null {
  if (err instanceof SesV2Error) return err;
  if (isDomainError(err)) return v2ErrorFromDomain(err.code, err.message);
  // The authenticator's refusals (MissingAuthenticationToken, SignatureDoesNotMatch, ...) keep their code and status.
  if (err instanceof SesError) return new SesV2Error(err.code, err.message, err.status);
  return null;
}
