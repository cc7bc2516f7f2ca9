/**
 * The AWS CLI's shorthand syntax (`Subject={Data=hi},Body={Text={Data=body}}`), ported from
 * awscli/shorthand.py so that values parse, and fail, exactly as they do there.
 */

export type Shorthand = string | Shorthand[] | { [key: string]: Shorthand };

export class ShorthandParseError extends Error {}

/**
 * Where the parser stopped, as awscli shows it: the input, then a caret under the character. Python
 * counts code points; the parser here counts UTF-16 units, so a character outside the BMP before the
 * position counts once.
 */
function errorLocation(value: string, index: number): string {
  let consumed = value;
  let remaining = '';
  const before = value.slice(0, index);
  const numSpaces = [...before.slice(before.lastIndexOf('\n') + 1)].length;
  const after = value.slice(index);
  if (after.includes('\n')) {
    const next = index + after.indexOf('\n');
    consumed = value.slice(0, next);
    remaining = value.slice(next);
  }
  return `${consumed}\n${' '.repeat(numSpaces)}^${remaining}`;
}

class SyntaxErr extends ShorthandParseError {
  constructor(value: string, expected: string, actual: string, index: number) {
    super(`Expected: '${expected}', received: '${actual}' for input:\n${errorLocation(value, index)}`);
  }
}

const START_WORD = '!#-&(-+\\--<>-Z\\\\-z\\u007c-\\uffff';
const FIRST_FOLLOW = '\\s!#-&(-+\\--\\\\^-|~-\\uffff';
const SECOND_FOLLOW = '\\s!#-&(-+\\--<>-\\uffff';
const ESCAPED_COMMA = '(\\\\,)';
const FIRST_VALUE = new RegExp(`^(${ESCAPED_COMMA}|[${START_WORD}])(${ESCAPED_COMMA}|[${FIRST_FOLLOW}])*`, 'u');
const SECOND_VALUE = new RegExp(`^(${ESCAPED_COMMA}|[${START_WORD}])(${ESCAPED_COMMA}|[${SECOND_FOLLOW}])*`, 'u');
const SINGLE_QUOTED = /^'(?:\\\\|\\'|[^'])*'/u;
const DOUBLE_QUOTED = /^"(?:\\\\|\\"|[^"])*"/u;
const KEY_CHARS = /[A-Za-z0-9\-_.#/:]/;
const WHITESPACE = ' \t\n\r\x0b\x0c';

export class ShorthandParser {
  private input = '';
  private index = 0;

  parse(value: string): { [key: string]: Shorthand } {
    this.input = value;
    this.index = 0;
    return this.parameter();
  }

  private parameter(): { [key: string]: Shorthand } {
    const params: { [key: string]: Shorthand } = {};
    let [key, val] = this.keyval();
    params[key] = val;
    let lastIndex = this.index;
    while (this.index < this.input.length) {
      this.expect(',', true);
      [key, val] = this.keyval();
      if (Object.hasOwn(params, key)) {
        throw new ShorthandParseError(
          `Second instance of key "${key}" encountered for input:\n${errorLocation(this.input, lastIndex + 1)}\n` +
            'This is often because there is a preceding "," instead of a space.',
        );
      }
      params[key] = val;
      lastIndex = this.index;
    }
    return params;
  }

  private keyval(): [string, Shorthand] {
    const key = this.key();
    this.expect('=', true);
    return [key, this.values()];
  }

  private key(): string {
    const start = this.index;
    while (!this.atEof() && KEY_CHARS.test(this.current()!)) this.index++;
    return this.input.slice(start, this.index);
  }

  private values(): Shorthand {
    if (this.atEof()) return '';
    if (this.current() === '[') return this.explicitList();
    if (this.current() === '{') return this.hashLiteral();
    return this.csvValue();
  }

  private csvValue(): Shorthand {
    const first = this.firstValue();
    this.consumeWhitespace();
    if (this.atEof() || this.input[this.index] !== ',') return first;
    this.expect(',', true);
    const list: string[] = [first];
    for (;;) {
      try {
        const current = this.secondValue();
        this.consumeWhitespace();
        if (this.atEof()) {
          list.push(current);
          break;
        }
        this.expect(',', true);
        list.push(current);
      } catch (err) {
        if (!(err instanceof SyntaxErr) || this.atEof()) throw err;
        this.backtrackTo(',');
        break;
      }
    }
    return list.length === 1 ? first : list;
  }

  private value(): string {
    const m = FIRST_VALUE.exec(this.input.slice(this.index));
    if (m) {
      this.index += m[0].length;
      return rstrip(m[0].replace(/\\,/g, ','));
    }
    return '';
  }

  private explicitList(): Shorthand[] {
    this.expect('[', true);
    const values: Shorthand[] = [];
    while (this.current() !== ']') {
      values.push(this.explicitValues());
      this.consumeWhitespace();
      if (this.current() !== ']') {
        this.expect(',');
        this.consumeWhitespace();
      }
    }
    this.expect(']');
    return values;
  }

  private explicitValues(): Shorthand {
    if (this.current() === '[') return this.explicitList();
    if (this.current() === '{') return this.hashLiteral();
    return this.firstValue();
  }

  private hashLiteral(): { [key: string]: Shorthand } {
    this.expect('{', true);
    const out: { [key: string]: Shorthand } = {};
    while (this.current() !== '}') {
      const key = this.key();
      this.expect('=', true);
      const v = this.explicitValues();
      this.consumeWhitespace();
      if (this.current() !== '}') {
        this.expect(',');
        this.consumeWhitespace();
      }
      out[key] = v;
    }
    this.expect('}');
    return out;
  }

  private firstValue(): string {
    if (this.current() === "'") return this.quoted(SINGLE_QUOTED, "'", 'singled quoted');
    if (this.current() === '"') return this.quoted(DOUBLE_QUOTED, '"', 'double quoted');
    return this.value();
  }

  private secondValue(): string {
    if (this.current() === "'") return this.quoted(SINGLE_QUOTED, "'", 'singled quoted');
    if (this.current() === '"') return this.quoted(DOUBLE_QUOTED, '"', 'double quoted');
    return rstrip(this.mustConsume(SECOND_VALUE, 'second').replace(/\\,/g, ','));
  }

  private quoted(re: RegExp, ch: string, name: string): string {
    const raw = this.mustConsume(re, name).slice(1, -1);
    return raw.split(`\\${ch}`).join(ch).split('\\\\').join('\\');
  }

  private mustConsume(re: RegExp, name: string): string {
    const m = re.exec(this.input.slice(this.index));
    if (m) {
      this.index += m[0].length;
      return m[0];
    }
    throw new SyntaxErr(this.input, `<${name}>`, '<none>', this.index);
  }

  private expect(ch: string, consumeWhitespace = false): void {
    if (consumeWhitespace) this.consumeWhitespace();
    if (this.index >= this.input.length) throw new SyntaxErr(this.input, ch, 'EOF', this.index);
    const actual = this.input[this.index]!;
    // The whole character (a surrogate pair is one Python character).
    if (actual !== ch) throw new SyntaxErr(this.input, ch, String.fromCodePoint(this.input.codePointAt(this.index)!), this.index);
    this.index++;
    if (consumeWhitespace) this.consumeWhitespace();
  }

  private current(): string | undefined {
    return this.index < this.input.length ? this.input[this.index] : undefined;
  }

  private atEof(): boolean {
    return this.index >= this.input.length;
  }

  private backtrackTo(ch: string): void {
    while (this.index >= 0 && this.input[this.index] !== ch) this.index--;
  }

  private consumeWhitespace(): void {
    while (this.current() !== undefined && WHITESPACE.includes(this.current()!)) this.index++;
  }
}

function rstrip(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python's str.rstrip() whitespace includes \v and \f.
  return s.replace(/[ \t\n\r\x0b\x0c]+$/, '');
}
