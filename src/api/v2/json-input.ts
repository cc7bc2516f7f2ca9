import { badRequest, validationError } from './errors.ts';

/**
 * A JSON request member read against the service model's constraints, with SES's validation wording.
 * `path` is the member's path in the model's lower-camel form (`dkimSigningAttributes.nextSigningKeyLength`),
 * as AWS names it in validation messages. Unknown members are ignored, as AWS ignores them.
 */
export class JsonInput {
  readonly #value: Record<string, unknown>;
  readonly #path: string;

  constructor(value: Record<string, unknown>, path = '') {
    this.#value = value;
    this.#path = path;
  }

  /** Parses a request body: empty means `{}`; anything but a JSON object is refused. */
  static parse(body: Buffer): JsonInput {
    return new JsonInput(JsonInput.parseObject(body));
  }

  static parseObject(body: Buffer): Record<string, unknown> {
    if (body.length === 0) return {};
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest('Could not parse request body into json: the body is not valid JSON.');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw badRequest('Could not parse request body into json: the body must be a JSON object.');
    }
    return value as Record<string, unknown>;
  }

  #name(member: string): string {
    const lower = member.charAt(0).toLowerCase() + member.slice(1);
    return this.#path === '' ? lower : `${this.#path}.${lower}`;
  }

  #raw(member: string, required: boolean): unknown {
    const value = Object.hasOwn(this.#value, member) ? this.#value[member] : undefined;
    // JSON null is "absent" for AWS's deserializers too.
    if (value === undefined || value === null) {
      if (required) throw validationError(`Value null at '${this.#name(member)}'`, 'Member must not be null');
      return undefined;
    }
    return value;
  }

  #typeError(member: string, type: string): Error {
    return badRequest(`Value at '${this.#name(member)}' must be of type ${type}.`);
  }

  string(member: string, rules: StringRules & { required: true }): string;
  string(member: string, rules?: StringRules): string | undefined;
  string(member: string, rules: StringRules = {}): string | undefined {
    const value = this.#raw(member, rules.required === true);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.#typeError(member, 'string');
    checkString(value, `Value '${preview(value)}' at '${this.#name(member)}'`, rules);
    return value;
  }

  boolean(member: string): boolean | undefined {
    const value = this.#raw(member, false);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw this.#typeError(member, 'boolean');
    return value;
  }

  integer(member: string, min: number, max: number): number | undefined {
    const value = this.#raw(member, false);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.#typeError(member, 'integer');
    return checkInteger(value, `'${this.#name(member)}'`, min, max);
  }

  object(member: string, required: true): JsonInput;
  object(member: string, required?: boolean): JsonInput | undefined;
  object(member: string, required = false): JsonInput | undefined {
    const value = this.#raw(member, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.#typeError(member, 'structure');
    return new JsonInput(value as Record<string, unknown>, this.#name(member));
  }

  /** A list of structures; `max` is the model's length limit. */
  objects(member: string, max: number): JsonInput[] {
    const value = this.#list(member, max);
    return value.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw this.#typeError(`${member}.${i + 1}.member`, 'structure');
      return new JsonInput(item as Record<string, unknown>, `${this.#name(member)}.${i + 1}.member`);
    });
  }

  strings(member: string, max: number, rules: StringRules = {}): string[] {
    return this.#list(member, max).map((item, i) => {
      if (typeof item !== 'string') throw this.#typeError(`${member}.${i + 1}.member`, 'string');
      checkString(item, `Value '${preview(item)}' at '${this.#name(member)}.${i + 1}.member'`, rules);
      return item;
    });
  }

  /** A map of strings to strings (ListEmailIdentities' Filter). */
  stringMap(member: string): Map<string, string> {
    const value = this.#raw(member, false);
    const out = new Map<string, string>();
    if (value === undefined) return out;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.#typeError(member, 'map');
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== 'string') throw this.#typeError(`${member}.${key}`, 'string');
      out.set(key, item);
    }
    return out;
  }

  has(member: string): boolean {
    return this.#raw(member, false) !== undefined;
  }

  #list(member: string, max: number): unknown[] {
    const value = this.#raw(member, false);
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.#typeError(member, 'list');
    if (value.length > max) throw validationError(`Value at '${this.#name(member)}'`, `Member must have length less than or equal to ${max}`);
    return value;
  }
}

export interface StringRules {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly enum?: readonly string[];
}

function preview(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}...` : value;
}

export function checkString(value: string, what: string, rules: StringRules): void {
  if (rules.min !== undefined && value.length < rules.min) throw validationError(what, `Member must have length greater than or equal to ${rules.min}`);
  if (rules.max !== undefined && value.length > rules.max) throw validationError(what, `Member must have length less than or equal to ${rules.max}`);
  if (rules.enum !== undefined && !rules.enum.includes(value)) {
    throw validationError(what, `Member must satisfy enum value set: [${rules.enum.join(', ')}]`);
  }
  if (rules.pattern !== undefined && !rules.pattern.test(value)) {
    throw validationError(what, `Member must satisfy regular expression pattern: ${rules.pattern.source}`);
  }
}

export function checkInteger(value: number, where: string, min: number, max: number): number {
  if (value < min) throw validationError(`Value '${value}' at ${where}`, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(`Value '${value}' at ${where}`, `Member must have value less than or equal to ${max}`);
  return value;
}
