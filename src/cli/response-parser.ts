import type { ServiceModel } from '../model/service.ts';
import type { ShapeData } from '../model/service-types.ts';
import { PyFloat, type PyValue } from './values.ts';
import type { XmlElement } from './xml.ts';

/**
 * botocore's QueryParser, driven by the output shape: the `<Operation>Result` wrapper holds the
 * structure; lists take every child element as an item; maps need `key`/`value` children; booleans
 * are true only for the text `true`; doubles become Python floats; missing members stay absent.
 */
export function parseQueryResult(model: ServiceModel, outputShape: string, wrapperEl: XmlElement): { [key: string]: PyValue } {
  return parseStructure(model, model.shape(outputShape), wrapperEl);
}

export class MapEntryError extends Error {}

function parseStructure(model: ServiceModel, shape: ShapeData, el: XmlElement): { [key: string]: PyValue } {
  const out: { [key: string]: PyValue } = {};
  for (const m of shape.members ?? []) {
    const child = el.children.find((c) => c.name === m.name);
    if (child) out[m.name] = parseValue(model, model.shape(m.shape), child);
  }
  return out;
}

function parseValue(model: ServiceModel, shape: ShapeData, el: XmlElement): PyValue {
  switch (shape.type) {
    case 'structure':
      return parseStructure(model, shape, el);
    case 'list': {
      const ms = model.shape(shape.member!);
      return el.children.map((c) => parseValue(model, ms, c));
    }
    case 'map': {
      const ks = model.shape(shape.key!);
      const vs = model.shape(shape.value!);
      const out: { [key: string]: PyValue } = {};
      for (const entry of el.children) {
        let key: PyValue | undefined;
        let value: PyValue | undefined;
        for (const c of entry.children) {
          if (c.name === 'key') key = parseValue(model, ks, c);
          else if (c.name === 'value') value = parseValue(model, vs, c);
          else throw new MapEntryError(`Unknown tag: ${c.name}`);
        }
        out[String(key)] = value ?? null;
      }
      return out;
    }
    case 'boolean':
      return el.text === 'true';
    case 'integer':
    case 'long':
      return Number.parseInt(el.text, 10);
    case 'double':
    case 'float':
      return new PyFloat(Number(el.text));
    case 'blob':
      return new Uint8Array(Buffer.from(el.text, 'base64'));
    case 'timestamp':
      return isoTimestamp(el.text);
    default:
      return el.text;
  }
}

/**
 * A timestamp as the AWS CLI v2 prints it by default (`cli_timestamp_format = iso8601`): botocore
 * parses the wire text into a datetime and the CLI prints its Python `isoformat()`, so
 * `2026-12-01T04:15:00Z` becomes `2026-12-01T04:15:00+00:00` and a fraction is written in
 * microseconds only when not zero. Text of another form is printed as it came.
 */
export function isoTimestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (m === null) return text;
  const micro = (m[3] ?? '').slice(0, 6).padEnd(6, '0');
  const fraction = /^0*$/.test(micro) ? '' : `.${micro}`;
  const zone = m[4] === undefined ? '' : m[4] === 'Z' ? '+00:00' : `${m[4].slice(0, 3)}:${m[4].slice(-2)}`;
  return `${m[1]}T${m[2]}${fraction}${zone}`;
}

/** `<ErrorResponse><Error><Code/><Message/><Type/></Error><RequestId/></ErrorResponse>` (and `<Errors>`). */
export function parseQueryError(root: XmlElement): { code: string; message: string; type: string; requestId: string } {
  const find = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);
  let error = find(root, 'Error');
  const errors = find(root, 'Errors');
  if (!error && errors) error = find(errors, 'Error');
  if (!error && root.name === 'Error') error = root;
  return {
    code: (error && find(error, 'Code')?.text) ?? '',
    message: (error && find(error, 'Message')?.text) ?? '',
    type: (error && find(error, 'Type')?.text) ?? '',
    requestId: find(root, 'RequestId')?.text ?? '',
  };
}
