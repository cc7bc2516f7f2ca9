import type { ServiceModel } from '../model/service.ts';
import type { OperationData, ShapeData } from '../model/service-types.ts';
import type { Params } from './params.ts';
import { isPlainObject, jsonString, PyFloat, type PyValue } from './values.ts';

/** A REST-JSON request as botocore's RestJSONSerializer lays it out. */
export interface RestRequest {
  readonly method: string;
  /** The path with its labels percent-encoded, as sent. */
  readonly path: string;
  /** `a=b&c=d`, or '' when there is no query. */
  readonly query: string;
  readonly body: string;
  /** Only when there is a body: `application/json`. */
  readonly contentType: string | null;
}

/** Python's quote(text, safe): RFC 3986 unreserved characters and `safe` kept, the rest %XX of UTF-8. */
export function pyQuote(text: string, safe = ''): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.~-]/.test(c) || safe.includes(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function scalarText(v: PyValue): string {
  if (v === true) return 'true';
  if (v === false) return 'false';
  return String(v);
}

/**
 * botocore's RestJSONSerializer: `uri` members fill the request URI's labels (percent-encoded with
 * `/` too, unless the label is greedy), `querystring` members make the query in the order the
 * parameters were given, `header` members become headers, and the rest is the JSON body
 * (`json.dumps`: `, ` and `: ` separators, non-ASCII escaped). No body members: `{}` when the input
 * has any body member at all, else no body.
 */
export function serializeRestJson(model: ServiceModel, op: OperationData, params: Params): RestRequest {
  const http = op.http!;
  const shape = op.input ? model.shape(op.input) : null;
  const members = new Map((shape?.members ?? []).map((m) => [m.name, m]));
  const uri: Record<string, string> = {};
  const query: [string, string][] = [];
  const body: Params = {};
  let hasBody = false;
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    const m = members.get(name);
    if (!m) continue;
    const key = m.locationName ?? name;
    switch (m.location) {
      case 'uri':
        uri[key] = scalarText(value);
        break;
      case 'querystring':
        if (Array.isArray(value)) for (const v of value) query.push([key, scalarText(v)]);
        else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) query.push([k, scalarText(v)]);
        else query.push([key, scalarText(value)]);
        break;
      case 'header':
      case 'headers':
      case 'statusCode':
        // No input of the operations served binds a member to a header (AWS CLI 2.9.19's sesv2 model).
        break;
      default:
        body[name] = value;
        hasBody = true;
    }
  }
  const [template, fixedQuery] = http.requestUri.split('?', 2) as [string, string | undefined];
  const path = template.replace(/\{([^}]+)\}/g, (_m, label: string) =>
    label.endsWith('+') ? pyQuote(uri[label.slice(0, -1)] ?? '', '/~') : pyQuote(uri[label] ?? ''),
  );
  const queryText = [...(fixedQuery ? [fixedQuery] : []), ...query.map(([k, v]) => `${pyQuote(k)}=${pyQuote(v)}`)].join('&');
  let text = '';
  if (hasBody && shape) text = jsonDumpsAscii(serializeValue(model, shape, body));
  else if (shape && (shape.members ?? []).some((m) => m.location === undefined)) text = '{}';
  return { method: http.method, path, query: queryText, body: text, contentType: text === '' ? null : 'application/json' };
}

function serializeValue(model: ServiceModel, shape: ShapeData, value: PyValue): PyValue {
  switch (shape.type) {
    case 'structure': {
      if (!isPlainObject(value)) return value;
      const out: { [k: string]: PyValue } = {};
      for (const [k, v] of Object.entries(value)) {
        const m = (shape.members ?? []).find((x) => x.name === k);
        if (!m || v === null) continue;
        out[m.locationName ?? k] = serializeValue(model, model.shape(m.shape), v);
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((v) => serializeValue(model, model.shape(shape.member!), v)) : value;
    case 'map': {
      if (!isPlainObject(value)) return value;
      const out: { [k: string]: PyValue } = {};
      for (const [k, v] of Object.entries(value)) out[k] = serializeValue(model, model.shape(shape.value!), v);
      return out;
    }
    case 'blob':
      return value instanceof Uint8Array
        ? Buffer.from(value).toString('base64')
        : typeof value === 'string'
          ? Buffer.from(value, 'utf8').toString('base64')
          : value;
    default:
      return value;
  }
}

/** Python's json.dumps(value): `, ` and `: ` separators, ensure_ascii (non-ASCII as \uXXXX). */
export function jsonDumpsAscii(v: PyValue): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof PyFloat) return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : new PyFloat(v).toString();
  if (typeof v === 'string') return jsonString(v, true);
  if (v instanceof Uint8Array) return jsonString(Buffer.from(v).toString('base64'), true);
  if (Array.isArray(v)) return `[${v.map(jsonDumpsAscii).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${jsonString(k, true)}: ${jsonDumpsAscii(x)}`)
    .join(', ')}}`;
}

/**
 * Python's json.loads: like JSON.parse, but a number written with a fraction or an exponent is a
 * float (PyFloat) and one without is an int, as the AWS CLI prints them (`15.0` vs `15`).
 */
export function pyJsonLoads(text: string): PyValue {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxError(`Expecting value: line 1 column ${i + 1} (char ${i})`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: { [k: string]: PyValue } = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i++] !== ':') fail();
        out[k] = value();
        ws();
        const d = text[i++];
        if (d === '}') return out;
        if (d !== ',') fail();
      }
    }
    if (c === '[') {
      i++;
      const out: PyValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return out;
        if (d !== ',') fail();
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', new PyFloat(Number.NaN)],
      ['Infinity', new PyFloat(Number.POSITIVE_INFINITY)],
      ['-Infinity', new PyFloat(Number.NEGATIVE_INFINITY)],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
    return m[1] !== undefined || m[2] !== undefined ? new PyFloat(Number(m[0])) : Number(m[0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    let escaped = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') break;
    }
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) throw new SyntaxError(`Extra data: line 1 column ${i + 1} (char ${i})`);
  return v;
}

/** How timestamps print: `iso8601` (the default) or `wire` (as the service sent them). */
export type TimestampFormat = 'iso8601' | 'wire';

/** datetime.isoformat() of a UTC datetime: `2024-11-19T07:06:40+00:00`, microseconds when there are any. */
export function isoTimestamp(seconds: number): string {
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${base}${micros ? `.${String(micros).padStart(6, '0')}` : ''}+00:00`;
}

/**
 * botocore's RestJSONParser over the output shape: members in model order, absent or null ones left
 * out, members the model does not know dropped; blobs decoded from base64; timestamps as the CLI's
 * `cli_timestamp_format` says.
 */
export function parseRestJsonValue(model: ServiceModel, shape: ShapeData, value: PyValue, timestamps: TimestampFormat): PyValue {
  switch (shape.type) {
    case 'structure': {
      if (!isPlainObject(value)) return value;
      const out: { [k: string]: PyValue } = {};
      for (const m of shape.members ?? []) {
        if (m.location !== undefined) continue;
        const raw = value[m.locationName ?? m.name];
        if (raw !== undefined && raw !== null) out[m.name] = parseRestJsonValue(model, model.shape(m.shape), raw, timestamps);
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((v) => parseRestJsonValue(model, model.shape(shape.member!), v, timestamps)) : value;
    case 'map': {
      if (!isPlainObject(value)) return value;
      const out: { [k: string]: PyValue } = {};
      for (const [k, v] of Object.entries(value)) out[k] = parseRestJsonValue(model, model.shape(shape.value!), v, timestamps);
      return out;
    }
    case 'blob':
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value;
    case 'timestamp': {
      if (timestamps === 'wire') return value;
      const n = value instanceof PyFloat ? value.valueOf() : typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
      if (!Number.isNaN(n)) return isoTimestamp(n);
      const date = typeof value === 'string' ? new Date(value) : null;
      return date && !Number.isNaN(date.getTime()) ? isoTimestamp(date.getTime() / 1000) : value;
    }
    default:
      return value;
  }
}

/** botocore's REST-JSON error parsing: the code from `x-amzn-errortype`, else the body's `code` or `__type`. */
export function parseRestJsonError(status: number, headers: Readonly<Record<string, string>>, body: Buffer): { code: string; message: string } {
  let parsed: PyValue = {};
  const text = body.toString('utf8');
  if (text.trim() !== '') {
    try {
      parsed = pyJsonLoads(text);
    } catch {
      parsed = { message: text };
    }
  }
  const b = isPlainObject(parsed) ? parsed : {};
  const rawMessage = 'message' in b ? b['message'] : 'Message' in b ? b['Message'] : '';
  const message = rawMessage === null ? 'None' : String(rawMessage);
  let code = '__type' in b ? String(b['__type']) : String(status);
  if (code.includes('#')) code = code.slice(code.lastIndexOf('#') + 1);
  const header = headers['x-amzn-errortype'];
  if (header !== undefined) code = header.split(':')[0]!;
  else if ('code' in b || 'Code' in b) code = String(b['code'] ?? b['Code'] ?? '');
  return { code, message };
}
