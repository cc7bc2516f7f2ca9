import { isPlainObject, isScalar, pyStr } from '../values.ts';

/** awscli/text.py: tab-separated rows; a dict's key becomes the upper-cased label of nested rows. */
export function formatText(value: unknown): string {
  const out: string[] = [];
  emit(value, out, null, null);
  return out.join('');
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function emit(item: unknown, out: string[], ident: string | null, scalarKeys: string[] | null): void {
  if (isPlainObject(item)) emitDict(item, out, ident, scalarKeys);
  else if (Array.isArray(item)) emitList(item, out, ident);
  else out.push(`${pyStr(item)}\n`);
}

function emitList(item: unknown[], out: string[], ident: string | null): void {
  if (item.length === 0) return;
  if (item.some(isPlainObject)) {
    const keys = new Set<string>();
    for (const el of item) {
      if (!isPlainObject(el)) continue;
      for (const [k, v] of Object.entries(el)) if (isScalar(v)) keys.add(k);
    }
    const all = [...keys].sort(byKey);
    for (const el of item) emit(el, out, ident, all);
  } else if (item.some(Array.isArray)) {
    const scalars = item.filter(isScalar);
    const nonScalars = item.filter((x) => !isScalar(x));
    if (scalars.length > 0) scalarList(scalars, out, ident);
    for (const n of nonScalars) emit(n, out, ident, null);
  } else scalarList(item, out, ident);
}

function scalarList(items: unknown[], out: string[], ident: string | null): void {
  if (ident !== null) for (const x of items) out.push(`${ident.toUpperCase()}\t${pyStr(x)}\n`);
  else out.push(`${items.map(pyStr).join('\t')}\n`);
}

function emitDict(item: Record<string, unknown>, out: string[], ident: string | null, scalarKeys: string[] | null): void {
  const scalars: string[] = [];
  const nested: [string, unknown][] = [];
  if (scalarKeys === null) {
    for (const k of Object.keys(item).sort(byKey)) {
      const v = item[k];
      if (isScalar(v)) scalars.push(pyStr(v));
      else nested.push([k, v]);
    }
  } else {
    for (const k of scalarKeys) scalars.push(k in item ? pyStr(item[k]) : '');
    for (const k of Object.keys(item)
      .filter((x) => !scalarKeys.includes(x))
      .sort(byKey))
      nested.push([k, item[k]]);
  }
  if (scalars.length > 0) {
    if (ident !== null) scalars.unshift(ident.toUpperCase());
    out.push(`${scalars.join('\t')}\n`);
  }
  for (const [k, v] of nested) emit(v, out, k, null);
}
