import { ParamError } from './errors.ts';
import type { ServiceModel } from '../model/service.ts';
import type { ShapeData } from '../model/service-types.ts';
import { isPlainObject, PyFloat, pyReprValue } from './values.ts';
import { pyTypeName } from './params.ts';

/**
 * botocore's ParamValidator: required members, unknown members and types, with its exact wording,
 * reported together under `Parameter validation failed:` (exit 252).
 */
export function validateParams(model: ServiceModel, shapeName: string | undefined, params: Record<string, unknown>): void {
  const errors: string[] = [];
  if (shapeName) validate(model, model.shape(shapeName), params, 'input', errors, true);
  else if (Object.keys(params).length > 0) {
    for (const k of Object.keys(params)) errors.push(`Unknown parameter in input: "${k}", must be one of: `);
  }
  if (errors.length > 0) throw new ParamError(`Parameter validation failed:\n${errors.join('\n')}`);
}

const VALID_TYPES: Record<string, string> = {
  string: "<class 'str'>",
  integer: "<class 'int'>",
  long: "<class 'int'>",
  boolean: "<class 'bool'>",
  double: "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
  float: "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
  blob: "<class 'bytes'>, <class 'bytearray'>, file-like object",
  list: "<class 'list'>, <class 'tuple'>",
  structure: "<class 'dict'>",
  map: "<class 'dict'>",
};

/** botocore's range_check for lengths: only the model's `min` is checked client-side. */
function lengthCheck(shape: ShapeData, length: number, name: string, errors: string[]): void {
  if (shape.min !== undefined && length < shape.min) errors.push(`Invalid length for parameter ${name}, value: ${length}, valid min length: ${shape.min}`);
}

function validate(model: ServiceModel, shape: ShapeData, value: unknown, name: string, errors: string[], top = false): void {
  const typeError = () =>
    errors.push(`Invalid type for parameter ${name}, value: ${pyReprValue(value)}, type: ${pyTypeName(value)}, valid types: ${VALID_TYPES[shape.type] ?? ''}`);
  switch (shape.type) {
    case 'structure': {
      if (!isPlainObject(value)) return void typeError();
      for (const req of shape.required ?? []) {
        if (!(req in value)) errors.push(`Missing required parameter in ${name}: "${req}"`);
      }
      const members = shape.members ?? [];
      for (const k of Object.keys(value)) {
        const m = members.find((x) => x.name === k);
        if (!m) {
          errors.push(`Unknown parameter in ${name}: "${k}", must be one of: ${members.map((x) => x.name).join(', ')}`);
          continue;
        }
        validate(model, model.shape(m.shape), value[k], top ? k : `${name}.${k}`, errors);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return void typeError();
      lengthCheck(shape, value.length, name, errors);
      const ms = model.shape(shape.member!);
      value.forEach((v, i) => validate(model, ms, v, `${name}[${i}]`, errors));
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) return void typeError();
      const vs = model.shape(shape.value!);
      for (const [k, v] of Object.entries(value)) validate(model, vs, v, `${name}.${k}`, errors);
      return;
    }
    case 'string':
      if (typeof value !== 'string') typeError();
      else lengthCheck(shape, [...value].length, name, errors);
      return;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) typeError();
      else if (shape.min !== undefined && value < shape.min) errors.push(`Invalid value for parameter ${name}, value: ${value}, valid min value: ${shape.min}`);
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number' && !(value instanceof PyFloat)) typeError();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') typeError();
      return;
    case 'blob':
      if (!(value instanceof Uint8Array) && typeof value !== 'string') typeError();
      return;
    default:
      return;
  }
}
