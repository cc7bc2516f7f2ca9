import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressesOf, firstAddress, headerValues, parseMessage, rewriteHeaders, rfc5322Date, toCrlf } from './raw-message.ts';

describe('raw messages (mail/raw-message.ts)', () => {
  it('toCrlf turns bare LFs into CRLF, leaves CRLF alone, and returns the same buffer when nothing changes', () => {
    assert.equal(toCrlf(Buffer.from('a\nb\r\nc\n')).toString(), 'a\r\nb\r\nc\r\n');
    assert.equal(toCrlf(Buffer.from('\n\n')).toString(), '\r\n\r\n');
    const clean = Buffer.from('a\r\nb\r\n');
    assert.equal(toCrlf(clean), clean);
    // 8-bit bytes pass through untouched.
    assert.deepEqual([...toCrlf(Buffer.from([0xff, 0x0a, 0xe9]))], [0xff, 0x0d, 0x0a, 0xe9]);
  });

  it('splits header fields (folded ones kept whole) from the body bytes', () => {
    const parsed = parseMessage(Buffer.from('From: a@x.example\r\nSubject: one\r\n two\r\nTo: b@y.example,\r\n\tc@y.example\r\n\r\nbody\r\n\r\n'));
    assert.deepEqual(
      parsed.fields.map((f) => f.key),
      ['from', 'subject', 'to'],
    );
    assert.deepEqual(headerValues(parsed, 'SUBJECT'), ['one two']);
    assert.deepEqual(addressesOf(headerValues(parsed, 'to')), ['b@y.example', 'c@y.example']);
    assert.equal(parsed.body.toString(), 'body\r\n\r\n');
    assert.equal(parsed.hasBody, true);
    const headersOnly = parseMessage(Buffer.from('From: a@x.example\r\n'));
    assert.deepEqual([headersOnly.fields.length, headersOnly.hasBody, headersOnly.body.length], [1, false, 0]);
  });

  it('reads addresses with display names, groups and comments', () => {
    assert.equal(firstAddress('"Doe, Jane" <jane@example.com>'), 'jane@example.com');
    assert.equal(firstAddress('undisclosed-recipients:;'), null);
    assert.deepEqual(addressesOf(['Team: a@x.example, b@x.example;', 'c@x.example (Carol)']), ['a@x.example', 'b@x.example', 'c@x.example']);
  });

  it('rewrites as SES does: ARN headers and Bcc removed, Date and Message-ID replaced, the rest byte for byte', () => {
    const input = Buffer.concat([
      Buffer.from('X-SES-FROM-ARN: arn\r\nFrom: a@x.example\r\nBCC: hidden@x.example\r\nDate: old\r\nX-Custom:  kept   as is \r\nMessage-ID: <old@x>\r\n\r\n'),
      Buffer.from([0xe9, 0x0d, 0x0a]),
    ]);
    const out = rewriteHeaders(parseMessage(input), { date: rfc5322Date(Date.UTC(2026, 10, 27, 12)), messageIdHeader: '<new@ses>' });
    assert.equal(
      out.subarray(0, -3).toString('latin1'),
      'From: a@x.example\r\nX-Custom:  kept   as is \r\nDate: Fri, 27 Nov 2026 12:00:00 +0000\r\nMessage-ID: <new@ses>\r\n\r\n',
    );
    assert.deepEqual([...out.subarray(-3)], [0xe9, 0x0d, 0x0a]);
  });
});
