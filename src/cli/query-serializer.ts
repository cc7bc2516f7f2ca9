import type { ServiceModel } from '../model/service.ts';
import type { ShapeData } from '../model/service-types.ts';
import { isPlainObject, PyFloat, pyFloatRepr } from './values.ts';

/**
 * botocore's QuerySerializer: `Action`, `Version`, then the parameters in dict order, flattened
 * (`Message.Body.Text.Data`, `Identities.member.1`, `X.entry.1.key`), urlencoded like Python's
 * urlencode (quote_plus: space -> '+', unreserved `A-Za-z0-9_.-~` kept, the rest %XX).
 */
export function serializeQuery(model: ServiceModel, action: string, inputShape: string | undefined, params: Record<string, unknown>): string {
  const pairs: [string, string][] = [
    ['Action', action],
    ['Version', model.data.metadata.apiVersion],
  ];
  if (inputShape) serializeStructure(model, model.shape(inputShape), params, '', pairs);
  return pairs.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
}

function serialize(model: ServiceModel, shape: ShapeData, value: unknown, prefix: string, out: [string, string][]): void {
  switch (shape.type) {
    case 'structure':
      serializeStructure(model, shape, value as Record<string, unknown>, `${prefix}.`, out);
      return;
    case 'list': {
      const list = value as unknown[];
      if (list.length === 0) {
        out.push([prefix, '']);
        return;
      }
      const ms = model.shape(shape.member!);
      list.forEach((v, i) => serialize(model, ms, v, `${prefix}.member.${i + 1}`, out));
      return;
    }
    case 'map': {
      const ks = model.shape(shape.key!);
      const vs = model.shape(shape.value!);
      Object.entries(value as Record<string, unknown>).forEach(([k, v], i) => {
        serialize(model, ks, k, `${prefix}.entry.${i + 1}.key`, out);
        serialize(model, vs, v, `${prefix}.entry.${i + 1}.value`, out);
      });
      return;
    }
    case 'boolean':
      out.push([prefix, value ? 'true' : 'false']);
      return;
    case 'blob':
      out.push([prefix, Buffer.from(typeof value === 'string' ? Buffer.from(value, 'utf8') : (value as Uint8Array)).toString('base64')]);
      return;
    case 'double':
    case 'float':
      out.push([prefix, value instanceof PyFloat || !Number.isInteger(value) ? pyFloatRepr(Number(value)) : String(value)]);
      return;
    default:
      out.push([prefix, String(value)]);
  }
}

function serializeStructure(model: ServiceModel, shape: ShapeData, value: Record<string, unknown>, prefix: string, out: [string, string][]): void {
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const m = (shape.members ?? []).find((x) => x.name === k);
    if (!m || v === null || v === undefined) continue;
    serialize(model, model.shape(m.shape), v, `${prefix}${k}`, out);
  }
}

/** Python urllib.parse.quote_plus over UTF-8 bytes. */
export function quotePlus(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2e || b === 0x2d || b === 0x7e) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
