import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app/context.ts';
import { isDomainError, type Scope } from '../core/index.ts';
import { SES_ACTIONS } from './actions/index.ts';
import { regionFromAuthorization } from './credential-scope.ts';
import { parseForm, printable } from './form.ts';
import { Params } from './params.ts';
import { SesError, sesErrorFromDomain } from './ses-error.ts';
import { errorEnvelope, successEnvelope } from './xml.ts';

export const SES_API_VERSION = '2010-12-01';

/**
 * The largest legitimate body is SendRawEmail's: a 10 MB message, base64-encoded (4/3), then
 * form-encoded, where '+', '/' and '=' become three bytes each. 3 × 4/3 × 10 MB bounds that, plus room
 * for the other members.
 */
export const MAX_BODY_BYTES = 4 * 10 * 1024 * 1024 + 64 * 1024;

/** A request as any transport (HTTP server, in-process CLI) hands it over. */
export interface SesHttpRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export interface SesHttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** For logs and metrics: the action and the error code, if any. */
  readonly action: string | null;
  readonly errorCode: string | null;
}

export interface SesHandlerOptions {
  /** The account every request belongs to until accounts and SigV4 enforcement land. */
  readonly accountId: string;
  /** The region of a request that carries no credential scope. */
  readonly defaultRegion: string;
  /** Called for failures that are not the caller's fault (they answer 500 InternalFailure). */
  readonly onInternalError?: (err: unknown, requestId: string) => void;
}

export type SesHandler = (request: SesHttpRequest) => Promise<SesHttpResponse>;

/**
 * The SES Query-protocol API as a function: request in, response out, no socket. The HTTP server and
 * the command line's embedded mode both call it, so both run the same code.
 */
export function createSesHandler(ctx: AppContext, options: SesHandlerOptions): SesHandler {
  return async (request) => {
    const requestId = randomUUID();
    let action: string | null = null;
    try {
      if (request.method !== 'POST') {
        throw new SesError('InvalidAction', `The ${printable(request.method)} method is not supported; use POST.`, 405);
      }
      if (request.body.length > MAX_BODY_BYTES) {
        throw new SesError('InvalidParameterValue', `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`);
      }
      const form = parseForm(request.body);
      action = form.get('Action') ?? null;
      if (action === null || action === '') throw new SesError('MissingAction', 'The request must contain the parameter Action.');
      const version = form.get('Version');
      const handler = SES_ACTIONS.get(action);
      if (handler === undefined || (version !== undefined && version !== SES_API_VERSION)) {
        const text = `Could not find operation ${printable(action)} for version ${printable(version ?? SES_API_VERSION)}`;
        action = null;
        throw new SesError('InvalidAction', text);
      }
      const scope: Scope = {
        accountId: options.accountId,
        region: regionFromAuthorization(request.headers['authorization']) ?? options.defaultRegion,
      };
      const result = await handler.run(ctx, scope, new Params(form));
      return respond(200, successEnvelope(handler.name, result, requestId), requestId, action, null);
    } catch (err) {
      const sesError = toSesError(err);
      if (sesError === null) {
        options.onInternalError?.(err, requestId);
        const body = errorEnvelope('Receiver', 'InternalFailure', 'The request processing has failed because of an unknown error.', requestId);
        return respond(500, body, requestId, action, 'InternalFailure');
      }
      const body = errorEnvelope(sesError.type, sesError.code, sesError.message, requestId);
      return respond(sesError.status, body, requestId, action, sesError.code);
    }
  };
}

function toSesError(err: unknown): SesError | null {
  if (err instanceof SesError) return err;
  if (isDomainError(err)) return sesErrorFromDomain(err.code, err.message);
  return null;
}

function respond(
  status: number,
  body: string,
  requestId: string,
  action: string | null,
  errorCode: string | null,
): SesHttpResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body,
    action,
    errorCode,
  };
}
