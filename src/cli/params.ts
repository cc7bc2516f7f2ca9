import { fs, os, path } from './builtins.ts';
import type { ParsedValue } from './argparse.ts';
import type { ArgumentTable, CliArgument } from './arguments.ts';
import { CliError, EXIT_OTHER, ParamError } from './errors.ts';
import type { ServiceModel } from '../model/service.ts';
import type { ShapeData } from '../model/service-types.ts';
import { ShorthandParseError, ShorthandParser, type Shorthand } from './shorthand.ts';
import { isPlainObject, pyReprValue, type PyValue } from './values.ts';

/** The request parameters in the order awscli adds them (dict insertion order). */
export type Params = { [key: string]: PyValue };

export interface PaginationConfig {
  StartingToken?: string;
  PageSize?: number;
  MaxItems?: number;
}

export interface BuiltParams {
  params: Params;
  pagination: PaginationConfig;
  cliInput: { name: 'cli-input-json' | 'cli-input-yaml'; value: string } | null;
  skeleton: string | null;
}

/** `Error parsing parameter '<name>': <message>` (awscli argprocess.ParamError). */
export function paramError(cliName: string, message: string): ParamError {
  return new ParamError(`Error parsing parameter '${cliName}': ${message}`);
}

export interface FileContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** awscli paramfile.get_paramfile: `file://` (text) and `fileb://` (bytes) stand for a whole value. */
export function loadParamFile(value: string, ctx: FileContext): string | Buffer | null {
  for (const prefix of ['file://', 'fileb://']) {
    if (!value.startsWith(prefix)) continue;
    const raw = value.slice(prefix.length);
    const expanded = expandPath(raw, ctx);
    try {
      const data = fs.readFileSync(path.resolve(ctx.cwd, expanded));
      if (prefix === 'fileb://') return data;
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(data);
      } catch {
        throw new ParamFileError(
          `Unable to load paramfile (${expanded}), text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.`,
        );
      }
    } catch (err) {
      if (err instanceof ParamFileError) throw err;
      throw new ParamFileError(`Unable to load paramfile ${value}: ${pyOsError(err, expanded)}`);
    }
  }
  return null;
}

export class ParamFileError extends Error {}

function expandPath(p: string, ctx: FileContext): string {
  let out = p;
  if (out === '~' || out.startsWith('~/')) out = (ctx.env['HOME'] || os.homedir()) + out.slice(1);
  return out.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string | undefined, b: string | undefined) => ctx.env[a ?? b ?? ''] ?? m);
}

/** Python's str(OSError) for the common cases. */
export function pyOsError(err: unknown, path: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  const table: Record<string, [number, string]> = {
    ENOENT: [2, 'No such file or directory'],
    EACCES: [13, 'Permission denied'],
    EISDIR: [21, 'Is a directory'],
    ENOTDIR: [20, 'Not a directory'],
  };
  const hit = code ? table[code] : undefined;
  if (hit) return `[Errno ${hit[0]}] ${hit[1]}: ${pyReprValue(path)}`;
  return String((err as Error).message);
}

function unpackFile(arg: CliArgument, value: ParsedValue, ctx: FileContext): ParsedValue | Buffer {
  const single = Array.isArray(value) && value.length === 1 ? value[0]! : value;
  if (typeof single !== 'string') return value;
  try {
    const loaded = loadParamFile(single, ctx);
    return loaded ?? value;
  } catch (err) {
    if (err instanceof ParamFileError) throw paramError(`--${arg.name}`, err.message);
    throw err;
  }
}

/**
 * Turns the parsed command line into request parameters, as awscli's `_build_call_parameters` does:
 * every argument of the table in table order, its value through `file://`, then JSON, shorthand or
 * scalar conversion according to the member's shape.
 */
export function buildParams(model: ServiceModel, table: ArgumentTable, values: Map<string, ParsedValue>, paginate: boolean, ctx: FileContext): BuiltParams {
  const params: Params = {};
  const pagination: PaginationConfig = {};
  let cliInput: BuiltParams['cliInput'] = null;
  let skeleton: string | null = null;
  for (let arg of table.args) {
    if (!values.has(arg.name)) continue;
    if (!paginate && arg.kind === 'page' && table.shadowed.has(arg.name)) arg = table.shadowed.get(arg.name)!;
    const raw = values.get(arg.name)!;
    const value = unpackFile(arg, raw, ctx);
    switch (arg.kind) {
      case 'member': {
        const v = unpackMember(model, arg, value);
        if (v !== undefined) params[arg.member] = v;
        break;
      }
      case 'page':
        if (arg.serialized === 'StartingToken') pagination.StartingToken = String(value);
        else pagination[arg.serialized] = Number(value);
        break;
      case 'ses-addresses':
        if (Array.isArray(value) ? value.length > 0 : Boolean(value)) {
          params['Destination'] ??= {};
          const dest = params['Destination'] as Params;
          dest[arg.key] = value as PyValue;
        }
        break;
      case 'ses-body':
        if (value) {
          params['Message'] ??= { Subject: {}, Body: {} };
          const message = params['Message'] as Params;
          if (arg.key === 'Subject') message['Subject'] = { Data: textOf(value) };
          else (message['Body'] as Params)[arg.key] = { Data: textOf(value) };
        }
        break;
      case 'cli-input':
        cliInput = { name: arg.name, value: textOf(value) };
        break;
      case 'skeleton':
        skeleton = textOf(value);
        break;
    }
  }
  return { params, pagination, cliInput, skeleton };
}

function textOf(v: ParsedValue | Buffer): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function unpackMember(model: ServiceModel, arg: Extract<CliArgument, { kind: 'member' }>, value: ParsedValue | Buffer): PyValue | undefined {
  const shape = model.shape(arg.shape);
  const cliName = `--${arg.name}`;
  if (shape.type === 'boolean') return value as boolean;
  if (Buffer.isBuffer(value)) {
    // fileb:// content: bytes for a blob, otherwise used as (latin-1-free) text.
    if (shape.type === 'blob') return new Uint8Array(value);
    value = value.toString('utf8');
  }
  const isComplex = shape.type === 'structure' || shape.type === 'map' || (shape.type === 'list' && isComplexShape(model, model.shape(shape.member!)));
  const first = Array.isArray(value) ? (value[0] as string | undefined) : (value as string);
  const looksJson = typeof first === 'string' && /^\s*[[{]/.test(first);
  if (isComplex && !looksJson) {
    try {
      if (Array.isArray(value)) {
        const parsed = value.map((v) => new ShorthandParser().parse(String(v)) as Shorthand);
        return backCompat(model, shape, parsed) as PyValue;
      }
      const parsed = new ShorthandParser().parse(String(value));
      return backCompat(model, shape, parsed) as PyValue;
    } catch (err) {
      if (err instanceof ShorthandParseError) throw paramError(cliName, err.message);
      throw err;
    }
  }
  return unpackCliArg(model, shape, value as string | string[], cliName);
}

function isComplexShape(_model: ServiceModel, shape: ShapeData): boolean {
  return shape.type === 'structure' || shape.type === 'list' || shape.type === 'map';
}

function parseJsonArg(text: string, cliName: string): PyValue {
  try {
    return parseJson(text);
  } catch (err) {
    throw paramError(cliName, `Invalid JSON: ${(err as Error).message}\nJSON received: ${text}`);
  }
}

/** JSON.parse, but numbers written with a fraction or exponent stay floats (Python's json). */
export function parseJson(text: string): PyValue {
  return JSON.parse(text) as PyValue;
}

function unpackCliArg(model: ServiceModel, shape: ShapeData, value: string | string[], cliName: string): PyValue {
  switch (shape.type) {
    case 'structure':
    case 'map': {
      const s = String(value);
      if (s.trimStart()[0] === '{') return parseJsonArg(s, cliName);
      throw paramError(cliName, `Invalid JSON:\n${s}`);
    }
    case 'list': {
      if (typeof value === 'string') {
        if (value.trimStart()[0] === '[') return parseJsonArg(value, cliName);
      } else if (value.length === 1 && value[0]!.trim()[0] === '[') return parseJsonArg(value[0]!, cliName);
      const member = model.shape(shape.member!);
      const items = typeof value === 'string' ? [...value] : value;
      return items.map((v) => unpackCliArg(model, member, v, cliName));
    }
    case 'integer':
    case 'long':
      return pyInt(String(value));
    case 'double':
    case 'float':
      return Number(value);
    default:
      return String(value);
  }
}

/** Python int(text): errors exit 255 with Python's words. */
export function pyInt(text: string): number {
  const t = text.trim().replace(/_/g, '');
  if (!/^[-+]?\d+$/.test(t)) throw new CliError(`invalid literal for int() with base 10: ${pyReprValue(text)}`, EXIT_OTHER);
  return Number.parseInt(t, 10);
}

/** awscli shorthand.BackCompatVisitor: scalars in lists become lists, numbers and booleans convert. */
function backCompat(model: ServiceModel, shape: ShapeData, value: Shorthand | Shorthand[]): unknown {
  const visit = (s: ShapeData, v: unknown): unknown => {
    if (v === undefined || v === null) return v;
    switch (s.type) {
      case 'structure': {
        if (!isPlainObject(v)) return v;
        for (const m of s.members ?? []) {
          if (m.name in v) (v as Record<string, unknown>)[m.name] = visit(model.shape(m.shape), v[m.name]);
        }
        return v;
      }
      case 'list': {
        const arr = Array.isArray(v) ? v : [v];
        const ms = model.shape(s.member!);
        return arr.map((x) => visit(ms, x));
      }
      case 'map': {
        if (!isPlainObject(v)) return v;
        const vs = model.shape(s.value!);
        for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = visit(vs, v[k]);
        return v;
      }
      case 'integer':
      case 'long':
        return typeof v === 'string' ? pyInt(v) : v;
      case 'double':
      case 'float':
        return typeof v === 'string' ? Number(v) : v;
      case 'boolean':
        if (typeof v === 'string' && v.toLowerCase() === 'true') return true;
        if (typeof v === 'string' && v.toLowerCase() === 'false') return false;
        return v;
      default:
        return v;
    }
  };
  if (Array.isArray(value) && shape.type === 'list') {
    const ms = model.shape(shape.member!);
    return value.map((x) => visit(ms, x));
  }
  return visit(shape, value);
}

/** Loads `--cli-input-json|yaml` and adds every key the command line did not set (awscli cliinput.py). */
export async function mergeCliInput(params: Params, input: NonNullable<BuiltParams['cliInput']>): Promise<void> {
  let loaded: unknown;
  if (input.name === 'cli-input-json') {
    try {
      loaded = JSON.parse(input.value);
    } catch {
      throw paramError('cli-input-json', 'Invalid JSON received.');
    }
  } else {
    const { parse } = await import('yaml');
    try {
      loaded = parse(input.value, { version: '1.2' });
    } catch {
      throw paramError('cli-input-yaml', 'Invalid YAML received.');
    }
  }
  if (!isPlainObject(loaded)) {
    throw paramError(`--${input.name}`, `Invalid type: expecting map, received ${pyTypeName(loaded)}`);
  }
  for (const [k, v] of Object.entries(loaded)) if (!(k in params)) params[k] = v;
}

/** Python's type(x) as printed: <class 'list'>. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "<class 'NoneType'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  if (typeof v === 'number') return Number.isInteger(v) ? "<class 'int'>" : "<class 'float'>";
  if (typeof v === 'string') return "<class 'str'>";
  if (Array.isArray(v)) return "<class 'list'>";
  if (v instanceof Uint8Array) return "<class 'bytes'>";
  return "<class 'dict'>";
}

/** awscli binaryformat: with `base64` (the default), blob text is base64 that is decoded first. */
export function decodeInputBlobs(model: ServiceModel, shapeName: string | undefined, params: Params, format: string): void {
  if (!shapeName) return;
  const visit = (s: ShapeData, parent: Record<string, unknown> | unknown[], key: string | number): void => {
    const v = (parent as Record<string, unknown>)[key as string];
    if (v === undefined) return;
    if (s.type === 'blob') {
      if (typeof v !== 'string') return;
      (parent as Record<string, unknown>)[key as string] = format === 'base64' ? pyB64Decode(v) : new Uint8Array(Buffer.from(v, 'utf8'));
    } else if (s.type === 'structure' && isPlainObject(v)) {
      for (const m of s.members ?? []) visit(model.shape(m.shape), v, m.name);
    } else if (s.type === 'list' && Array.isArray(v)) {
      const ms = model.shape(s.member!);
      for (let i = 0; i < v.length; i++) visit(ms, v, i);
    } else if (s.type === 'map' && isPlainObject(v)) {
      const vs = model.shape(s.value!);
      for (const k of Object.keys(v)) visit(vs, v, k);
    }
  };
  const top = model.shape(shapeName);
  for (const m of top.members ?? []) visit(model.shape(m.shape), params, m.name);
}

/** Python's base64.b64decode(text) (non-strict: characters outside the alphabet are skipped). */
function pyB64Decode(text: string): Uint8Array {
  const fail = () => new CliError(`Invalid base64: "${text}"`, EXIT_OTHER);
  let data = '';
  let pads = 0;
  for (const ch of text) {
    if (/[A-Za-z0-9+/]/.test(ch)) {
      if (pads > 0) {
        // Data after padding: binascii stops at a complete quad, else the padding was misplaced.
        break;
      }
      data += ch;
    } else if (ch === '=') {
      if (data.length % 4 >= 2 && (data.length % 4) + pads + 1 <= 4) {
        pads++;
        if ((data.length % 4) + pads === 4) break;
      }
    } else if (ch.codePointAt(0)! > 0x7f) throw fail();
  }
  const rem = data.length % 4;
  if (rem === 1) throw fail();
  if (rem !== 0 && rem + pads !== 4) throw fail();
  return new Uint8Array(Buffer.from(data, 'base64'));
}
