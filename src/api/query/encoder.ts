import type { ServiceModelData, ShapeData } from '../../model/service-types.ts';
import { escapeXml } from '../xml.ts';

/**
 * Query-protocol output, encoded from the operation's output shape in the one SES v1 model as SES
 * writes it: members in model order (botocore does not care, but SES's bytes do, and the golden
 * tests hold them), absent members left out, lists as `<member>` items, maps as
 * `<entry><key>…</key><value>…</value></entry>` (botocore requires these tags), an empty list, map
 * or structure as `<Name/>`. Scalars: booleans `true`/`false`, doubles with a decimal point (botocore
 * reads them with float(), and the AWS CLI prints `200.0`), timestamps (epoch milliseconds in the
 * output object) as ISO 8601 in UTC to the second (`2011-08-03T19:23:00Z`, the API reference's example).
 *
 * An output is an object keyed by the model's member names; a map may be a Map or a plain object.
 */
export type XmlEncoder = (value: unknown) => string;

/** Writes one named element around a value of a shape. */
type ElementWriter = (name: string, value: unknown) => string;

export interface EncodeOptions {
  /**
   * Refuse an output member the model's shape lacks (else it is left out unwritten): the tests turn
   * this on, so that an action and the model drifting apart fail there, not in front of a client.
   */
  readonly strict?: boolean;
}

/** Compiles the encoder of a shape's contents (the children of `<XResult>`), once, when the server starts. */
export function compileEncoder(model: ServiceModelData, shapeName: string, options: EncodeOptions = {}): XmlEncoder {
  return compileShape(model, shapeName, new Map(), options.strict === true);
}

function shapeOf(model: ServiceModelData, name: string): ShapeData {
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`the model has no shape ${name}`);
  return shape;
}

/** `cache` ties recursive shapes (none in SES v1 today) and shares encoders between members of one shape. */
function compileShape(model: ServiceModelData, name: string, cache: Map<string, XmlEncoder>, strict: boolean): XmlEncoder {
  const known = cache.get(name);
  if (known !== undefined) return known;
  let compiled: XmlEncoder | undefined;
  cache.set(name, (value) => compiled!(value));
  compiled = build(model, name, shapeOf(model, name), cache, strict);
  cache.set(name, compiled);
  return compiled;
}

function build(model: ServiceModelData, shapeName: string, shape: ShapeData, cache: Map<string, XmlEncoder>, strict: boolean): XmlEncoder {
  switch (shape.type) {
    case 'string':
    case 'blob':
      return (value) => escapeXml(String(value));
    case 'boolean':
      return (value) => (value ? 'true' : 'false');
    case 'integer':
    case 'long':
      return (value) => String(value);
    case 'double':
    case 'float':
      return (value) => (Number.isInteger(value) ? (value as number).toFixed(1) : String(value));
    case 'timestamp':
      return (value) => new Date(value as number).toISOString().replace(/\.\d{3}Z$/, 'Z');
    case 'list': {
      const item = writerOf(model, shape.member!, cache, strict);
      return (value) => {
        let out = '';
        for (const v of value as readonly unknown[]) out += item('member', v);
        return out;
      };
    }
    case 'map': {
      const key = writerOf(model, shape.key!, cache, strict);
      const val = writerOf(model, shape.value!, cache, strict);
      return (value) => {
        let out = '';
        const entries = value instanceof Map ? value : Object.entries(value as Record<string, unknown>);
        for (const [k, v] of entries) out += `<entry>${key('key', k)}${val('value', v)}</entry>`;
        return out;
      };
    }
    case 'structure': {
      const members = (shape.members ?? []).map((m) => ({ name: m.name, write: writerOf(model, m.shape, cache, strict) }));
      const names = new Set(members.map((m) => m.name));
      return (value) => {
        const object = value as Record<string, unknown>;
        if (strict) {
          for (const key of Object.keys(object)) if (!names.has(key)) throw new Error(`${shapeName} has no member ${key} in the model`);
        }
        let out = '';
        for (const { name, write } of members) {
          const v = object[name];
          if (v !== undefined && v !== null) out += write(name, v);
        }
        return out;
      };
    }
    default:
      throw new Error(`Query output of type ${shape.type} is not supported`);
  }
}

const CONTAINERS = new Set(['list', 'map', 'structure']);

/**
 * How a member of this shape is written: a list, map or structure with no contents as `<Name/>`, a
 * scalar always as `<Name>text</Name>` (an empty string too), as SES writes them.
 */
function writerOf(model: ServiceModelData, shapeName: string, cache: Map<string, XmlEncoder>, strict: boolean): ElementWriter {
  const encode = compileShape(model, shapeName, cache, strict);
  if (CONTAINERS.has(shapeOf(model, shapeName).type)) {
    return (name, value) => {
      const contents = encode(value);
      return contents === '' ? `<${name}/>` : `<${name}>${contents}</${name}>`;
    };
  }
  return (name, value) => `<${name}>${encode(value)}</${name}>`;
}
