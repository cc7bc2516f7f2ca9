import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { confirmEmailVerification } from '../src/app/send-verification-email.ts';
import { openTestApp, type TestApp } from './helpers/embedded-app.ts';

const SENDER = 'sender@rules.example';
const b64 = (s: string | Buffer) => encodeURIComponent(Buffer.from(s).toString('base64'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SES's sending rules through the in-process handler (SES's sandbox quotas: 200 a day, 1 a second). */
describe('SendEmail and SendRawEmail rules', () => {
  let app: TestApp;

  before(async () => {
    app = await openTestApp();
    assert.equal((await app.call(`Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=${encodeURIComponent(SENDER)}`)).status, 200);
    const [mail] = await app.embedded.storage.outbox.list({});
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail!.simple?.text ?? '')?.[1];
    assert.ok(token, 'the verification mail carries the link');
    assert.deepEqual(await confirmEmailVerification(app.embedded.ctx, token), { address: SENDER, status: 'Success' });
  });

  after(async () => app?.close());

  const sendRaw = (raw: string, extra = '') => app.call(`Action=SendRawEmail&Version=2010-12-01${extra}&RawMessage.Data=${b64(raw)}`);

  it('removes X-SES-*-ARN and Bcc headers and sets Message-ID and Date', async () => {
    await sleep(1100);
    const r = await sendRaw(
      `From: ${SENDER}\r\nTo: a@example.net\r\nBcc: hidden@example.net\r\nX-SES-SOURCE-ARN: arn:aws:ses:us-east-1:1:identity/x\r\nX-SES-FROM-ARN: arn:x\r\nX-SES-RETURN-PATH-ARN: arn:y\r\nMessage-ID: <mine@example>\r\nDate: Mon, 1 Jan 2001 00:00:00 +0000\r\nSubject: s\r\n\r\nbody\r\n`,
    );
    assert.equal(r.status, 200, r.body);
    const id = /<MessageId>([^<]+)</.exec(r.body)![1]!;
    assert.match(id, /^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
    const kept = (await app.embedded.storage.outbox.get(id))!;
    const text = kept.raw.toString('latin1');
    // The Date header sent (2001) is replaced; not any '2001', which the Message-ID's random hex holds one run in a few thousand.
    assert.doesNotMatch(text, /X-SES-|^Bcc:|mine@example|^Date:.*2001/im);
    assert.match(text, new RegExp(`\r\nMessage-ID: <${id}@`));
    assert.deepEqual(kept.recipients, ['a@example.net', 'hidden@example.net']);
    assert.equal(kept.signature, null, 'no DKIM for rules.example: unsigned');
  });

  it('enforces MaxSendRate with Throttling and counts SentLast24Hours', async () => {
    await sleep(1100);
    const first = await sendRaw(`From: ${SENDER}\r\nTo: a@example.net, b@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(first.status, 200, first.body);
    const second = await sendRaw(`From: ${SENDER}\r\nTo: a@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(second.code, 'Throttling');
    assert.match(second.body, /Maximum sending rate exceeded\./);
    const quota = await app.call('Action=GetSendQuota&Version=2010-12-01');
    // 2 + 2 recipients, and the verification mail's one (it counts against the quota: issue 14).
    assert.match(quota.body, /<SentLast24Hours>5\.0<\/SentLast24Hours>/, quota.body);
  });

  it('refuses more than 50 recipients, malformed recipients, oversized messages, a missing From', async () => {
    // A fresh second of MaxSendRate: an account over its rate is refused before a large body is read.
    await sleep(1100);
    const many = Array.from({ length: 51 }, (_, i) => `&Destination.ToAddresses.member.${i + 1}=r${i}%40example.net`).join('');
    const tooMany = await app.call(
      `Action=SendEmail&Version=2010-12-01&Source=${encodeURIComponent(SENDER)}${many}&Message.Subject.Data=s&Message.Body.Text.Data=t`,
    );
    assert.equal(tooMany.code, 'MessageRejected');
    const bad = await app.call(
      `Action=SendEmail&Version=2010-12-01&Source=${encodeURIComponent(SENDER)}&Destination.ToAddresses.member.1=ok%40example.net&Destination.ToAddresses.member.2=not-an-address&Message.Subject.Data=s&Message.Body.Text.Data=t`,
    );
    assert.equal(bad.code, 'InvalidParameterValue');
    const big = await sendRaw(`From: ${SENDER}\r\nTo: a@example.net\r\nSubject: s\r\n\r\n${'x'.repeat(10 * 1024 * 1024)}`);
    assert.equal(big.code, 'MessageRejected');
    assert.match(big.body, /Message length is more than 10485760 bytes long/);
    const noFrom = await sendRaw('To: a@example.net\r\nSubject: s\r\n\r\nb\r\n');
    assert.equal(noFrom.code, 'InvalidParameterValue');
  });
});
