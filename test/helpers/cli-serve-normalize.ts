/**
 * Placeholders for what legitimately differs between the stub's answers and `signet serve`'s: DKIM
 * tokens (32 characters), domain verification tokens (44, base64), NextTokens and MessageIds. Each
 * distinct value becomes `<Kind-N>`, N by order of first appearance in the text, so that two outputs
 * compare equal exactly when they have the same shape and the same pattern of repeats (the same
 * token twice stays "the same token twice").
 */

export type TokenKind = 'NextToken' | 'MessageId' | 'VerificationToken' | 'DkimToken';

export interface Normalized {
  readonly text: string;
  /** placeholder -> the raw value it replaced */
  readonly values: Map<string, string>;
}

// Values the AWS CLI prints by member name, in each output format (json, text, yaml, table).
function contextual(member: string): RegExp[] {
  const upper = member.toUpperCase();
  return [
    new RegExp(`("${member}": ")([^"]+)(")`, 'g'),
    new RegExp(`^(${upper}\\t)([^\\t\\n]+)()$`, 'gm'),
    new RegExp(`^(\\s*-?\\s*${member}: )([^\\s]+)()$`, 'gm'),
    new RegExp(`(\\|\\s*${member}\\s*\\|\\s+)([^\\s|]+)(\\s+\\|)`, 'g'),
  ];
}

// A token starts after a non-token character or after a colour escape (`--color on`: ESC[34m).
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts a colour escape.
const VERIFICATION_TOKEN = /(?<=^|[^A-Za-z0-9+/]|\x1B\[[0-9;]*m)[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/gm;
// SES's DKIM tokens are 32 characters of [a-z2-7]; the stub's example.com tokens start with EXAMPLE.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts a colour escape.
const DKIM_TOKEN = /(?<=^|[^A-Za-z0-9+/<-]|\x1B\[[0-9;]*m)[A-Za-z0-9]{32}(?![A-Za-z0-9+/=>])/gm;

/**
 * `known` are NextTokens met elsewhere (in other outputs of the same server): `--output text` prints
 * a bare top-level NextToken on a line of its own, with no member name to recognise it by.
 */
export function normalizeTokens(text: string, known: ReadonlySet<string> = new Set()): Normalized {
  const values = new Map<string, string>();
  const seen = new Map<string, string>();
  const counters = new Map<TokenKind, number>();
  const placeholder = (kind: TokenKind, raw: string): string => {
    const key = `${kind}\0${raw}`;
    let p = seen.get(key);
    if (p === undefined) {
      const n = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, n);
      p = `<${kind}-${n}>`;
      seen.set(key, p);
      values.set(p, raw);
    }
    return p;
  };
  let out = text;
  for (const kind of ['NextToken', 'MessageId'] as const) {
    for (const re of contextual(kind)) out = out.replace(re, (_m, a: string, v: string, b: string) => `${a}${placeholder(kind, v)}${b}`);
  }
  for (const raw of known) {
    const escaped = raw.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?<![A-Za-z0-9+/=])${escaped}(?![A-Za-z0-9+/=])`, 'g'), () => placeholder('NextToken', raw));
  }
  out = out.replace(VERIFICATION_TOKEN, (v) => placeholder('VerificationToken', v));
  out = out.replace(DKIM_TOKEN, (v) => placeholder('DkimToken', v));
  return { text: out, values };
}
