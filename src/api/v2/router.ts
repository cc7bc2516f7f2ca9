import { SESV2_MODEL } from '../../model/sesv2-model.generated.ts';
import { badRequest, SesV2Error } from './errors.ts';

export type SesV2OperationName =
  | 'CreateEmailIdentity'
  | 'GetEmailIdentity'
  | 'ListEmailIdentities'
  | 'DeleteEmailIdentity'
  | 'PutEmailIdentityDkimAttributes'
  | 'PutEmailIdentityDkimSigningAttributes'
  | 'PutEmailIdentityMailFromAttributes'
  | 'SendEmail'
  | 'GetAccount'
  | 'CreateEmailIdentityPolicy'
  | 'GetEmailIdentityPolicies'
  | 'UpdateEmailIdentityPolicy'
  | 'DeleteEmailIdentityPolicy';

/** A route: method and path segments, `{Name}` standing for one non-empty label (`{EmailIdentity}`, `{PolicyName}`). */
interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly operation: SesV2OperationName;
}

const LABEL = '{EmailIdentity}';
const LABEL_PATTERN = /^\{([A-Za-z]+)\}$/;

function route(method: string, uri: string, operation: string): Route {
  return { method, segments: uri.split('/').slice(1), operation: operation as SesV2OperationName };
}

/**
 * The SES v2 routes: the service model's HTTP bindings (src/model, the newer botocore's), plus the
 * two forms other clients use: PutEmailIdentityDkimSigningAttributes under `/v1/` (AWS CLI 2.9.19 and
 * older aws-sdk-js-v3, from the Pinpoint Email API), and ListEmailIdentities as `POST
 * /v2/email/list-identities` with a JSON body (aws-sdk-js-v3 from 3.1144, a newer model than botocore's).
 */
const ROUTES: readonly Route[] = [
  ...SESV2_MODEL.operations.map((op) => route(op.http!.method, op.http!.requestUri, op.name)),
  route('PUT', `/v1/email/identities/${LABEL}/dkim/signing`, 'PutEmailIdentityDkimSigningAttributes'),
  route('POST', '/v2/email/list-identities', 'ListEmailIdentities'),
];

/** Whether a request path (query included or not) belongs to the SES v2 API rather than v1's `POST /`. */
export function isSesV2Path(path: string): boolean {
  return path.startsWith('/v2/email/') || path.startsWith('/v1/email/') || path === '/v2/email' || path === '/v1/email';
}

export interface MatchedRoute {
  readonly operation: SesV2OperationName;
  /** The `{EmailIdentity}` label, percent-decoded; undefined for routes without one. */
  readonly identity: string | undefined;
  /** Every label of the route by its member name (`EmailIdentity`, `PolicyName`), percent-decoded. */
  readonly labels: Readonly<Record<string, string>>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('The request path is not valid percent-encoding.');
  }
}

/**
 * Finds the operation of a request. The path is split on `/` BEFORE its segments are percent-decoded:
 * an address may hold `/` or `+`, which clients send as `%2F` and `%2B` inside one label. A path that
 * matches no route is 404 UnknownOperationException; one that matches with another method is 405.
 */
export function matchRoute(method: string, path: string): MatchedRoute {
  const raw = path.split('/');
  if (raw[0] !== '') throw new SesV2Error('UnknownOperationException', 'The requested operation is not recognized.', 404);
  const segments = raw.slice(1).map(decodeSegment);
  let pathMatched = false;
  for (const route of ROUTES) {
    if (route.segments.length !== segments.length) continue;
    const labels: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const want = route.segments[i]!;
      const label = LABEL_PATTERN.exec(want);
      if (label !== null) {
        if (segments[i] === '') ok = false;
        else labels[label[1]!] = segments[i]!;
      } else if (want !== segments[i]) ok = false;
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { operation: route.operation, identity: labels['EmailIdentity'], labels };
  }
  if (pathMatched) throw new SesV2Error('MethodNotAllowedException', `The ${method.slice(0, 10)} method is not allowed on this resource.`, 405);
  throw new SesV2Error('UnknownOperationException', 'The requested operation is not recognized.', 404);
}

/** The query string as name -> first value; `+` stays `+` (clients percent-encode it), bad escapes are 400. */
export function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (query === '') return out;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeSegment(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeSegment(pair.slice(eq + 1));
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}
