import { DomainError } from '../../core/index.ts';
import type { ServiceModelData, ShapeData } from '../../model/service-types.ts';
import { SesError } from '../ses-error.ts';

/**
 * Query-protocol input, decoded from the form by the operation's input shape in the one SES v1 model
 * (src/model/ses-model.generated.ts), as botocore's QuerySerializer writes it: scalars under their
 * dotted path (`Message.Subject.Data`), lists as `Name.member.N` from 1 (an empty list as the bare
 * key `Name=`), maps as `Name.entry.N.key` / `Name.entry.N.value`, booleans `true`/`false`, integers
 * in decimal. Keys the shape does not name are ignored, as SES does (Action, Version, ...).
 *
 * The messages are SES's, as captured from the real service (test/fixtures, the golden and malformed
 * suites), so they keep the wording today's clients see: a missing member is AWS's model-validation
 * error naming the missing leaf's dotted path (`message.Subject.Data`, never the structure around it),
 * a bad list index or gap an InvalidParameterValue.
 */
export type QueryInput = Record<string, unknown>;
export type FormDecoder = (form: ReadonlyMap<string, string>) => QueryInput;

/** What an operation's decoding keeps of SES's own behaviour where a generic rule would differ. */
export interface DecodeRules {
  /** Top-level members decoded first, in this order (SES reports the first error it meets; the rest follow in model order). */
  readonly first?: readonly string[];
  /** Enum members whose use case checks the value with its own captured message (shared with v2 and SMTP). */
  readonly enumsCheckedByUseCase?: readonly string[];
  /**
   * Checks SES makes on a member as soon as it has read it, before the members after it (SendRawEmail
   * refuses an oversized message before it looks at Destinations or Tags).
   */
  readonly checks?: Readonly<Record<string, (value: unknown) => void>>;
}

type Reader = (form: ReadonlyMap<string, string>) => unknown;

const LIST_INDEX = /^[1-9]\d{0,5}$/;
const STRUCT_ITEM = /^([1-9]\d{0,5})\.([A-Za-z]+)$/;
const INTEGER = /^-?\d{1,10}$/;

function lcFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** AWS's model-validation wording for a missing required member, its path lower-camel-cased. */
function missing(field: string): DomainError {
  return new DomainError('missing_parameter', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
}

function gaps(path: string): SesError {
  return new SesError('InvalidParameterValue', `The members of ${path} must be numbered from 1 without gaps.`);
}

/** Compiles the decoder of one operation's input shape, once, when the server starts. */
export function compileDecoder(model: ServiceModelData, inputShape: string | undefined, rules: DecodeRules = {}): FormDecoder {
  if (inputShape === undefined) return () => ({});
  const shape = shapeOf(model, inputShape);
  const members = shape.members ?? [];
  const order = [...(rules.first ?? []), ...members.map((m) => m.name).filter((n) => !rules.first?.includes(n))];
  const noEnum = new Set(rules.enumsCheckedByUseCase ?? []);
  const required = new Set(shape.required ?? []);
  for (const name of [...noEnum, ...Object.keys(rules.checks ?? {})]) {
    if (!members.some((m) => m.name === name)) throw new Error(`${inputShape} has no member ${name}`);
  }
  const readers: [string, Reader][] = order.map((name) => {
    const member = members.find((m) => m.name === name);
    if (member === undefined) throw new Error(`${inputShape} has no member ${name}`);
    const read = compileMember(model, member.shape, name, required.has(name), !noEnum.has(name));
    const check = rules.checks?.[name];
    if (check === undefined) return [name, read];
    return [
      name,
      (form) => {
        const value = read(form);
        if (value !== undefined) check(value);
        return value;
      },
    ];
  });
  return (form) => {
    const input: QueryInput = {};
    for (const [name, read] of readers) {
      const value = read(form);
      if (value !== undefined) input[name] = value;
    }
    return input;
  };
}

function shapeOf(model: ServiceModelData, name: string): ShapeData {
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`the model has no shape ${name}`);
  return shape;
}

/**
 * One member at `path`. `required` holds only along a chain of required members from the input:
 * inside an optional structure a member the model requires makes the structure absent when it is
 * missing (SES reads `Message.Body.Text` only when `Message.Body.Text.Data` is there).
 */
function compileMember(model: ServiceModelData, shapeName: string, path: string, required: boolean, checkEnum: boolean): Reader {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'string':
    case 'blob': {
      const values = checkEnum && shape.enum ? shape.enum : null;
      return (form) => {
        const value = form.get(path);
        if (value === undefined) {
          if (required) throw missing(lcFirst(path));
          return undefined;
        }
        if (values !== null && !values.includes(value)) throw badEnum(value, path, values);
        return value;
      };
    }
    case 'boolean':
      return (form) => {
        const value = form.get(path);
        if (value === undefined) {
          if (required) throw missing(lcFirst(path));
          return undefined;
        }
        if (value === 'true') return true;
        if (value === 'false') return false;
        throw new SesError('InvalidParameterValue', `Invalid value for ${path}: must be true or false.`);
      };
    case 'integer':
    case 'long':
      return (form) => {
        const value = form.get(path);
        if (value === undefined) {
          if (required) throw missing(lcFirst(path));
          return undefined;
        }
        if (!INTEGER.test(value)) throw new SesError('InvalidParameterValue', `Invalid value for ${path}: must be an integer.`);
        return Number(value);
      };
    case 'list':
      return compileList(model, shape, path, required);
    case 'map':
      return compileMap(model, shape, path, required);
    case 'structure':
      return compileStructure(model, shape, path, required, checkEnum);
    default:
      throw new Error(`Query input of type ${shape.type} (${path}) is not supported`);
  }
}

function badEnum(value: string, path: string, values: readonly string[]): SesError {
  // AWS's model validation, values sorted as AWS prints them.
  return new SesError(
    'ValidationError',
    `1 validation error detected: Value '${value.slice(0, 256)}' at '${lcFirst(path)}' failed to satisfy constraint: Member must satisfy enum value set: [${[...values].sort().join(', ')}]`,
  );
}

function compileStructure(model: ServiceModelData, shape: ShapeData, path: string, required: boolean, checkEnum: boolean): Reader {
  const requiredMembers = new Set(shape.required ?? []);
  const readers = (shape.members ?? []).map((m) => {
    const isRequired = requiredMembers.has(m.name);
    return { name: m.name, isRequired, read: compileMember(model, m.shape, `${path}.${m.name}`, required && isRequired, checkEnum) };
  });
  return (form) => {
    const out: QueryInput = {};
    let present = false;
    for (const { name, isRequired, read } of readers) {
      const value = read(form);
      if (value === undefined) {
        // Only an optional structure gets here with a required member missing: it is absent.
        if (isRequired && !required) return undefined;
        continue;
      }
      out[name] = value;
      present = true;
    }
    // A required structure is never reported itself (SES names the missing leaf); it is at least `{}`.
    return present || required ? out : undefined;
  };
}

function compileList(model: ServiceModelData, shape: ShapeData, path: string, required: boolean): Reader {
  const element = shapeOf(model, shape.member!);
  const prefix = `${path}.member.`;
  if (element.type === 'structure') return compileStructureList(element, path, prefix);
  if (element.type !== 'string') throw new Error(`Query list of ${element.type} (${path}) is not supported`);
  /** A list of strings: `Name.member.N`, N = 1, 2, … with no gaps; an empty list is the bare `Name=`. */
  const read = (form: ReadonlyMap<string, string>): string[] => {
    const items = new Map<number, string>();
    for (const [key, value] of form) {
      if (!key.startsWith(prefix)) continue;
      const index = key.slice(prefix.length);
      if (!LIST_INDEX.test(index)) throw new SesError('InvalidParameterValue', `Invalid list member index in ${key.slice(0, 80)}.`);
      items.set(Number(index), value);
    }
    if (items.size === 0) {
      if (form.get(path) === '') return []; // botocore's form of an empty list
      throw missing(lcFirst(path));
    }
    const list: string[] = [];
    for (let i = 1; i <= items.size; i++) {
      const item = items.get(i);
      if (item === undefined) throw gaps(path);
      list.push(item);
    }
    return list;
  };
  if (required) return read;
  return (form) => {
    for (const key of form.keys()) if (key.startsWith(prefix) || key === path) return read(form);
    return undefined;
  };
}

/**
 * A list of structures of scalars (`Tags.member.N.Name`), such as SES's `Tags`: each item's fields by
 * name, numbered from 1 without gaps; a missing required field is named as SES names it
 * (`tags.1.member.name`).
 */
function compileStructureList(element: ShapeData, path: string, prefix: string): Reader {
  const fields = (element.members ?? []).map((m) => m.name);
  const requiredFields = element.required ?? [];
  const field = lcFirst(path);
  return (form) => {
    const items = new Map<number, Record<string, string>>();
    for (const [key, value] of form) {
      if (!key.startsWith(prefix)) continue;
      const match = STRUCT_ITEM.exec(key.slice(prefix.length));
      if (!match || !fields.includes(match[2]!)) throw new SesError('InvalidParameterValue', `Invalid list member ${key.slice(0, 80)}.`);
      const item = items.get(Number(match[1])) ?? {};
      item[match[2]!] = value;
      items.set(Number(match[1]), item);
    }
    if (items.size === 0) return undefined;
    const list: Record<string, string>[] = [];
    for (let i = 1; i <= items.size; i++) {
      const item = items.get(i);
      if (item === undefined) throw gaps(path);
      list.push(item);
    }
    list.forEach((item, i) => {
      for (const name of requiredFields) if (item[name] === undefined) throw missing(`${field}.${i + 1}.member.${lcFirst(name)}`);
    });
    return list;
  };
}

/** A map of strings: `Name.entry.N.key` and `Name.entry.N.value`, N = 1, 2, … with no gaps. */
function compileMap(model: ServiceModelData, shape: ShapeData, path: string, required: boolean): Reader {
  if (shapeOf(model, shape.value!).type !== 'string') throw new Error(`Query map of non-strings (${path}) is not supported`);
  const prefix = `${path}.entry.`;
  return (form) => {
    const entries = new Map<number, { key?: string; value?: string }>();
    for (const [key, value] of form) {
      if (!key.startsWith(prefix)) continue;
      const match = /^([1-9]\d{0,5})\.(key|value)$/.exec(key.slice(prefix.length));
      if (!match) throw new SesError('InvalidParameterValue', `Invalid map entry ${key.slice(0, 80)}.`);
      const entry = entries.get(Number(match[1])) ?? {};
      entry[match[2] as 'key' | 'value'] = value;
      entries.set(Number(match[1]), entry);
    }
    if (entries.size === 0) {
      if (required) throw missing(lcFirst(path));
      return undefined;
    }
    const map = new Map<string, string>();
    for (let i = 1; i <= entries.size; i++) {
      const entry = entries.get(i);
      if (entry === undefined) throw gaps(path);
      if (entry.key === undefined) throw missing(`${lcFirst(path)}.${i}.key`);
      if (entry.value === undefined) throw missing(`${lcFirst(path)}.${i}.value`);
      map.set(entry.key, entry.value);
    }
    return map;
  };
}
