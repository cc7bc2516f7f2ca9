import { ArgParseError } from './errors.ts';

/**
 * A small re-implementation of the parts of Python's argparse that the AWS CLI relies on, so that
 * signet accepts and rejects exactly the same command lines: `parse_known_args` (unknown options and
 * stray positionals are handed back in order), unique-prefix abbreviation (`--out` for `--output`),
 * `--opt=value`, nargs `?`/`+`, choices with the AWS CLI's "Invalid choice" table, int conversion and
 * "the following arguments are required".
 */

export type Nargs = 'one' | '?' | '+';

export interface OptionSpec {
  /** `--domain` */
  readonly flag: string;
  /** Key in the result. Two flags may share one (`--dkim-enabled` / `--no-dkim-enabled`). */
  readonly dest: string;
  /** `store` takes values; `store_true` / `store_false` take none; `version` ends parsing. */
  readonly action: 'store' | 'store_true' | 'store_false' | 'version';
  readonly nargs?: Nargs;
  /** Value for nargs `?` given without one. */
  readonly constValue?: string;
  readonly choices?: readonly string[];
  readonly type?: 'int';
  readonly required?: boolean;
}

export type ParsedValue = string | string[] | number | boolean;

export interface ParseResult {
  readonly values: Map<string, ParsedValue>;
  readonly positionals: string[];
  readonly extras: string[];
  /** Set when a `version` action was met. */
  readonly version: boolean;
}

/** The AWS CLI's replacement for argparse's "invalid choice" text (awscli/argparser.py). */
export function invalidChoiceMessage(value: string, choices: readonly string[]): string {
  const lines = ['Invalid choice, valid choices are:\n'];
  for (let i = 0; i < choices.length; i += 2) {
    lines.push(
      choices
        .slice(i, i + 2)
        .map((c) => c.padEnd(40))
        .join(' | '),
    );
  }
  const close = closeMatches(value, choices, 0.8);
  if (close.length > 0) {
    lines.push(`\n\nInvalid choice: ${pyRepr(value)}, maybe you meant:\n`);
    for (const word of close) lines.push(`  * ${word}`);
  }
  return lines.join('\n');
}

/** Python's repr() of a str: single quotes unless the text holds one and no double quote. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

export class ArgParser {
  private readonly byFlag = new Map<string, OptionSpec>();

  constructor(
    readonly options: readonly OptionSpec[],
    /** Names of positionals consumed in order (`command`, `operation`); more go to extras. */
    private readonly positionalNames: readonly { name: string; choices?: readonly string[]; optional?: boolean }[] = [],
  ) {
    for (const o of options) this.byFlag.set(o.flag, o);
  }

  /** argparse `_parse_optional`: is this token an option, and which one (abbreviations allowed)? */
  private classify(token: string): { kind: 'A' } | { kind: 'O'; spec: OptionSpec | null; explicit: string | null } {
    if (!token.startsWith('-') || token === '-') return { kind: 'A' };
    const exact = this.byFlag.get(token);
    if (exact) return { kind: 'O', spec: exact, explicit: null };
    if (token.length === 1) return { kind: 'A' };
    const eq = token.indexOf('=');
    if (eq !== -1) {
      const head = token.slice(0, eq);
      const spec = this.byFlag.get(head);
      if (spec) return { kind: 'O', spec, explicit: token.slice(eq + 1) };
    }
    // Abbreviations: every option that starts with the text before any '='.
    if (token.startsWith('--')) {
      const head = eq === -1 ? token : token.slice(0, eq);
      const matches = this.options.filter((o) => o.flag.startsWith(head));
      if (matches.length > 1) {
        const names = matches.map((m) => m.flag).join(', ');
        throw new ArgParseError(`ambiguous option: ${head} could match ${names}`);
      }
      if (matches.length === 1) return { kind: 'O', spec: matches[0]!, explicit: eq === -1 ? null : token.slice(eq + 1) };
    }
    if (/^-\d+$|^-\d*\.\d+$/.test(token)) return { kind: 'A' };
    if (token.includes(' ')) return { kind: 'A' };
    return { kind: 'O', spec: null, explicit: null };
  }

  parse(args: readonly string[]): ParseResult {
    const kinds = args.map((a) => (a === '--' ? ({ kind: 'A' } as const) : this.classify(a)));
    const values = new Map<string, ParsedValue>();
    const positionals: string[] = [];
    const extras: string[] = [];
    const seen = new Set<string>();
    let version = false;
    let i = 0;
    while (i < args.length) {
      const k = kinds[i]!;
      const token = args[i]!;
      if (k.kind === 'A') {
        if (positionals.length < this.positionalNames.length) {
          const pos = this.positionalNames[positionals.length]!;
          if (pos.choices && !pos.choices.includes(token)) {
            throw new ArgParseError(`argument ${pos.name}: ${invalidChoiceMessage(token, pos.choices)}`);
          }
          positionals.push(token);
        } else extras.push(token);
        i++;
        continue;
      }
      const spec = k.spec;
      if (spec === null) {
        extras.push(token);
        i++;
        continue;
      }
      seen.add(spec.dest);
      i++;
      if (spec.action === 'version') {
        version = true;
        break;
      }
      if (spec.action === 'store_true' || spec.action === 'store_false') {
        if (k.explicit !== null) throw new ArgParseError(`argument ${spec.flag}: ignored explicit argument ${pyRepr(k.explicit)}`);
        values.set(spec.dest, spec.action === 'store_true');
        continue;
      }
      const taken: string[] = [];
      if (k.explicit !== null) taken.push(k.explicit);
      else {
        const max = spec.nargs === '+' ? Infinity : 1;
        while (taken.length < max && i < args.length && kinds[i]!.kind === 'A' && args[i] !== '--') {
          taken.push(args[i]!);
          i++;
        }
      }
      const nargs = spec.nargs ?? 'one';
      if (taken.length === 0) {
        if (nargs === '?') {
          values.set(spec.dest, spec.constValue ?? '');
          continue;
        }
        throw new ArgParseError(`argument ${spec.flag}: ${nargs === '+' ? 'expected at least one argument' : 'expected one argument'}`);
      }
      for (const t of taken) {
        if (spec.choices && !spec.choices.includes(t)) {
          throw new ArgParseError(`argument ${spec.flag}: ${invalidChoiceMessage(t, spec.choices)}`);
        }
      }
      if (spec.type === 'int') {
        const conv = taken.map((t) => {
          if (!/^\s*[-+]?\d+\s*$/.test(t.replace(/_/g, ''))) throw new ArgParseError(`argument ${spec.flag}: invalid int value: ${pyRepr(t)}`);
          return Number.parseInt(t.replace(/_/g, ''), 10);
        });
        values.set(spec.dest, nargs === '+' ? (conv as unknown as string[]) : conv[0]!);
      } else values.set(spec.dest, nargs === '+' ? taken : taken[0]!);
    }
    if (!version) {
      const missingPositional = this.positionalNames.slice(positionals.length).filter((p) => !p.optional);
      const missing = [...this.options.filter((o) => o.required && !seen.has(o.dest)).map((o) => o.flag), ...missingPositional.map((p) => p.name)];
      if (missing.length > 0) throw new ArgParseError(`the following arguments are required: ${missing.join(', ')}`);
    }
    return { values, positionals, extras, version };
  }
}

/** difflib.get_close_matches(word, possibilities, n=3, cutoff) with SequenceMatcher's ratio. */
export function closeMatches(word: string, possibilities: readonly string[], cutoff: number, n = 3): string[] {
  const scored: { s: number; w: string }[] = [];
  for (const p of possibilities) {
    const r = ratio(word, p);
    if (r >= cutoff) scored.push({ s: r, w: p });
  }
  // heapq.nlargest on (score, word): ties broken by the larger word.
  scored.sort((a, b) => b.s - a.s || (a.w < b.w ? 1 : a.w > b.w ? -1 : 0));
  return scored.slice(0, n).map((x) => x.w);
}

/** SequenceMatcher(None, a, b).ratio(): 2*M/T with Ratcliff/Obershelp matching blocks. */
function ratio(a: string, b: string): number {
  const total = a.length + b.length;
  if (total === 0) return 1;
  return (2 * matchCount(a, 0, a.length, b, 0, b.length)) / total;
}

function matchCount(a: string, alo: number, ahi: number, b: string, blo: number, bhi: number): number {
  if (alo >= ahi || blo >= bhi) return 0;
  let bestI = alo;
  let bestJ = blo;
  let bestSize = 0;
  for (let i = alo; i < ahi; i++) {
    for (let j = blo; j < bhi; j++) {
      let k = 0;
      while (i + k < ahi && j + k < bhi && a[i + k] === b[j + k]) k++;
      if (k > bestSize) {
        bestI = i;
        bestJ = j;
        bestSize = k;
      }
    }
  }
  if (bestSize === 0) return 0;
  return bestSize + matchCount(a, alo, bestI, b, blo, bestJ) + matchCount(a, bestI + bestSize, ahi, b, bestJ + bestSize, bhi);
}
