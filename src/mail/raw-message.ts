import addressparser from 'nodemailer/lib/addressparser';
import { headerEnd, parseHeaderFields, type HeaderField } from './header-fields.ts';

const LF = 0x0a;
const CR = 0x0d;

/**
 * The message with every bare LF turned into CRLF (RFC 5322 §2.1 line ends; SMTP carries nothing
 * else, and DKIM canonicalization is defined over CRLF lines). Returns the same buffer when there is
 * nothing to change, which is the common case.
 */
export function toCrlf(message: Buffer): Buffer {
  let bare = 0;
  for (let i = message.indexOf(LF); i >= 0; i = message.indexOf(LF, i + 1)) if (i === 0 || message[i - 1] !== CR) bare++;
  if (bare === 0) return message;
  const out = Buffer.allocUnsafe(message.length + bare);
  let o = 0;
  let from = 0;
  for (let i = message.indexOf(LF); i >= 0; i = message.indexOf(LF, i + 1)) {
    if (i > 0 && message[i - 1] === CR) continue;
    o += message.copy(out, o, from, i);
    out[o++] = CR;
    out[o++] = LF;
    from = i + 1;
  }
  o += message.copy(out, o, from);
  return out.subarray(0, o);
}

/** A message split at the empty line: header fields (latin1) and the body bytes after it. */
export interface ParsedMessage {
  readonly fields: HeaderField[];
  readonly body: Buffer;
  /** True when there was an empty line; a message of headers only has none. */
  readonly hasBody: boolean;
}

export function parseMessage(message: Buffer): ParsedMessage {
  const end = headerEnd(message);
  if (end < 0) {
    const head = message.toString('latin1').replace(/\r\n$/, '');
    return { fields: parseHeaderFields(head), body: Buffer.alloc(0), hasBody: false };
  }
  return { fields: parseHeaderFields(message.toString('latin1', 0, end)), body: message.subarray(end + 4), hasBody: true };
}

/** The unfolded value of a header field (its raw bytes as latin1, the form addressparser reads). */
export function fieldValue(field: HeaderField): string {
  const colon = field.raw.indexOf(':');
  return field.raw
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .trim();
}

export function headerValues(parsed: ParsedMessage, name: string): string[] {
  const key = name.toLowerCase();
  return parsed.fields.filter((f) => f.key === key).map(fieldValue);
}

/** The bare addresses of address fields (groups flattened), in order. */
export function addressesOf(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const entry of addressparser(value, { flatten: true })) {
      if ('address' in entry && entry.address) out.push(entry.address);
    }
  }
  return out;
}

/** Parses one address (display name allowed); null when the text holds no mailbox. */
export function firstAddress(text: string): string | null {
  for (const entry of addressparser(text, { flatten: true })) {
    if ('address' in entry && entry.address) return entry.address;
  }
  return null;
}

/**
 * Header fields SES removes from a raw message before sending: the sending-authorization ARNs may be
 * given as headers (SendRawEmail docs: "X-SES-SOURCE-ARN, X-SES-FROM-ARN and X-SES-RETURN-PATH-ARN ...
 * are removed"), and Bcc, which names recipients the others must not see.
 */
const REMOVED = new Set([
  'x-ses-source-arn',
  'x-ses-from-arn',
  'x-ses-return-path-arn',
  'bcc',
  // "Amazon SES removes the headers before sending the email" (event-publishing-send-email.md).
  'x-ses-configuration-set',
  'x-ses-message-tags',
]);
/** Set by Signet as SES sets them ("SES replaces Message-ID and Date"). */
const REPLACED = new Set(['message-id', 'date']);

/**
 * The outgoing form of a raw message: the removed fields gone, `Date` and `Message-ID` set, every
 * other field and the body byte for byte as given.
 */
export function rewriteHeaders(parsed: ParsedMessage, set: { date: string; messageIdHeader: string }): Buffer {
  const kept = parsed.fields.filter((f) => !REMOVED.has(f.key) && !REPLACED.has(f.key)).map((f) => f.raw);
  kept.push(`Date: ${set.date}`, `Message-ID: ${set.messageIdHeader}`);
  const head = Buffer.from(`${kept.join('\r\n')}\r\n\r\n`, 'latin1');
  return Buffer.concat([head, parsed.body]);
}

/**
 * The tags of `X-SES-MESSAGE-TAGS: name1=value1, name2=value2` fields (SES's event-publishing header).
 * An entry without `=` becomes a tag with an empty value, which the tag check then refuses as SES does.
 */
export function sesMessageTags(values: readonly string[]): { name: string; value: string }[] {
  return values.flatMap((v) =>
    v
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '')
      .map((e) => {
        const eq = e.indexOf('=');
        return eq < 0 ? { name: e, value: '' } : { name: e.slice(0, eq).trim(), value: e.slice(eq + 1).trim() };
      }),
  );
}

/** RFC 5322 §3.3 date-time in UTC, as SES writes it (`Fri, 27 Nov 2026 12:00:00 +0000`). */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}
