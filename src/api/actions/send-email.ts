import { DomainError } from '../../core/index.ts';
import { checkMessageSize, sendEmail, sendRawEmail, type Tag } from '../../app/send-email.ts';
import type { Content } from '../../core/index.ts';
import type { Params } from '../params.ts';
import { el } from '../xml.ts';
import type { SesAction } from './action.ts';

function tagsOf(params: Params): Tag[] {
  return params.structureList('Tags', ['Name', 'Value']).map((t, i) => {
    if (t['Name'] === undefined || t['Value'] === undefined) {
      throw new DomainError(
        'missing_parameter',
        `1 validation error detected: Value null at 'tags.${i + 1}.member.${t['Name'] === undefined ? 'name' : 'value'}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return { name: t['Name'], value: t['Value'] };
  });
}

function content(params: Params, prefix: string, required: boolean): Content | null {
  const data = required ? params.requiredString(`${prefix}.Data`) : params.optionalString(`${prefix}.Data`);
  if (data === undefined) return null;
  return { data, charset: params.optionalString(`${prefix}.Charset`) };
}

/** SendEmail: SES builds the MIME message from Source, Destination and Message (model 2010-12-01). */
export const sendEmailAction: SesAction = {
  name: 'SendEmail',
  throttled: false,
  async run(ctx, scope, params) {
    const subject = content(params, 'Message.Subject', true)!;
    const text = content(params, 'Message.Body.Text', false);
    const html = content(params, 'Message.Body.Html', false);
    const messageId = await sendEmail(ctx, scope, {
      source: params.requiredString('Source'),
      to: params.optionalStringList('Destination.ToAddresses') ?? [],
      cc: params.optionalStringList('Destination.CcAddresses') ?? [],
      bcc: params.optionalStringList('Destination.BccAddresses') ?? [],
      replyTo: params.optionalStringList('ReplyToAddresses') ?? [],
      returnPath: params.optionalString('ReturnPath'),
      subject,
      text,
      html,
      tags: tagsOf(params),
    });
    return [el('MessageId', messageId)];
  },
};

/** SendRawEmail: the caller's message, base64 in `RawMessage.Data` as botocore encodes blobs. */
export const sendRawEmailAction: SesAction = {
  name: 'SendRawEmail',
  throttled: false,
  async run(ctx, scope, params) {
    const data = params.requiredString('RawMessage.Data');
    // A message over SES's size limit is refused from its encoded length, before the O(n) checks and
    // the decode (issue 14, finding 3: a 39 MB body held the event loop for tens of ms to be refused).
    checkMessageSize(decodedBase64Length(data));
    if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(data)) {
      throw new DomainError('invalid_parameter', 'Invalid base64 in RawMessage.Data.');
    }
    const messageId = await sendRawEmail(ctx, scope, {
      source: params.optionalString('Source'),
      destinations: params.optionalStringList('Destinations'),
      raw: Buffer.from(data, 'base64'),
      tags: tagsOf(params),
    });
    return [el('MessageId', messageId)];
  },
};

/**
 * The exact number of bytes `Buffer.from(data, 'base64')` gives for well-formed base64 (line breaks
 * allowed, as MIME writes them; white space at the end), without decoding: four symbols are three
 * bytes, less the padding. Line breaks are counted with native indexOf scans (botocore sends none).
 */
export function decodedBase64Length(data: string): number {
  let end = data.length;
  while (end > 0 && ' \t\r\n'.includes(data[end - 1]!)) end--;
  let breaks = 0;
  for (const ch of ['\n', '\r']) {
    for (let at = data.indexOf(ch); at !== -1 && at < end; at = data.indexOf(ch, at + 1)) breaks++;
  }
  const padding = data[end - 1] === '=' ? (data[end - 2] === '=' ? 2 : 1) : 0;
  return Math.max(0, Math.floor(((end - breaks) * 3) / 4) - padding);
}
