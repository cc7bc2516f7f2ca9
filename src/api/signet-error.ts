import type { FastifyReply } from 'fastify';
import { isDomainError } from '../core/index.ts';
import { SesError } from './ses-error.ts';
import { v2ErrorFromDomain } from './v2/errors.ts';

/**
 * A refusal by one of Signet's own `/_signet/` routes. Every such route answers errors in one JSON
 * shape, SES v2's (`{"__type": CODE, "message": TEXT}`, the code also in `x-amzn-ErrorType`), so that
 * one client reads them all: `signet dkim check` and the other controls print the code and message.
 */
export class SignetRouteError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SignetRouteError';
  }
}

export function badRequest(message: string): SignetRouteError {
  return new SignetRouteError('BadRequestException', message, 400);
}

/** SES's words for a failure it cannot explain (its `InternalFailure`). */
export const INTERNAL_FAILURE = new SignetRouteError(
  'InternalFailure',
  'The request processing has failed because of an unknown error, exception or failure.',
  500,
);

/**
 * The one translation for these routes: domain codes as SES v2 reports them (the v2 API's table, so
 * `identity_not_found` is `NotFoundException` 404 here as there), the authenticator's refusals with
 * SES's own codes (`MissingAuthenticationToken`, `InvalidClientTokenId`, `SignatureDoesNotMatch`, 403),
 * and the routes' own. Null for anything else: an internal failure.
 */
export function signetRouteErrorOf(err: unknown): SignetRouteError | null {
  if (err instanceof SignetRouteError) return err;
  if (isDomainError(err)) {
    const v2 = v2ErrorFromDomain(err.code, err.message);
    return new SignetRouteError(v2.code, v2.message, v2.status);
  }
  if (err instanceof SesError) return new SignetRouteError(err.code, err.message, err.status);
  return null;
}

export function sendSignetError(reply: FastifyReply, error: SignetRouteError): FastifyReply {
  return (
    reply
      .code(error.status)
      .header('content-type', 'application/json')
      // The request's one id, as on its access-log line (http-server.ts).
      .header('x-amzn-requestid', reply.request.id)
      .header('x-amzn-errortype', error.code)
      .send(JSON.stringify({ __type: error.code, message: error.message }))
  );
}

/** The `/_signet/` routes answer errors in the shape above (the verification link's page aside). */
export function isSignetPath(url: string): boolean {
  return url === '/_signet' || url.startsWith('/_signet/') || url.startsWith('/_signet?');
}
