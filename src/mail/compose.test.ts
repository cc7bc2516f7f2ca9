import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError, type ComposeInput } from '../core/index.ts';
import { composeMessage } from './compose.ts';
import { headerValues, parseMessage } from './raw-message.ts';

const BASE: ComposeInput = {
  from: 'Sender <s@example.com>',
  to: ['a@dest.example'],
  cc: [],
  replyTo: [],
  subject: { data: 'Hello', charset: undefined },
  text: { data: 'Plain body', charset: undefined },
  html: null,
  date: new Date(Date.UTC(2026, 0, 1)),
  messageIdHeader: '<id@mail.signet.test>',
};

describe("SendEmail's MIME message (mail/compose.ts)", () => {
  it('a text message: the headers given, CRLF line ends, no X-Mailer, no Bcc', async () => {
    const raw = await composeMessage({ ...BASE, cc: ['c@dest.example'], replyTo: ['r@example.com'] });
    const text = raw.toString('latin1');
    assert.doesNotMatch(text.replace(/\r\n/g, ''), /\n/, 'no bare LF');
    const parsed = parseMessage(raw);
    assert.deepEqual(headerValues(parsed, 'From'), ['Sender <s@example.com>']);
    assert.deepEqual(headerValues(parsed, 'Cc'), ['c@dest.example']);
    assert.deepEqual(headerValues(parsed, 'Reply-To'), ['r@example.com']);
    assert.deepEqual(headerValues(parsed, 'Message-ID'), ['<id@mail.signet.test>']);
    assert.deepEqual(headerValues(parsed, 'Date'), ['Thu, 01 Jan 2026 00:00:00 +0000']);
    assert.deepEqual(headerValues(parsed, 'X-Mailer'), []);
    assert.match(headerValues(parsed, 'Content-Type')[0]!, /^text\/plain/);
    assert.match(parsed.body.toString(), /Plain body/);
  });

  it('text and HTML become multipart/alternative; a non-ASCII subject an RFC 2047 encoded-word', async () => {
    const raw = await composeMessage({ ...BASE, subject: { data: 'Grüße ✓', charset: 'UTF-8' }, html: { data: '<p>Hi</p>', charset: undefined } });
    const parsed = parseMessage(raw);
    assert.match(headerValues(parsed, 'Content-Type')[0]!, /^multipart\/alternative; boundary=/);
    assert.match(headerValues(parsed, 'Subject')[0]!, /^=\?UTF-8\?[BQ]\?/);
    assert.match(parsed.body.toString(), /text\/plain[\s\S]*text\/html/);
  });

  it('ISO-8859-1 bodies are encoded in it; text it cannot carry and unknown charsets are refused', async () => {
    const raw = await composeMessage({ ...BASE, text: { data: 'café', charset: 'iso-8859-1' } });
    const parsed = parseMessage(raw);
    assert.deepEqual(headerValues(parsed, 'Content-Type'), ['text/plain; charset=ISO-8859-1']);
    assert.match(parsed.body.toString('latin1'), /caf=E9/, 'the latin1 byte, quoted-printable');
    // Mixed charsets: both parts, text first, each labelled with its own charset.
    const mixed = parseMessage(
      await composeMessage({ ...BASE, text: { data: 'café', charset: 'ISO-8859-1' }, html: { data: '<p>café ✓</p>', charset: 'UTF-8' } }),
    );
    assert.match(headerValues(mixed, 'Content-Type')[0]!, /^multipart\/alternative/);
    assert.match(mixed.body.toString('latin1'), /text\/plain; charset=ISO-8859-1[\s\S]*caf=E9[\s\S]*text\/html; charset=utf-8/);
    await assert.rejects(composeMessage({ ...BASE, text: { data: 'snow ☃', charset: 'ISO-8859-1' } }), DomainError);
    await assert.rejects(composeMessage({ ...BASE, text: { data: 'x', charset: 'Shift_JIS' } }), /Unsupported charset Shift_JIS/);
  });
});
