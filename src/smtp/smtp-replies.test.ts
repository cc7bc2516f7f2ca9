import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../core/index.ts';
import { replyForError, sesWording } from './smtp-replies.ts';

describe('SMTP replies in SES words', () => {
  it('translates the sending domain errors to SES SMTP codes', () => {
    const cases: [DomainError, string][] = [
      [
        new DomainError('message_rejected', 'Email address is not verified. The following identities failed the check in region US-EAST-1: a@b.c'),
        '554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: a@b.c',
      ],
      [new DomainError('sending_rate_exceeded', 'Maximum sending rate exceeded.'), '454 Throttling failure: Maximum sending rate exceeded'],
      [new DomainError('daily_quota_exceeded', 'Daily message quota exceeded.'), '454 Throttling failure: Daily message quota exceeded'],
      [new DomainError('message_too_long', "Message length is more than 41943040 bytes long: '1'."), '552 Message is too long.'],
      [new DomainError('invalid_parameter', "Missing required header 'From'."), "554 Transaction failed: Missing required header 'From'."],
      [new DomainError('key_pool_unavailable', 'no keys'), '451 Temporary service failure'],
      // As SES answered a custom MAIL FROM domain not verified under RejectMessage (a session transcript).
      [
        new DomainError('mail_from_domain_not_verified', 'DNS setup for MAIL FROM domain is invalid.'),
        '554 MAIL FROM domain not verified: DNS setup for MAIL FROM domain is invalid.',
      ],
    ];
    for (const [err, wire] of cases) {
      const reply = replyForError(err)!;
      assert.equal(`${reply.code} ${reply.text}`, wire);
    }
    assert.equal(replyForError(new Error('disk on fire')), null, "anything else is the caller's 451, logged");
    assert.equal(replyForError(new DomainError('invalid_parameter', 'two\r\nlines'))!.text, 'Transaction failed: two lines');
  });

  it('rewrites the library replies SES words differently, and only those', () => {
    assert.deepEqual(sesWording(538, 'Error: Must issue a STARTTLS command first'), {
      reply: { code: 530, text: 'Must issue a STARTTLS command first' },
      close: false,
    });
    assert.deepEqual(sesWording(421, 'Timeout - closing connection'), {
      reply: { code: 451, text: '4.4.2 Timeout waiting for data from client.' },
      close: true,
    });
    assert.deepEqual(sesWording(250, 'Accepted'), { reply: { code: 250, text: 'Ok' }, close: false });
    assert.equal(sesWording(250, 'Ok 0100-id'), null);
    assert.equal(sesWording(221, 'Bye'), null);
    assert.equal(sesWording(421, 'Server shutting down'), null);
  });
});
