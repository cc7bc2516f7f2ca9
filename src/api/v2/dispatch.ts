import type { SesHandler } from '../handler.ts';
import type { SesV2Handler } from './handler.ts';
import { isSesV2Path } from './router.ts';

/**
 * One listener for both APIs, as SES has one host for both: `/v2/email/...` and the legacy
 * `/v1/email/...` go to the REST-JSON v2 handler, everything else to the v1 Query handler (which
 * answers `POST /` and refuses the rest in its own XML).
 */
export function routeSesRequest(v1: SesHandler, v2: SesV2Handler): SesHandler {
  return (request) => {
    const full = request.path ?? '/';
    if (!isSesV2Path(full)) return v1(request);
    const mark = full.indexOf('?');
    return v2({
      method: request.method,
      path: mark === -1 ? full : full.slice(0, mark),
      query: mark === -1 ? '' : full.slice(mark + 1),
      headers: request.headers,
      body: request.body,
      requestId: request.requestId,
    });
  };
}
