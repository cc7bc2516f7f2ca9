import MailComposer from 'nodemailer/lib/mail-composer';
import { DomainError, type ComposeInput, type Content } from '../core/index.ts';
import { toCrlf } from './raw-message.ts';

/**
 * The body of one part in the charset the caller named. SES: "If the text must contain any other
 * characters [than 7-bit ASCII], then you must also specify a character set"; UTF-8 is the default.
 * Node encodes UTF-8 and ISO-8859-1 natively; other charsets are refused rather than mislabelled.
 */
function part(content: Content): { content: string | Buffer; charset: 'utf-8' | 'ISO-8859-1' } {
  const charset = (content.charset ?? 'UTF-8').trim().toUpperCase();
  if (charset === 'UTF-8' || charset === 'UTF8' || charset === 'US-ASCII' || charset === 'ASCII') return { content: content.data, charset: 'utf-8' };
  if (charset === 'ISO-8859-1' || charset === 'LATIN1') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the Latin-1 range starts at U+0000.
    if (/[^\u0000-\u00ff]/.test(content.data)) throw new DomainError('invalid_parameter', `The text cannot be encoded in ${content.charset}.`);
    return { content: Buffer.from(content.data, 'latin1'), charset: 'ISO-8859-1' };
  }
  throw new DomainError('invalid_parameter', `Unsupported charset ${content.charset}.`);
}

/**
 * The body options for MailComposer. Its `text` and `html` are always labelled `charset=utf-8`, so
 * parts in another charset go in as `alternatives` (text first, then HTML, as `text`/`html` would
 * be ordered), each with its own Content-Type; UTF-8-only messages keep the plain form.
 */
function bodyOptions(input: ComposeInput): Record<string, unknown> {
  const text = input.text ? part(input.text) : null;
  const html = input.html ? part(input.html) : null;
  if (text?.charset !== 'ISO-8859-1' && html?.charset !== 'ISO-8859-1') {
    return { ...(text ? { text: text.content } : {}), ...(html ? { html: html.content } : {}) };
  }
  const alternatives = [
    ...(text ? [{ content: text.content, contentType: `text/plain; charset=${text.charset}` }] : []),
    ...(html ? [{ content: html.content, contentType: `text/html; charset=${html.charset}` }] : []),
  ];
  return { alternatives };
}

/**
 * SendEmail's MIME message (the MessageComposer port of the use cases), built by nodemailer's MailComposer: a text part, an HTML part, or both as
 * multipart/alternative; non-ASCII subjects as RFC 2047 encoded-words; Bcc never written as a header.
 */
export async function composeMessage(input: ComposeInput): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.from,
    ...(input.to.length > 0 ? { to: [...input.to] } : {}),
    ...(input.cc.length > 0 ? { cc: [...input.cc] } : {}),
    ...(input.replyTo.length > 0 ? { replyTo: [...input.replyTo] } : {}),
    subject: input.subject.data,
    ...bodyOptions(input),
    date: input.date,
    messageId: input.messageIdHeader,
    xMailer: false,
  });
  const built = await composer.compile().build();
  return toCrlf(built);
}
