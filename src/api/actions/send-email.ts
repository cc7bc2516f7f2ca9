import { DomainError } from '../../core/index.ts';
import { checkMessageSize, sendEmail, sendRawEmail, type Tag } from '../../app/send-email.ts';
import type { Content as MessageContent } from '../../core/index.ts';
import type { SesAction } from './action.ts';

interface MessageTag {
  readonly Name: string;
  readonly Value: string;
}
interface Content {
  readonly Data: string;
  readonly Charset?: string;
}

function tagsOf(tags: readonly MessageTag[] | undefined): Tag[] {
  return (tags ?? []).map((t) => ({ name: t.Name, value: t.Value }));
}

function contentOf(content: Content | undefined): MessageContent | null {
  return content === undefined ? null : { data: content.Data, charset: content.Charset };
}

interface SendEmailInput {
  readonly Source: string;
  readonly Destination: { readonly ToAddresses?: string[]; readonly CcAddresses?: string[]; readonly BccAddresses?: string[] };
  readonly Message: { readonly Subject: Content; readonly Body: { readonly Text?: Content; readonly Html?: Content } };
  readonly ReplyToAddresses?: string[];
  readonly ReturnPath?: string;
  readonly Tags?: MessageTag[];
}

/** SendEmail: SES builds the MIME message from Source, Destination and Message (model 2010-12-01). */
export const sendEmailAction: SesAction<SendEmailInput, { MessageId: string }> = {
  name: 'SendEmail',
  throttled: false,
  // SES reports a missing Message.Subject.Data before a missing Source.
  decode: { first: ['Message'] },
  async run(ctx, scope, input) {
    const messageId = await sendEmail(ctx, scope, {
      source: input.Source,
      to: input.Destination.ToAddresses ?? [],
      cc: input.Destination.CcAddresses ?? [],
      bcc: input.Destination.BccAddresses ?? [],
      replyTo: input.ReplyToAddresses ?? [],
      returnPath: input.ReturnPath,
      subject: contentOf(input.Message.Subject)!,
      text: contentOf(input.Message.Body.Text),
      html: contentOf(input.Message.Body.Html),
      tags: tagsOf(input.Tags),
    });
    return { MessageId: messageId };
  },
};

interface SendRawEmailInput {
  readonly Source?: string;
  readonly Destinations?: string[];
  /** The blob as it came: base64, as botocore encodes blobs (decoded here, after the size check). */
  readonly RawMessage: { readonly Data: string };
  readonly Tags?: MessageTag[];
}

/** SendRawEmail: the caller's message, base64 in `RawMessage.Data` as botocore encodes blobs. */
export const sendRawEmailAction: SesAction<SendRawEmailInput, { MessageId: string }> = {
  name: 'SendRawEmail',
  throttled: false,
  // The message is checked as soon as it is read, before Source, Destinations and Tags, as SES does.
  decode: { first: ['RawMessage'], checks: { RawMessage: (raw) => checkRawMessage((raw as SendRawEmailInput['RawMessage']).Data) } },
  async run(ctx, scope, input) {
    const data = input.RawMessage.Data;
    const messageId = await sendRawEmail(ctx, scope, {
      source: input.Source,
      destinations: input.Destinations,
      raw: Buffer.from(data, 'base64'),
      tags: tagsOf(input.Tags),
    });
    return { MessageId: messageId };
  },
};

/**
 * A message over SES's size limit is refused from its encoded length, before the O(n) checks and the
 * decode (issue 14, finding 3: a 39 MB body held the event loop for tens of ms to be refused).
 */
function checkRawMessage(data: string): void {
  checkMessageSize(decodedBase64Length(data));
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(data)) {
    throw new DomainError('invalid_parameter', 'Invalid base64 in RawMessage.Data.');
  }
}

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
