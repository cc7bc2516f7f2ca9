import MailComposer from 'nodemailer/lib/mail-composer';
import { toCrlf } from './raw-message.ts';

/** One `Content` of SendEmail: the text and, optionally, the charset it is to be sent in. */
export interface Content {
  readonly data: string;
  readonly charset: string | undefined;
}

export interface ComposeInput {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly replyTo: readonly string[];
  readonly subject: Content;
  readonly text: Content | null;
  readonly html: Content | null;
  readonly date: Date;
  readonly messageIdHeader: string;
}

/** Why a charset cannot be used; the caller turns it into SES's InvalidParameterValue. */
export class CharsetError extends Error {}

/**
 * The body of one part in the charset the caller named. SES: "If the text must contain any other
 * characters [than 7-bit ASCII], then you must also specify a character set"; UTF-8 is the default.
 * Node encodes UTF-8 and ISO-8859-1 natively; other charsets are refused rather than mislabelled.
 */
function part(content: Content, type: 'text/plain' | 'text/html'): { content: string | Buffer; contentType?: string } {
  const charset = (content.charset ?? 'UTF-8').trim().toUpperCase();
  if (charset === 'UTF-8' || charset === 'UTF8' || charset === 'US-ASCII' || charset === 'ASCII') return { content: content.data };
  if (charset === 'ISO-8859-1' || charset === 'LATIN1') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the Latin-1 range starts at U+0000.
    if (/[^\u0000-\u00ff]/.test(content.data)) throw new CharsetError(`The text cannot be encoded in ${content.charset}.`);
    return { content: Buffer.from(content.data, 'latin1'), contentType: `${type}; charset=ISO-8859-1` };
  }
  throw new CharsetError(`Unsupported charset ${content.charset}.`);
}

/**
 * SendEmail's MIME message, built by nodemailer's MailComposer: a text part, an HTML part, or both as
 * multipart/alternative; non-ASCII subjects as RFC 2047 encoded-words; Bcc never written as a header.
 */
export async function composeMessage(input: ComposeInput): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.from,
    ...(input.to.length > 0 ? { to: [...input.to] } : {}),
    ...(input.cc.length > 0 ? { cc: [...input.cc] } : {}),
    ...(input.replyTo.length > 0 ? { replyTo: [...input.replyTo] } : {}),
    subject: input.subject.data,
    ...(input.text ? { text: part(input.text, 'text/plain') } : {}),
    ...(input.html ? { html: part(input.html, 'text/html') } : {}),
    date: input.date,
    messageId: input.messageIdHeader,
    xMailer: false,
  });
  const built = await composer.compile().build();
  return toCrlf(built);
}
