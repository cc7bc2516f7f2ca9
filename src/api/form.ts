import { isAscii } from 'node:buffer';
import querystring from 'node:querystring';
import { SesError } from './ses-error.ts';

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const PERCENT = 0x25;
const PLUS = 0x2b;

/**
 * Parses an `application/x-www-form-urlencoded` body strictly: keys and values must be valid
 * percent-encoded UTF-8 (botocore always sends that), and a key may appear once. Lenient parsers
 * (URLSearchParams) turn bad bytes into U+FFFD and keep the last duplicate, which would let a request
 * mean something other than what its sender signed.
 *
 * Linear in the body's size and done with native operations (Buffer.indexOf, TextDecoder,
 * decodeURIComponent), never a JavaScript loop per byte: a SendRawEmail body may be 40 MB, and the
 * parse runs on the event loop that also answers every other client and DNS (issue 14, finding 3:
 * a per-byte parser held the loop for most of a second per request). Each search for '=' is bounded
 * by its pair, so no input makes the scan quadratic.
 */
export function parseForm(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const length = body.length;
  let start = 0;
  while (start < length) {
    let end = body.indexOf(AMPERSAND, start);
    if (end === -1) end = length;
    if (end > start) {
      const pair = body.subarray(start, end);
      const eq = pair.indexOf(EQUALS);
      const key = decodeComponent(eq === -1 ? pair : pair.subarray(0, eq));
      const value = eq === -1 ? '' : decodeComponent(pair.subarray(eq + 1));
      if (key === '') throw new SesError('MalformedQueryString', 'The request contains a parameter with an empty name.');
      if (out.has(key)) {
        throw new SesError('InvalidParameterValue', `The parameter ${printable(key)} is given more than once.`);
      }
      out.set(key, value);
    }
    start = end + 1;
  }
  return out;
}

// ignoreBOM: a value that starts with U+FEFF keeps it (decodeURIComponent does too); only the sender's bytes count.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** A '%' not followed by two hex digits. */
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

function invalidUtf8(): SesError {
  return new SesError('MalformedQueryString', 'The request body is not valid UTF-8.');
}

/**
 * One key or value: '+' is a space, `%XX` a byte, any other byte itself; the bytes must be UTF-8.
 * Three paths, each native: no escapes (most names and values) is one strict UTF-8 decode; ASCII
 * with escapes (botocore's encoding, base64's '+', '/' and '=' included) is decodeURIComponent,
 * which refuses bad escapes and invalid UTF-8 (overlong forms and surrogates too) as TextDecoder
 * does; raw bytes above 0x7F mixed with escapes (no SDK sends them) go through
 * querystring.unescapeBuffer and the strict decoder.
 */
function decodeComponent(raw: Buffer): string {
  const hasPercent = raw.indexOf(PERCENT) !== -1;
  if (!hasPercent && raw.indexOf(PLUS) === -1) {
    // ASCII (every name, and base64 as some clients send it unescaped) is checked with SIMD and
    // copied as one-byte text, several times faster than a UTF-8 decode.
    if (isAscii(raw)) return raw.toString('latin1');
    try {
      return utf8.decode(raw);
    } catch {
      throw invalidUtf8();
    }
  }
  const text = raw.toString('latin1');
  const ascii = isAscii(raw);
  if (hasPercent && BAD_ESCAPE.test(text)) {
    throw new SesError('MalformedQueryString', 'The request body holds an invalid percent-encoding.');
  }
  if (ascii) {
    const spaced = text.replaceAll('+', ' ');
    if (!hasPercent) return spaced;
    try {
      return decodeURIComponent(spaced);
    } catch {
      throw invalidUtf8();
    }
  }
  try {
    return utf8.decode((querystring as unknown as { unescapeBuffer(s: string, decodeSpaces: boolean): Buffer }).unescapeBuffer(text, true));
  } catch {
    throw invalidUtf8();
  }
}

/** A parameter name fit to echo in a message. */
export function printable(text: string): string {
  const short = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return JSON.stringify(short).slice(1, -1);
}
