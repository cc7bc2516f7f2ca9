/**
 * Issue 14, finding 6: only the first From mailbox was checked, so a second From header, a From
 * list or group syntax let one account send signed mail carrying another account's verified
 * address. Now a message has exactly one From (RFC 5322 §3.6), and every From mailbox, the Sender
 * and the Return-Path must be verified identities of the sending account, as SES requires.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { confirmEmailVerification, sendVerificationEmail } from '../src/app/send-verification-email.ts';
import { verifyEmailIdentity } from '../src/app/verify-email-identity.ts';
import type { Scope } from '../src/core/index.ts';
import { LOCAL_ACCOUNT_ID } from '../src/core/account.ts';
import { openTestApp, type TestApp } from './helpers/embedded-app.ts';

/** The account whose verified address the other one tries to use. */
const VICTIM: Scope = { accountId: '111111111111', region: 'us-east-1' };
const THEIRS = 'ceo@victim.example';
/** The sending account: the in-process handler's local account. */
const OURS: Scope = { accountId: LOCAL_ACCOUNT_ID, region: 'us-east-1' };
const MINE = 'me@sender.example';
const b64 = (s: string) => encodeURIComponent(Buffer.from(s).toString('base64'));

describe('every From mailbox, the Sender and the Return-Path must be verified for the sending account', () => {
  let app: TestApp;

  async function verify(scope: Scope, address: string): Promise<void> {
    const ctx = app.embedded.ctx;
    await verifyEmailIdentity(ctx, scope, address);
    const messageId = await sendVerificationEmail(ctx, scope, address);
    const mail = await app.embedded.storage.outbox.get(messageId!);
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail!.simple?.text ?? '')![1]!;
    assert.deepEqual(await confirmEmailVerification(ctx, token), { address, status: 'Success' });
  }

  before(async () => {
    app = await openTestApp();
    await verify(VICTIM, THEIRS);
    await verify(OURS, MINE);
  });
  after(async () => app?.close());

  const sendRaw = (raw: string) => app.call(`Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${b64(raw)}`);
  const notVerified = (...addresses: string[]) =>
    `<Message>Email address is not verified. The following identities failed the check in region US-EAST-1: ${addresses.join(', ')}</Message>`;

  it('refuses a second From header', async () => {
    const r = await sendRaw(`From: ${MINE}\r\nFrom: ${THEIRS}\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidParameterValue');
    assert.ok(r.body.includes(`<Message>Duplicate header 'From'.</Message>`), r.body);
  });

  it('checks every mailbox of a From list and of group syntax', async () => {
    for (const from of [`${MINE}, ${THEIRS}`, `"Me" <${MINE}>, "Boss" <${THEIRS}>`, `team: ${MINE}, ${THEIRS};`, `team: ${THEIRS};, ${MINE}`]) {
      const r = await sendRaw(`From: ${from}\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n`);
      assert.equal(r.code, 'MessageRejected', `From: ${from}\n${r.body}`);
      assert.ok(r.body.includes(notVerified(THEIRS)), r.body);
    }
  });

  it('checks the Sender and the Return-Path, and names every address that failed', async () => {
    const sender = await sendRaw(`From: ${MINE}\r\nSender: ${THEIRS}\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(sender.code, 'MessageRejected');
    assert.ok(sender.body.includes(notVerified(THEIRS)), sender.body);
    const twice = await sendRaw(`From: ${MINE}\r\nSender: ${MINE}\r\nSender: ${THEIRS}\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.ok(twice.body.includes(`Duplicate header 'Sender'.`), twice.body);
    const returnPath = await sendRaw(`Return-Path: <${THEIRS}>\r\nFrom: ${MINE}\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(returnPath.code, 'MessageRejected');
    assert.ok(returnPath.body.includes(notVerified(THEIRS)), returnPath.body);
    const both = await sendRaw(`From: ${MINE}, other@elsewhere.example\r\nSender: ${THEIRS}\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.ok(both.body.includes(notVerified('other@elsewhere.example', THEIRS)), both.body);
  });

  it("checks every mailbox of SendEmail's Source and its ReturnPath", async () => {
    const send = (extra: string) =>
      app.call(`Action=SendEmail&Version=2010-12-01${extra}&Destination.ToAddresses.member.1=x%40example.net&Message.Subject.Data=s&Message.Body.Text.Data=t`);
    const list = await send(`&Source=${encodeURIComponent(`${MINE}, ${THEIRS}`)}`);
    assert.equal(list.code, 'MessageRejected');
    assert.ok(list.body.includes(notVerified(THEIRS)), list.body);
    const returnPath = await send(`&Source=${encodeURIComponent(MINE)}&ReturnPath=${encodeURIComponent(THEIRS)}`);
    assert.equal(returnPath.code, 'MessageRejected');
    assert.ok(returnPath.body.includes(notVerified(THEIRS)), returnPath.body);
  });

  it("sends a message whose From, Sender and Return-Path are all the account's own", async () => {
    const r = await sendRaw(`Return-Path: <${MINE}>\r\nFrom: "Me" <${MINE}>\r\nSender: ${MINE}\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(r.status, 200, r.body);
  });
});
