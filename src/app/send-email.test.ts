import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { createTestApp, mailauthResolver, TEST_SCOPE, verifiedDomain, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { sendEmail, sendRawEmail, type SendEmailInput } from './send-email.ts';
import { setIdentityDkimEnabled } from './set-identity-dkim-enabled.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';

function simple(overrides: Partial<SendEmailInput> = {}): SendEmailInput {
  return {
    source: 'Sender <sender@example.com>',
    to: ['to@dest.example'],
    cc: [],
    bcc: [],
    replyTo: [],
    returnPath: undefined,
    subject: { data: 'Hello', charset: undefined },
    text: { data: 'Body text', charset: undefined },
    html: null,
    tags: [],
    ...overrides,
  };
}

const RAW = Buffer.from(
  'From: sender@example.com\nTo: a@dest.example, b@dest.example\nBcc: hidden@dest.example\nX-SES-SOURCE-ARN: arn:aws:ses:us-east-1:000000000000:identity/example.com\nX-SES-CONFIGURATION-SET: kept\nSubject: Raw one\nMessage-ID: <caller@example.com>\n\nraw body\n',
);

const rejectedWith = (code: string, pattern?: RegExp) => (err: unknown) =>
  isDomainError(err) && err.code === code && (pattern === undefined || pattern.test(err.message));

describe('SendEmail and SendRawEmail', () => {
  let app: TestApp;
  let tokens: string[];
  beforeEach(async () => {
    app = await createTestApp({ send: { max24HourSend: 5, maxSendRate: 1 } });
    tokens = await verifiedDomain(app, 'example.com');
  });
  afterEach(() => app.close());

  it("SendEmail keeps the message signed with the From domain's own key, and the signature verifies", async () => {
    const id = await sendEmail(app.ctx, TEST_SCOPE, simple());
    assert.match(id, /^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
    assert.equal(id.slice(4, 16), app.clock.now().toString(16).padStart(12, '0'), 'the id carries the send time');
    const kept = await app.outbox.get(id);
    assert.ok(kept);
    assert.deepEqual(kept.signature, { domain: 'example.com', selector: tokens[0] });
    assert.equal(kept.unsignedReason, null);
    assert.deepEqual(kept.recipients, ['to@dest.example']);
    assert.equal(kept.envelopeFrom, 'sender@example.com');
    assert.equal(kept.delivery.status, 'none');
    const raw = kept.raw.toString('latin1');
    assert.match(raw, new RegExp(`^DKIM-Signature: [^]*\\ts=${tokens[0]}; d=example\\.com;`));
    assert.match(raw, new RegExp(`Message-ID:\\s+<${id}@mail\\.signet\\.test>`));
    assert.match(raw, /Date: Thu, 01 Jan 2026 00:00:00 \+0000/);
    const result = await dkimVerify(kept.raw, { resolver: mailauthResolver(app.dns), curTime: new Date(app.clock.now()) });
    assert.equal(result.results[0]?.status.result, 'pass', JSON.stringify(result.results[0]?.status));
  });

  it('SendRawEmail removes Bcc and X-SES-* headers, sets Message-ID and Date, takes recipients from the headers', async () => {
    const id = await sendRawEmail(app.ctx, TEST_SCOPE, { source: undefined, destinations: undefined, raw: RAW, tags: [] });
    const kept = (await app.outbox.get(id))!;
    const text = kept.raw.toString('latin1');
    assert.doesNotMatch(text, /^Bcc:/im);
    assert.doesNotMatch(text, /^X-SES-SOURCE-ARN/im);
    // SES reads X-SES-CONFIGURATION-SET and X-SES-MESSAGE-TAGS and removes them (the SMTP interface's way to give them).
    assert.doesNotMatch(text, /^X-SES-CONFIGURATION-SET/im);
    assert.doesNotMatch(text, /caller@example\.com/);
    assert.match(text, new RegExp(`Message-ID: <${id}@mail\\.signet\\.test>`));
    assert.deepEqual(kept.recipients, ['a@dest.example', 'b@dest.example', 'hidden@dest.example']);
    assert.equal(kept.subject, 'Raw one');
    assert.ok(text.includes('\r\n\r\nraw body\r\n'), 'bare LF became CRLF');
    const result = await dkimVerify(kept.raw, { resolver: mailauthResolver(app.dns), curTime: new Date(app.clock.now()) });
    assert.equal(result.results[0]?.status.result, 'pass');
  });

  it("refuses an unverified sender with SES's message, naming the address and region", async () => {
    await assert.rejects(
      sendEmail(app.ctx, TEST_SCOPE, simple({ source: 'someone@unverified.example' })),
      rejectedWith('message_rejected', /not verified.*US-EAST-1: someone@unverified\.example/),
    );
    // A domain only Pending is not verified either.
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'pending.example');
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, simple({ source: 'a@pending.example' })), rejectedWith('message_rejected'));
    // SendRawEmail checks the From header too, not only the Source.
    const raw = Buffer.from('From: x@unverified.example\r\nTo: a@dest.example\r\n\r\nb\r\n');
    await assert.rejects(
      sendRawEmail(app.ctx, TEST_SCOPE, { source: 'sender@example.com', destinations: undefined, raw, tags: [] }),
      rejectedWith('message_rejected', /x@unverified\.example/),
    );
    assert.equal((await app.outbox.list({})).length, 0);
  });

  it('a verified domain in another account does not let this one send', async () => {
    await assert.rejects(sendEmail(app.ctx, { accountId: '444444444444', region: 'us-east-1' }, simple()), rejectedWith('message_rejected'));
  });

  it('counts every recipient against Max24HourSend, and the window slides with the clock', async () => {
    await sendEmail(app.ctx, TEST_SCOPE, simple({ to: ['a@d.example', 'b@d.example'], cc: ['c@d.example'] }));
    app.clock.advance(1000);
    await sendEmail(app.ctx, TEST_SCOPE, simple({ to: ['d@d.example'] }));
    app.clock.advance(1000);
    // 4 sent; 2 more would make 6 > 5.
    await assert.rejects(
      sendEmail(app.ctx, TEST_SCOPE, simple({ to: ['e@d.example', 'f@d.example'] })),
      rejectedWith('daily_quota_exceeded', /^Daily message quota exceeded\.$/),
    );
    await sendEmail(app.ctx, TEST_SCOPE, simple({ to: ['e@d.example'] }));
    app.clock.advance(1000);
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, simple({ to: ['g@d.example'] })), rejectedWith('daily_quota_exceeded', /quota/));
    // A day after the first message, its three recipients no longer count.
    app.clock.advance(86_400_000 - 3000 + 1);
    await sendEmail(app.ctx, TEST_SCOPE, simple({ to: ['g@d.example', 'h@d.example'] }));
  });

  it('MaxSendRate: a second message in the same second is Throttling, one second later it goes', async () => {
    await sendEmail(app.ctx, TEST_SCOPE, simple());
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, simple()), rejectedWith('sending_rate_exceeded', /^Maximum sending rate exceeded\.$/));
    app.clock.advance(999);
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, simple()), rejectedWith('sending_rate_exceeded'));
    app.clock.advance(1);
    await sendEmail(app.ctx, TEST_SCOPE, simple());
    // The rate is per account and region.
    await verifiedDomain(app, 'example.com', { ...TEST_SCOPE, region: 'eu-west-1' });
    await sendEmail(app.ctx, { ...TEST_SCOPE, region: 'eu-west-1' }, simple());
  });

  it('sends unsigned, and says why, when the owner switched DKIM off', async () => {
    await setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'example.com', false);
    const id = await sendEmail(app.ctx, TEST_SCOPE, simple());
    const kept = (await app.outbox.get(id))!;
    assert.equal(kept.signature, null);
    assert.doesNotMatch(kept.raw.toString('latin1'), /DKIM-Signature/);
    assert.deepEqual(
      app.unsigned.map((e) => [e.messageId, e.kind]),
      [[id, 'disabled']],
    );
  });

  it('refuses recipients beyond 50, none at all, and malformed addresses', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@d.example`);
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, simple({ to: many })), rejectedWith('message_rejected', /Recipient count exceeds 50/));
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, simple({ to: [] })), rejectedWith('message_rejected', /Missing required header 'To'/));
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, simple({ to: ['not-an-address'] })), rejectedWith('invalid_parameter'));
    await assert.rejects(
      sendEmail(app.ctx, TEST_SCOPE, simple({ tags: [{ name: 'bad tag', value: 'v' }] })),
      rejectedWith('invalid_parameter', /Invalid tag name/),
    );
  });

  it('with a relay, the message is queued (pending) and the relay worker is woken', async () => {
    await app.close();
    app = await createTestApp({ send: { relay: true } });
    await verifiedDomain(app, 'example.com');
    const id = await sendEmail(app.ctx, TEST_SCOPE, simple());
    assert.equal((await app.outbox.get(id))!.delivery.status, 'pending');
    assert.equal(app.queued(), 1);
  });
});
