import jmespath from 'jmespath';
import { ParamError } from './errors.ts';

/**
 * `--query`: JMESPath (the jmespath package), compiled up front so that a bad expression is a
 * usage error worded like Python jmespath's (`Invalid jmespath expression: Incomplete expression:`).
 */
export interface Query {
  readonly expression: string;
  search(value: unknown): unknown;
}

interface JmesModule {
  compile(expression: string): unknown;
  tokenize(expression: string): { type: string; value: unknown; start: number }[];
  search(data: unknown, expression: string): unknown;
}

const jp = jmespath as unknown as JmesModule;

export function compileQuery(expression: string): Query {
  // The JavaScript lexer takes an unclosed `literal to the end of the expression; Python's refuses it.
  const unclosed = unclosedLiteralAt(expression);
  if (unclosed !== null) {
    throw new ParamError(`Bad value for --query ${expression}: Bad jmespath expression: Unclosed \` delimiter:\n${expression}\n${' '.repeat(unclosed)}^`);
  }
  try {
    jp.compile(expression);
  } catch (err) {
    throw new ParamError(`Bad value for --query ${expression}: ${pythonMessage(expression, err as Error)}`);
  }
  return { expression, search: (value) => search(value, expression) };
}

export function search(value: unknown, expression: string): unknown {
  const r = jp.search(value, expression);
  return r === undefined ? null : r;
}

function pythonMessage(expression: string, err: Error): string {
  const underline = (pos: number) => `${' '.repeat(pos)}^`;
  if (err.name === 'LexerError') {
    const m = /at position (\d+)/.exec(err.message);
    const pos = m ? Number(m[1]) : 0;
    return `Bad jmespath expression: ${err.message.replace(/:? at position \d+.*$/, '')}:\n${expression}\n${underline(pos)}`;
  }
  let tokens: { type: string; value: unknown; start: number }[] = [];
  try {
    tokens = jp.tokenize(expression);
  } catch {
    /* the parse error below still applies */
  }
  const m = /Unexpected token type: (\w+), value: (.*)$/.exec(err.message) ?? /Expected (\w+), got: (\w+)/.exec(err.message);
  if (/EOF/.test(err.message) || (m && m[1] === 'EOF')) {
    return `Invalid jmespath expression: Incomplete expression:\n"${expression}"\n${underline(expression.length + 1)}`;
  }
  const valueText = m ? m[2] : '';
  const tok = tokens.find((t) => String(t.value) === valueText) ?? tokens[tokens.length - 1];
  const pos = tok ? tok.start : 0;
  return `Invalid jmespath expression: Parse error at column ${pos}, token "${valueText}" (${(tok?.type ?? '').toUpperCase()}), for expression:\n"${expression}"\n${underline(pos + 1)}`;
}

/**
 * Where a backtick literal starts that is never closed, or null. Quoted identifiers ("...") and raw
 * strings ('...') are skipped, each with its backslash escapes, as the JMESPath lexer reads them.
 */
function unclosedLiteralAt(expression: string): number | null {
  for (let i = 0; i < expression.length; i++) {
    const quote = expression[i];
    if (quote !== '`' && quote !== '"' && quote !== "'") continue;
    const start = i;
    for (i++; i < expression.length && expression[i] !== quote; i++) if (expression[i] === '\\') i++;
    if (i >= expression.length && quote === '`') return start;
  }
  return null;
}
