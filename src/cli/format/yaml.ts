import { isPlainObject, jsonString, PyFloat, pyFloatRepr, pyJsonCompact } from '../values.ts';

/**
 * The AWS CLI's YAML output: ruamel.yaml `typ='safe'`, block style, mapping keys sorted, sequences
 * not indented under their key, plain scalars unless YAML 1.2 would read them as something else.
 * A bare scalar is written as JSON (awscli YAMLDumper).
 */
export function formatYaml(value: unknown): string {
  if (value === null || value === undefined || typeof value !== 'object' || value instanceof PyFloat) {
    return `${pyJsonCompact(value ?? null)}\n`;
  }
  const out: string[] = [];
  node(value, 0, out, 'top');
  return out.join('');
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isCollection(v: unknown): v is unknown[] | Record<string, unknown> {
  return Array.isArray(v) || isPlainObject(v);
}

function isEmpty(v: unknown[] | Record<string, unknown>): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

/** Writes a collection whose first line continues the current one (`context`). */
function node(v: unknown, indent: number, out: string[], context: 'top' | 'seq' | 'map'): void {
  if (Array.isArray(v)) {
    if (v.length === 0) return void out.push('[]\n');
    v.forEach((item, i) => {
      const pad = i === 0 && context === 'seq' ? '' : ' '.repeat(indent);
      out.push(`${pad}- `);
      if (isCollection(item) && !isEmpty(item)) node(item, indent + 2, out, 'seq');
      else out.push(`${scalarText(item, indent + 2)}\n`);
    });
    return;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort(byKey);
  if (keys.length === 0) return void out.push('{}\n');
  keys.forEach((k, i) => {
    const pad = i === 0 && context === 'seq' ? '' : ' '.repeat(indent);
    const val = obj[k];
    const key = scalarText(k, indent);
    if (isCollection(val) && !isEmpty(val)) {
      out.push(`${pad}${key}:\n`);
      // Block sequences sit at the key's column; mappings indent by 2.
      node(val, Array.isArray(val) ? indent : indent + 2, out, 'map');
    } else out.push(`${pad}${key}: ${scalarText(val, indent + 2)}\n`);
  });
}

function scalarText(v: unknown, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof PyFloat) return yamlFloat(v.valueOf());
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : yamlFloat(v);
  if (Array.isArray(v)) return '[]';
  if (isPlainObject(v)) return '{}';
  if (v instanceof Uint8Array) return `!!binary |\n${' '.repeat(indent)}${Buffer.from(v).toString('base64')}`;
  return yamlString(String(v), indent);
}

function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (x === Infinity) return '.inf';
  if (x === -Infinity) return '-.inf';
  const r = pyFloatRepr(x);
  // ruamel writes exponents with a dot in the mantissa (1.0e-05).
  return /e/.test(r) && !/\./.test(r.split('e')[0]!) ? r.replace('e', '.0e') : r;
}

/** Strings YAML 1.2 (ruamel's resolver) would read as another type. */
const IMPLICIT = [
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^(?:~|null|Null|NULL)$/,
  /^[-+]?[0-9_]+$/,
  /^0o[0-7_]+$/,
  /^0x[0-9a-fA-F_]+$/,
  /^[-+]?(?:\.[0-9_]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?$/,
  /^<<$/,
  /^=$/,
];

function yamlString(s: string, indent: number): string {
  if (s === '') return "''";
  // Characters that force double quotes: controls (other than tab/newline handled below) and friends.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: YAML 1.1 escapes these characters (as PyYAML does).
  if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(s) || /[\t\n\r]/.test(s)) return doubleQuoted(s);
  if (needsQuotes(s)) return `'${s.replace(/'/g, "''")}'`;
  return foldPlain(s, indent);
}

function needsQuotes(s: string): boolean {
  if (IMPLICIT.some((re) => re.test(s))) return true;
  if (/^\s|\s$/.test(s)) return true;
  const first = s[0]!;
  if ('#,[]{}&*!|>\'"%@`'.includes(first)) return true;
  if ('-?:'.includes(first) && (s.length === 1 || /\s/.test(s[1]!))) return true;
  if (/: |:$/.test(s) || / #/.test(s)) return true;
  if (s.startsWith('---') || s.startsWith('...')) return true;
  return false;
}

/** ruamel's plain writer breaks at a single space once the line is past 80 columns. */
function foldPlain(s: string, indent: number): string {
  if (!s.includes(' ') || s.length + indent <= 80) return s;
  return s;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (c === 0) out += '\\0';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x2028 || c === 0x2029 || c === 0xfeff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export { jsonString };
