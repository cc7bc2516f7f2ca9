import type { ServiceModel } from '../model/service.ts';
import type { ShapeData } from '../model/service-types.ts';
import { PyFloat, type PyValue } from './values.ts';

/**
 * botocore's ArgumentGenerator: a sample value for a shape. Input skeletons use empty strings, an
 * enum's first value, 0, 0.0, true, null for blobs; output skeletons (`use_member_names`) put the
 * member's name in strings. Recursion stops at the second visit of a shape.
 */
export function generateSkeleton(model: ServiceModel, shapeName: string, useMemberNames: boolean, timestamp = '1970-01-01T00:00:00'): PyValue {
  const gen = (name: string, memberName: string, stack: string[]): PyValue => {
    const shape = model.shape(name);
    if (stack.filter((s) => s === name).length > 1) return shape.type === 'list' ? [] : {};
    stack = [...stack, name];
    switch (shape.type) {
      case 'structure': {
        const out: { [k: string]: PyValue } = {};
        for (const m of shape.members ?? []) out[m.name] = gen(m.shape, m.name, stack);
        return out;
      }
      case 'list':
        return [gen(shape.member!, useMemberNames ? shape.member! : '', stack)];
      case 'map':
        // botocore names no map value: a string value is '' even in an output skeleton.
        return { KeyName: gen(shape.value!, '', stack) };
      case 'string':
        if (useMemberNames) return memberName;
        return shape.enum && shape.enum.length > 0 ? shape.enum[0]! : '';
      case 'integer':
      case 'long':
        return 0;
      case 'double':
      case 'float':
        return new PyFloat(0);
      case 'boolean':
        return true;
      case 'timestamp':
        return timestamp;
      default:
        return null;
    }
  };
  return gen(shapeName, '', []);
}

/**
 * `--generate-cli-skeleton yaml-input`: the input skeleton as ruamel.yaml's round-trip dumper writes
 * it, model order kept, an end-of-line comment after each key with `[REQUIRED]`, the first sentence
 * of the member's documentation and an enum's values. The comment column follows ruamel: the first
 * commented key of a mapping gets two spaces before `#`, later ones one.
 */
export function yamlInputSkeleton(model: ServiceModel, shapeName: string | undefined): string {
  if (!shapeName) return '{}\n';
  const out: string[] = [];
  const structure = (shape: ShapeData, indent: number, firstInline: boolean, stack: string[]) => {
    const members = shape.members ?? [];
    if (members.length === 0) {
      out.push('{}\n');
      return;
    }
    const commented: string[] = [];
    members.forEach((m, i) => {
      const ms = model.shape(m.shape);
      const pad = i === 0 && firstInline ? '' : ' '.repeat(indent);
      const parts: string[] = [];
      if ((shape.required ?? []).includes(m.name)) parts.push('[REQUIRED]');
      parts.push(m.overview);
      if (ms.enum) parts.push(`Valid values are: ${ms.enum.join(', ')}.`);
      const text = parts.join(' ');
      let comment = '';
      if (text.trim() !== '') {
        const prev = members[i - 1];
        const prevCommented = prev !== undefined && commented.includes(prev.name);
        const earlier = members.slice(0, i).some((x) => x.name < m.name && commented.includes(x.name));
        const spaces = prevCommented || earlier ? ' ' : '  ';
        comment = `${spaces}# ${text}`;
        commented.push(m.name);
      }
      const nextStack = [...stack, m.shape];
      if (stack.filter((s) => s === m.shape).length > 1) {
        out.push(`${pad}${m.name}: {}${comment}\n`);
        return;
      }
      if (ms.type === 'structure') {
        out.push(`${pad}${m.name}:${comment || ''}\n`);
        structure(ms, indent + 2, false, nextStack);
      } else if (ms.type === 'list') {
        out.push(`${pad}${m.name}:${comment}\n`);
        list(ms, indent, nextStack);
      } else if (ms.type === 'map') {
        out.push(`${pad}${m.name}:${comment}\n`);
        const vs = model.shape(ms.value!);
        out.push(`${' '.repeat(indent + 2)}KeyName: ${scalar(vs)}\n`);
      } else out.push(`${pad}${m.name}: ${scalar(ms)}${comment}\n`);
    });
  };
  const list = (shape: ShapeData, indent: number, stack: string[]) => {
    const ms = model.shape(shape.member!);
    if (ms.type === 'structure') {
      out.push(`${' '.repeat(indent)}- `);
      structure(ms, indent + 2, true, [...stack, shape.member!]);
    } else if (ms.type === 'list') {
      out.push(`${' '.repeat(indent)}- - ${scalar(model.shape(ms.member!))}\n`);
    } else out.push(`${' '.repeat(indent)}- ${scalar(ms)}\n`);
  };
  const scalar = (s: ShapeData): string => {
    switch (s.type) {
      case 'string':
        return s.enum && s.enum.length > 0 ? s.enum[0]! : "''";
      case 'integer':
      case 'long':
        return '0';
      case 'double':
      case 'float':
        return '0.0';
      case 'boolean':
        return 'true';
      case 'blob':
        return "!!binary ''";
      default:
        return "''";
    }
  };
  structure(model.shape(shapeName), 0, false, [shapeName]);
  return out.join('');
}
