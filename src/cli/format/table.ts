import { isPlainObject, isScalar, pyStr } from '../values.ts';
import { WIDE_RANGES } from './east-asian-width.ts';

/**
 * awscli/table.py's MultiTable as ses-cli.md §5.4 describes it: sections with a title, an optional
 * header row and rows; widths shared across sections; `--color on` styles through colorama with a
 * reset after every write.
 */
interface Section {
  title: string;
  indent: number;
  headers: string[];
  rows: string[][];
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  if (typeof v === 'object' && typeof (v as object).valueOf() === 'number') return (v as object).valueOf() !== 0;
  return true;
}

export function formatTable(title: string, value: unknown, color: boolean, terminalWidth = 80): string {
  const sections: Section[] = [];
  const cur = () => sections[sections.length - 1]!;
  const newSection = (t: string, indent: number) => sections.push({ title: t, indent, headers: [], rows: [] });
  const groupKeys = (d: Record<string, unknown>): [string[], string[]] => {
    const headers: string[] = [];
    const more: string[] = [];
    for (const k of Object.keys(d)) (isScalar(d[k]) ? headers : more).push(k);
    return [headers.sort(byKey), more.sort(byKey)];
  };
  const build = (t: string | null, current: unknown, indent = 0): boolean => {
    if (!truthy(current)) return false;
    if (t !== null) newSection(t, indent);
    if (sections.length === 0) newSection('', indent);
    if (Array.isArray(current)) {
      if (isPlainObject(current[0])) {
        const hs = new Set<string>();
        const ms = new Set<string>();
        for (const el of current as Record<string, unknown>[]) {
          const [h, m] = groupKeys(el);
          h.forEach((x) => hs.add(x));
          m.forEach((x) => ms.add(x));
        }
        const headers = [...hs].sort(byKey);
        const more = [...ms].sort(byKey);
        cur().headers = headers;
        let first = true;
        for (const el of current as Record<string, unknown>[]) {
          if (!first && more.length > 0) {
            newSection(t ?? '', indent);
            cur().headers = headers;
          }
          first = false;
          cur().rows.push(headers.map((h) => (h in el ? pyStr(el[h]) : '')));
          for (const r of more) if (r in el) build(r, el[r], indent + 1);
        }
      } else {
        for (const item of current) {
          if (isScalar(item)) cur().rows.push([pyStr(item)]);
          else if (Array.isArray(item) ? item.every(isScalar) : Object.keys(item as object).every((k) => isScalar(k))) {
            cur().rows.push(Array.isArray(item) ? item.map(pyStr) : Object.keys(item as object));
          } else build(null, item);
        }
      }
    }
    if (isPlainObject(current)) {
      const [headers, more] = groupKeys(current);
      if (headers.length === 1) cur().rows.push([headers[0]!, pyStr(current[headers[0]!])]);
      else if (headers.length > 0) {
        cur().headers = headers;
        cur().rows.push(headers.map((h) => pyStr(current[h])));
      }
      for (const r of more) build(r, current[r], indent + 1);
    }
    return true;
  };
  if (!build(title, value)) return '';
  return render(sections, color, terminalWidth);
}

/** Display width as awscli measures it: East Asian wide, full-width and ambiguous characters count 2. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += isWide(ch.codePointAt(0)!) ? 2 : 1;
  return w;
}

/** Binary search of the W/F/A ranges (pairs of first, last code point, in order). */
function isWide(c: number): boolean {
  if (c < 0xa1) return false; // ASCII and most of Latin-1: the common case
  let lo = 0;
  let hi = WIDE_RANGES.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < WIDE_RANGES[2 * mid]!) hi = mid - 1;
    else if (c > WIDE_RANGES[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

function maxWidths(s: Section): number[] {
  const n = Math.max(s.headers.length, ...s.rows.map((r) => r.length), 0);
  const mw: number[] = new Array(n).fill(0);
  for (const row of [s.headers, ...s.rows]) row.forEach((c, i) => (mw[i] = Math.max(mw[i]!, width(c))));
  return mw;
}

function need(s: Section): number {
  const mw = maxWidths(s);
  const cols = mw.reduce((a, w) => a + w + 4, 0);
  return Math.max(width(s.title) + 2 + 2 * s.indent, cols + 2 + 2 * s.indent);
}

/** Python's round(): halves go to the even neighbour. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (Math.abs(d - 0.5) < 1e-12) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}

function columnWidths(s: Section, W: number): number[] {
  const u = maxWidths(s).map((w) => w + 4);
  const total = u.reduce((a, b) => a + b, 0);
  const w = u.map((x) => Math.trunc(pyRound((x * W) / total)));
  let sum = w.reduce((a, b) => a + b, 0);
  while (sum !== W) {
    if (sum > W) {
      for (let i = 0; i < w.length && sum > W; i++) {
        w[i]!--;
        sum--;
      }
    } else {
      for (let i = w.length - 1; i >= 0 && sum < W; i--) {
        w[i]!++;
        sum++;
      }
    }
  }
  return w;
}

const RESET = '\x1b[0m';

function render(sections: Section[], color: boolean, terminalWidth: number): string {
  let total = Math.max(...sections.map(need));
  if (total > terminalWidth) {
    for (const s of sections) {
      if (s.rows.length === 1 && s.headers.length > 0) {
        s.rows = s.headers.map((h, i) => [h, s.rows[0]![i] ?? '']);
        s.headers = [];
      }
    }
    total = Math.max(...sections.map(need));
  }
  const writes: string[] = [];
  const write = (t: string) => {
    writes.push(t);
    if (color) writes.push(RESET);
  };
  const cell = (t: string) => (color ? `\x1b[1m\x1b[34m${t}${RESET}` : t);
  write(`${'-'.repeat(total)}\n`);
  for (const s of sections) {
    const W = total - 2 * s.indent;
    const bar = color ? `\x1b[2m\x1b[33m|${RESET}`.repeat(s.indent) : '|'.repeat(s.indent);
    const line = (body: string) => {
      write(bar);
      write(body);
      write(bar);
      write('\n');
    };
    const center = (t: string, L: number, le: string, re: string, styled = t) => {
      const sp = Math.floor(L / 2) - Math.floor(width(t) / 2) - 1;
      const head = le + ' '.repeat(Math.max(sp, 0));
      const pad = L - re.length - (width(head) + width(t));
      return head + styled + ' '.repeat(Math.max(pad, 0)) + re;
    };
    const left = (t: string, L: number, le: string, re: string, styled: string) => {
      const padding = width(t) + 2 + le.length + re.length <= L ? 2 : 0;
      const head = le + ' '.repeat(padding);
      const pad = L - re.length - (width(head) + width(t));
      return head + styled + ' '.repeat(Math.max(pad, 0)) + re;
    };
    const ncols = Math.max(s.headers.length, ...s.rows.map((r) => r.length), 0);
    const widths = ncols > 0 ? columnWidths(s, W) : [];
    const sep = () => widths.map((w, i) => (i === 0 ? `+${'-'.repeat(w - 2)}+` : `${'-'.repeat(w - 1)}+`)).join('');
    if (s.title) {
      line(center(s.title, W, '|', '|'));
      if (s.headers.length === 0 && s.rows.length === 0) line(`+${'-'.repeat(W - 2)}+`);
    }
    if (s.headers.length > 0) {
      line(sep());
      line(s.headers.map((h, i) => center(h, widths[i]!, i === 0 ? '|' : '', '|')).join(''));
    }
    if (s.rows.length > 0 && ncols > 0) {
      line(sep());
      for (const row of s.rows) {
        line(widths.map((w, i) => left(row[i] ?? '', w, i === 0 ? '|' : '', '|', cell(row[i] ?? ''))).join(''));
      }
      line(sep());
    }
  }
  return writes.join('');
}
