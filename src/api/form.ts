import { SesError } from './ses-error.ts';

/**
 * Parses an `application/x-www-form-urlencoded` body strictly: keys and values must be valid
 * percent-encoded UTF-8 (botocore always sends that), and a key may appear once. Lenient parsers
 * (URLSearchParams) turn bad bytes into U+FFFD and keep the last duplicate, which would let a request
 * mean something other than what its sender signed.
 */
export function parseForm(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  if (body.length === 0) return out;
  const text = body.toString('latin1');
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (key === '') throw new SesError('MalformedQueryString', 'The request contains a parameter with an empty name.');
    if (out.has(key)) {
      throw new SesError('InvalidParameterValue', `The parameter ${printable(key)} is given more than once.`);
    }
    out.set(key, value);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeComponent(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2b) bytes.push(0x20);
    else if (c === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new SesError('MalformedQueryString', 'The request body holds an invalid percent-encoding.');
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(c);
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    throw new SesError('MalformedQueryString', 'The request body is not valid UTF-8.');
  }
}

/** A parameter name fit to echo in a message. */
export function printable(text: string): string {
  const short = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return JSON.stringify(short).slice(1, -1);
}
