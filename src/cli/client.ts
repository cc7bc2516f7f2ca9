import type { Credentials } from './config.ts';
import { CliError, ConfigurationError, EXIT_OTHER, NO_REGION, OtherError, ServiceError } from './errors.ts';
import type { ServiceModel } from '../model/service.ts';
import type { OperationData } from '../model/service-types.ts';
import type { Params } from './params.ts';
import { serializeQuery } from './query-serializer.ts';
import { parseRestJsonError, parseRestJsonValue, pyJsonLoads, serializeRestJson, type TimestampFormat } from './rest-json.ts';
import { MapEntryError, parseQueryError, parseQueryResult } from './response-parser.ts';
import { signRequest } from './sign.ts';
import { TransportError, type Transport } from './transport.ts';
import { pyBytesRepr, type PyValue } from './values.ts';
import { parseXml, XmlSyntaxError } from './xml.ts';

/** botocore retries/standard.py: the error codes that are retried. */
const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

export interface ClientOptions {
  readonly model: ServiceModel;
  readonly transport: Transport;
  /** The endpoint URL (the embedded transport ignores the host). */
  readonly url: URL;
  /** null: no region configured; an error unless `allowMissingRegion` (the embedded path). */
  readonly region: string | null;
  readonly allowMissingRegion: boolean;
  /** null: `--no-sign-request`. Called once, when the first request is signed. */
  readonly credentials: (() => Credentials | null) | null;
  /** Whether missing credentials are an error (they are not on the embedded path). */
  readonly requireCredentials: boolean;
  readonly maxAttempts: number;
  readonly userAgent: string;
  /** `cli_timestamp_format` (REST-JSON responses carry epoch seconds). */
  readonly timestampFormat?: TimestampFormat;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type ResponseDict = { [key: string]: PyValue };

/**
 * Sends one operation the way botocore does: serialize, sign, send, retry (standard mode), parse.
 * The model's protocol decides the wire form: the Query API's signed form POST and XML answers
 * (`ses`), or REST-JSON (`sesv2`: the HTTP binding's method and path, JSON both ways).
 */
export class QueryClient {
  private creds: Credentials | null | undefined;

  constructor(private readonly o: ClientOptions) {
    if (o.region === null && !o.allowMissingRegion) throw new ConfigurationError(NO_REGION);
  }

  async call(op: OperationData, params: Params, cliCommand: string): Promise<ResponseDict> {
    const { model } = this.o;
    const rest = model.data.metadata.protocol === 'rest-json';
    let url = this.o.url;
    let method = 'POST';
    let body: string;
    let contentType: string | null = 'application/x-www-form-urlencoded; charset=utf-8';
    if (rest) {
      const r = serializeRestJson(model, op, params);
      url = new URL(this.o.url.href);
      // botocore's _urljoin: the endpoint's own path, then the operation's.
      const base = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
      url.pathname = base + r.path;
      url.search = r.query === '' ? '' : `?${r.query}`;
      method = r.method;
      body = r.body;
      contentType = r.contentType;
    } else body = serializeQuery(model, op.name, op.input, params);
    const region = this.o.region ?? 'us-east-1';
    if (this.o.credentials !== null && this.creds === undefined) {
      this.creds = this.o.credentials();
      if (this.creds === null && this.o.requireCredentials) {
        throw new ConfigurationError('Unable to locate credentials. You can configure credentials by running "aws configure".');
      }
    }
    const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      const host = this.o.url.host;
      const headers: Record<string, string> = { Host: host, 'Accept-Encoding': 'identity' };
      if (contentType !== null) headers['Content-Type'] = contentType;
      const toSign: Record<string, string> = contentType !== null ? { 'content-type': contentType, host } : { host };
      const signed = this.creds ? signRequest({ url, method, headers: toSign, body }, this.creds, region) : {};
      const wireHeaders: Record<string, string> = { ...headers, 'User-Agent': `${this.o.userAgent} command/${cliCommand}` };
      if (signed['X-Amz-Date']) wireHeaders['X-Amz-Date'] = signed['X-Amz-Date'];
      if (signed['X-Amz-Security-Token']) wireHeaders['X-Amz-Security-Token'] = signed['X-Amz-Security-Token'];
      if (signed['Authorization']) wireHeaders['Authorization'] = signed['Authorization'];
      let response;
      try {
        response = await this.o.transport.send({ url, method, headers: wireHeaders, body });
      } catch (err) {
        if (err instanceof TransportError) {
          if (err.retryable && attempt < this.o.maxAttempts) {
            await sleep(backoff(attempt));
            continue;
          }
          throw new OtherError(err.message);
        }
        throw err;
      }
      if (response.status >= 301) {
        const { code, message } = rest
          ? isGenericError(response.status, response.body)
            ? { code: String(response.status), message: response.reason }
            : parseRestJsonError(response.status, response.headers ?? {}, response.body)
          : parseErrorBody(response.status, response.reason, response.body);
        const retryable = RETRYABLE_STATUS.has(response.status) || RETRYABLE_CODES.has(code);
        if (retryable && attempt < this.o.maxAttempts) {
          await sleep(backoff(attempt));
          continue;
        }
        throw new ServiceError(code, message, op.name, retryable ? attempt - 1 : null, response.status);
      }
      return rest ? this.parseRestSuccess(op, response.body) : parseSuccess(model, op, response.body);
    }
  }

  private parseRestSuccess(op: OperationData, body: Buffer): ResponseDict {
    const { model } = this.o;
    const text = body.toString('utf8');
    let result: ResponseDict = {};
    if (op.output && text.trim() !== '') {
      let parsed: PyValue;
      try {
        parsed = pyJsonLoads(text);
      } catch {
        throw new CliError(`Unable to parse response (${text}), invalid JSON received. Further retries may succeed:\n${pyBytesRepr(body)}`, EXIT_OTHER);
      }
      result = parseRestJsonValue(model, model.shape(op.output), parsed, this.o.timestampFormat ?? 'iso8601') as ResponseDict;
    }
    result['ResponseMetadata'] = {};
    return result;
  }
}

/** botocore's generic error: a 5xx with no body or an HTML page; the code is the status. */
function isGenericError(status: number, body: Buffer): boolean {
  return status >= 500 && (body.length === 0 || body.subarray(0, 6).toString('latin1') === '<html>');
}

/** Standard mode's delay: random() * 2^(attempt-1) seconds, at most 20 s. */
function backoff(attempt: number): number {
  return Math.min(Math.random() * 2 ** (attempt - 1), 20) * 1000;
}

function parseFailure(reason: string, body: Buffer): CliError {
  return new CliError(`Unable to parse response (${reason}), invalid XML received. Further retries may succeed:\n${pyBytesRepr(body)}`, EXIT_OTHER);
}

function parseErrorBody(status: number, reason: string, body: Buffer): { code: string; message: string } {
  if (status >= 500 && (body.length === 0 || body.subarray(0, 6).toString('latin1') === '<html>')) {
    return { code: String(status), message: reason };
  }
  try {
    const root = parseXml(body.toString('utf8'));
    const e = parseQueryError(root);
    return { code: e.code, message: e.message };
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw parseFailure(err.message, body);
    throw err;
  }
}

function parseSuccess(model: ServiceModel, op: OperationData, body: Buffer): ResponseDict {
  let root;
  try {
    root = parseXml(body.toString('utf8'));
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw parseFailure(err.message, body);
    throw err;
  }
  let result: ResponseDict = {};
  if (op.output) {
    const wrapperName = op.resultWrapper ?? `${op.name}Result`;
    const wrapper = root.children.find((c) => c.name === wrapperName);
    // botocore looks the wrapper up by name: a KeyError, which the CLI prints as the bare repr.
    if (!wrapper) throw new CliError(`'${wrapperName}'`, EXIT_OTHER);
    try {
      result = parseQueryResult(model, op.output, wrapper);
    } catch (err) {
      if (err instanceof MapEntryError)
        throw new CliError(`Unable to parse response (${err.message}), invalid XML received. Further retries may succeed:\n${pyBytesRepr(body)}`, EXIT_OTHER);
      throw err;
    }
  }
  const meta = root.children.find((c) => c.name === 'ResponseMetadata');
  const metadata: { [k: string]: PyValue } = {};
  for (const c of meta?.children ?? []) metadata[c.name] = c.text;
  result['ResponseMetadata'] = metadata;
  return result;
}
