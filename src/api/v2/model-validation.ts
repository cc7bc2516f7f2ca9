import type { ServiceModelData, ShapeData } from '../../model/service-types.ts';
import { badRequest } from './errors.ts';

/** AWS names members in validation messages in lower camel case, list entries as `.N.member`. */
function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

const patterns = new Map<string, RegExp>();
/** The model's patterns are Java's, matched against the whole value (String.matches). */
function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    patterns.set(pattern, re);
  }
  return re;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

/**
 * Checks a request against the service model, as AWS's model validation does before an operation
 * runs: the type of every member, required members, enums, lengths, value ranges and patterns.
 * Every violation is collected and reported at once, in AWS's words ("2 validation errors detected:
 * Value null at 'emailIdentity' failed to satisfy constraint: Member must not be null; ..."). JSON
 * members the model does not know are ignored, as AWS ignores them.
 */
export class ModelValidator {
  readonly #model: ServiceModelData;

  constructor(model: ServiceModelData) {
    this.#model = model;
  }

  /**
   * `body` is the parsed JSON body (`{}` when there is none); `labels` the decoded path labels by
   * member name. Members bound to the query string are the operation's to read and check.
   */
  validate(operation: string, body: Record<string, unknown>, labels: Readonly<Record<string, string>>): void {
    const op = this.#model.operations.find((o) => o.name === operation);
    if (op?.input === undefined) return;
    const input = this.#shape(op.input);
    const errors: string[] = [];
    const required = new Set(input.required ?? []);
    for (const member of input.members ?? []) {
      const path = lowerCamel(member.name);
      if (member.location === 'uri') {
        this.#check(member.shape, labels[member.locationName ?? member.name], path, required.has(member.name), errors);
      } else if (member.location === undefined) {
        this.#check(member.shape, Object.hasOwn(body, member.name) ? body[member.name] : undefined, path, required.has(member.name), errors);
      }
    }
    if (errors.length > 0) {
      const count = errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`;
      throw badRequest(`${count} detected: ${errors.slice(0, 10).join('; ')}`);
    }
  }

  #shape(name: string): ShapeData {
    const shape = this.#model.shapes[name];
    if (shape === undefined) throw new Error(`the model has no shape ${name}`);
    return shape;
  }

  #check(shapeName: string, value: unknown, path: string, required: boolean, errors: string[]): void {
    if (value === undefined || value === null) {
      if (required) errors.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      return;
    }
    const shape = this.#shape(shapeName);
    const fail = (constraint: string, shown = true): void => {
      errors.push(`Value ${shown ? `'${preview(value)}' ` : ''}at '${path}' failed to satisfy constraint: ${constraint}`);
    };
    const typeError = (type: string): void => {
      errors.push(`Value at '${path}' must be of type ${type}`);
    };
    switch (shape.type) {
      case 'string':
        if (typeof value !== 'string') {
          typeError('string');
          return;
        }
        if (shape.enum !== undefined && !shape.enum.includes(value)) {
          fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
          return;
        }
        this.#length(value.length, shape, fail);
        if (shape.pattern !== undefined && !compiled(shape.pattern).test(value)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
        return;
      case 'blob':
        // Base64 on the wire (rest-json blobs).
        if (typeof value !== 'string') {
          typeError('blob (a base64 string)');
          return;
        }
        this.#length(value.length, shape, fail);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') typeError('boolean');
        return;
      case 'integer':
      case 'long':
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          typeError(shape.type);
          return;
        }
        if (shape.min !== undefined && value < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && value > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
        return;
      case 'double':
      case 'float':
        if (typeof value !== 'number') typeError(shape.type);
        return;
      case 'timestamp':
        if (typeof value !== 'number' && typeof value !== 'string') typeError('timestamp');
        return;
      case 'list':
        if (!Array.isArray(value)) {
          typeError('list');
          return;
        }
        this.#length(value.length, shape, fail, false);
        value.forEach((item, i) => this.#check(shape.member!, item, `${path}.${i + 1}.member`, true, errors));
        return;
      case 'map':
        if (typeof value !== 'object' || Array.isArray(value)) {
          typeError('map');
          return;
        }
        this.#length(Object.keys(value).length, shape, fail, false);
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          this.#check(shape.key!, key, `${path}.key`, true, errors);
          this.#check(shape.value!, item, `${path}.${key}`, true, errors);
        }
        return;
      case 'structure': {
        if (typeof value !== 'object' || Array.isArray(value)) {
          typeError('structure');
          return;
        }
        const object = value as Record<string, unknown>;
        const required = new Set(shape.required ?? []);
        for (const member of shape.members ?? []) {
          this.#check(
            member.shape,
            Object.hasOwn(object, member.name) ? object[member.name] : undefined,
            `${path}.${lowerCamel(member.name)}`,
            required.has(member.name),
            errors,
          );
        }
        return;
      }
    }
  }

  #length(length: number, shape: ShapeData, fail: (constraint: string, shown?: boolean) => void, shown = true): void {
    if (shape.min !== undefined && length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`, shown);
    if (shape.max !== undefined && length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`, shown);
  }
}
