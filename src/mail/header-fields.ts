/**
 * The header section of an RFC 5322 message (§2.2: fields up to the first empty line; a field's
 * continuation lines start with white space, §2.2.3), read without decoding: the DKIM signer and the
 * raw-message checks both work on the fields exactly as they appear.
 */
const CR = 0x0d;
const LF = 0x0a;

/** Where the header block ends: the index of the empty line's CRLF pair, or -1 when there is no body. */
export function headerEnd(message: Buffer): number {
  if (message.length >= 2 && message[0] === CR && message[1] === LF) return 0; // no header fields at all
  return message.indexOf('\r\n\r\n', 0, 'latin1');
}

/** One header field as it appears, folded lines included, without its final CRLF. */
export interface HeaderField {
  /** Lower-cased name. */
  readonly key: string;
  /** The field as written (latin1, so 8-bit bytes survive untouched). */
  readonly raw: string;
}

/** Splits a header block (latin1 text, CRLF line ends) into fields; continuation lines start with WSP. */
export function parseHeaderFields(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  if (block === '') return fields;
  const lines = block.split('\r\n');
  let current: string | null = null;
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== null) {
      current += `\r\n${line}`;
      continue;
    }
    if (current !== null) fields.push(toField(current));
    current = line;
  }
  if (current !== null && current !== '') fields.push(toField(current));
  return fields;
}

function toField(raw: string): HeaderField {
  const colon = raw.indexOf(':');
  return { key: (colon < 0 ? raw : raw.slice(0, colon)).trim().toLowerCase(), raw };
}
