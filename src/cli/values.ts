/**
 * Response values carry Python's types, because the AWS CLI prints them with Python's rules: a model
 * `double` is a float and prints `200.0` (not `200`), booleans print `True` in text and table. Floats
 * are boxed numbers of this class so that JMESPath field access passes them through unchanged.
 */
export class PyFloat extends Number {
  override toString(): string {
    return pyFloatRepr(this.valueOf());
  }
  toJSON(): number {
    return this.valueOf();
  }
}

export type PyValue = string | number | boolean | null | PyFloat | Uint8Array | PyValue[] | { [key: string]: PyValue };

export function isPlainObject(v: unknown): v is { [key: string]: PyValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Uint8Array);
}

export function isScalar(v: unknown): boolean {
  return !Array.isArray(v) && !isPlainObject(v);
}

/** Python's repr(float): the shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const exp = x.toExponential(); // shortest digits, e.g. "1.5e+2"
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp)!;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const e = Number(m[4]);
  if (e < -4 || e >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = Math.abs(e) < 10 ? `0${Math.abs(e)}` : String(Math.abs(e));
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${es}`;
  }
  if (e >= digits.length - 1) return `${sign}${digits}${'0'.repeat(e - digits.length + 1)}.0`;
  if (e >= 0) return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
}

/** Python's str() of a value as text and table output print it. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v instanceof PyFloat) return pyFloatRepr(v.valueOf());
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return pyBytesRepr(v);
  return pyReprValue(v);
}

/** Python's repr() of containers (str() of a list or dict uses the items' repr). */
export function pyReprValue(v: unknown): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyReprValue).join(', ')}]`;
  if (isPlainObject(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyStrRepr(k)}: ${pyReprValue(x)}`)
      .join(', ')}}`;
  return pyStr(v);
}

function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NOT_PRINTABLE.test(ch)) out += pyEscape(c);
    else out += ch;
  }
  return out + quote;
}

/**
 * What Python's repr() escapes: characters that are not str.isprintable(), that is of the Unicode
 * categories Other (Cc, Cf, Cs, Co, Cn) and Separator (Zl, Zp, Zs), except the space.
 */
const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function pyEscape(c: number): string {
  if (c < 0x100) return `\\x${c.toString(16).padStart(2, '0')}`;
  if (c < 0x10000) return `\\u${c.toString(16).padStart(4, '0')}`;
  return `\\U${c.toString(16).padStart(8, '0')}`;
}

/** Python's repr(bytes): b'...' with \\x escapes (used in "Unable to parse response" errors). */
export function pyBytesRepr(b: Uint8Array): string {
  const hasSingle = b.includes(0x27);
  const hasDouble = b.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = `b${quote}`;
  for (const c of b) {
    if (c === quote.charCodeAt(0) || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

/** Python's json.dumps(value, indent=4, ensure_ascii=False), as the json output writes it. */
export function pyJsonDump(v: unknown, indent = 4, level = 0): string {
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof PyFloat) {
    const x = v.valueOf();
    return Number.isFinite(x) ? pyFloatRepr(x) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  }
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
  if (typeof v === 'string') return jsonString(v);
  if (v instanceof Uint8Array) return jsonString(Buffer.from(v).toString('base64'));
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad + pyJsonDump(x, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  const entries = Object.entries(v as object);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${pad}${jsonString(k)}: ${pyJsonDump(x, indent, level + 1)}`).join(',\n')}\n${end}}`;
}

/**
 * Python's json string escaping: json.dumps with ensure_ascii=False (the CLI's output), or with its
 * default ensure_ascii=True (request bodies), where everything outside printable ASCII is \uXXXX per
 * UTF-16 code unit (a character outside the BMP as its surrogate pair, as Python writes it).
 */
export function jsonString(s: string, ensureAscii = false): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (ensureAscii && c > 0x7e)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Python's json.dumps(value) with its default separators (', ' and ': '), one line. */
export function pyJsonCompact(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJsonCompact).join(', ')}]`;
  if (isPlainObject(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${jsonString(k)}: ${pyJsonCompact(x)}`)
      .join(', ')}}`;
  return pyJsonDump(v);
}

/** Deep equality for Python-typed values (dicts compare without order). */
export function pyEqual(a: unknown, b: unknown): boolean {
  if (a instanceof PyFloat || b instanceof PyFloat || typeof a === 'number' || typeof b === 'number') {
    return Number(a) === Number(b) && typeof a !== 'boolean' && typeof b !== 'boolean';
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEqual(a[k], b[k]));
  }
  return a === b;
}
