import { DomainError } from '../core/index.ts';
import { SesError } from './ses-error.ts';

/**
 * Reads typed members out of a Query-protocol form, as botocore's QuerySerializer writes them:
 * strings as-is, booleans `true`/`false`, integers in decimal, lists as `Name.member.N` from 1, an
 * empty list as the bare key `Name=`.
 */
export class Params {
  readonly #form: ReadonlyMap<string, string>;

  constructor(form: ReadonlyMap<string, string>) {
    this.#form = form;
  }

  optionalString(name: string): string | undefined {
    return this.#form.get(name);
  }

  requiredString(name: string): string {
    const value = this.#form.get(name);
    if (value === undefined) throw missing(name);
    return value;
  }

  requiredBoolean(name: string): boolean {
    const value = this.requiredString(name);
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new SesError('InvalidParameterValue', `Invalid value for ${name}: must be true or false.`);
  }

  optionalInteger(name: string): number | undefined {
    const value = this.#form.get(name);
    if (value === undefined) return undefined;
    if (!/^-?\d{1,10}$/.test(value)) {
      throw new SesError('InvalidParameterValue', `Invalid value for ${name}: must be an integer.`);
    }
    return Number(value);
  }

  /** An optional list of strings: undefined when neither `Name.member.N` nor the bare `Name=` is sent. */
  optionalStringList(name: string): string[] | undefined {
    const prefix = `${name}.member.`;
    for (const key of this.#form.keys()) if (key.startsWith(prefix) || key === name) return this.requiredStringList(name);
    return undefined;
  }

  /**
   * A list of structures (`Name.member.N.Field`), such as SES's `Tags`: each item's fields by name.
   * Items are numbered from 1 without gaps, like every Query-protocol list.
   */
  structureList(name: string, fields: readonly string[]): Record<string, string | undefined>[] {
    const prefix = `${name}.member.`;
    const items = new Map<number, Record<string, string | undefined>>();
    for (const [key, value] of this.#form) {
      if (!key.startsWith(prefix)) continue;
      const match = /^([1-9]\d{0,5})\.([A-Za-z]+)$/.exec(key.slice(prefix.length));
      if (!match || !fields.includes(match[2]!)) {
        throw new SesError('InvalidParameterValue', `Invalid list member ${key.slice(0, 80)}.`);
      }
      const item = items.get(Number(match[1])) ?? {};
      item[match[2]!] = value;
      items.set(Number(match[1]), item);
    }
    const list: Record<string, string | undefined>[] = [];
    for (let i = 1; i <= items.size; i++) {
      const item = items.get(i);
      if (item === undefined) throw new SesError('InvalidParameterValue', `The members of ${name} must be numbered from 1 without gaps.`);
      list.push(item);
    }
    return list;
  }

  /** A required list of strings (`Name.member.N`, N = 1, 2, … with no gaps). */
  requiredStringList(name: string): string[] {
    const prefix = `${name}.member.`;
    const items = new Map<number, string>();
    for (const [key, value] of this.#form) {
      if (!key.startsWith(prefix)) continue;
      const index = key.slice(prefix.length);
      if (!/^[1-9]\d{0,5}$/.test(index)) {
        throw new SesError('InvalidParameterValue', `Invalid list member index in ${key.slice(0, 80)}.`);
      }
      items.set(Number(index), value);
    }
    if (items.size === 0) {
      if (this.#form.get(name) === '') return []; // botocore's form of an empty list
      throw missing(name);
    }
    const list: string[] = [];
    for (let i = 1; i <= items.size; i++) {
      const item = items.get(i);
      if (item === undefined) {
        throw new SesError('InvalidParameterValue', `The members of ${name} must be numbered from 1 without gaps.`);
      }
      list.push(item);
    }
    return list;
  }
}

/** AWS's model-validation wording for a missing required member, with its name lower-camel-cased. */
function missing(name: string): DomainError {
  const field = name.charAt(0).toLowerCase() + name.slice(1);
  return new DomainError('missing_parameter', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
}
