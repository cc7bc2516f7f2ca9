import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { smtpPasswordV4 } from '../src/smtp/smtp-password.ts';
import { callSigned, otherLastCharacter } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { authPlain, loggedIn, sendMessage, SmtpSession } from './helpers/smtp-session.ts';
import { verificationLinkFromStore } from './helpers/outbox-store.ts';
import { tempDir } from './helpers/temp-dir.ts';

const SENDER = 'sender@rules.example';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MESSAGE_ID = /^250 Ok (0100[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000)$/;

/**
 * SES's SMTP refusals, each with SES's code and words, against `signet serve` with real access keys
 * (not --dev): TLS before AUTH, AUTH before MAIL, the v4 password and its region, the identity
 * check, 50 recipients, 40 MB (the server stops reading), MaxSendRate, the idle timeout, the caps.
 */
describe('SMTP interface: refusals', () => {
  const data = tempDir('smtp-refusals');
  let server: RunningSignet;
  let user: string;
  let password: string;
  let port: number;

  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--no-throttle',
      '--outbox-api',
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--log-level',
      'warn',
      '--max-send-rate',
      '1',
      '--max-24-hour-send=-1',
      '--smtp-idle-timeout',
      '2s',
      '--smtp-max-connections-per-address',
      '6',
    ]);
    const key = server.credentials!;
    user = key.accessKeyId;
    password = smtpPasswordV4(key.secretAccessKey, 'us-east-1');
    port = server.smtp.starttlsPort!;
    // The first-start output gives the SMTP credentials of the bootstrap key.
    assert.match(server.output(), new RegExp(`SMTP user name: ${user}  SMTP password \\(us-east-1\\): ${password.replace(/[+/]/g, '\\$&')}`));
    // A verified address (its link followed), so that the rules after the identity check are reached.
    assert.equal((await callSigned(server.url, `Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=${encodeURIComponent(SENDER)}`, key)).status, 200);
    // The link, from the store (the outbox API never shows verification mail outside dev mode).
    const link = verificationLinkFromStore(data.path, SENDER);
    assert.ok(link, 'verification link');
    assert.equal((await fetch(link)).status, 200);
  });

  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('signet admin smtp-credentials prints the user name and the password for a region', () => {
    const admin = (region: string) =>
      spawnSync(process.execPath, [SIGNET_BIN, 'admin', 'smtp-credentials', '--data-dir', data.path, '--access-key-id', user, '--region', region], {
        encoding: 'utf8',
      });
    const r = admin('us-east-1');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { SmtpUserName: user, SmtpPassword: password, Region: 'us-east-1' });
    const eu = admin('eu-central-1');
    assert.equal(JSON.parse(eu.stdout).SmtpPassword, smtpPasswordV4(server.credentials!.secretAccessKey, 'eu-central-1'));
    const none = admin('me-south-1');
    assert.equal(none.status, 254);
    assert.match(none.stderr, /Region me-south-1 has no SMTP endpoint/);
    assert.doesNotMatch(none.stderr + none.stdout, new RegExp(server.credentials!.secretAccessKey.replace(/[+/]/g, '\\$&')), 'the secret is never printed');
  });

  it('advertises what SES advertises; AUTH before STARTTLS is 530, MAIL before AUTH is 530', async () => {
    const { session, greeting } = await SmtpSession.open(port);
    assert.match(greeting!, /^220 \S+ ESMTP /);
    const ehlo = (await session.command('EHLO client.test'))!;
    assert.deepEqual(ehlo.split('\n').slice(1), ['250-8BITMIME', '250-AUTH PLAIN LOGIN', '250-STARTTLS', '250 Ok']);
    assert.equal(await session.command(authPlain(user, password)), '530 Must issue a STARTTLS command first');
    assert.equal(await session.command('MAIL FROM:<a@b.example>'), '530 Authentication required');
    assert.equal(await session.startTls(), '220 Ready to start TLS');
    const again = (await session.command('EHLO client.test'))!;
    assert.deepEqual(again.split('\n').slice(1), ['250-8BITMIME', '250-AUTH PLAIN LOGIN', '250 Ok'], 'no STARTTLS once under TLS');
    assert.equal(await session.command(`MAIL FROM:<${SENDER}>`), '530 Authentication required');
    assert.equal(await session.command('AUTH CRAM-MD5'), '504 Error: Unrecognized authentication type');
    assert.equal(await session.command(authPlain(user, password)), '235 Authentication successful.');
    assert.equal(await session.command('QUIT'), '221 Bye');
    session.close();
  });

  it('535 for a wrong password, a password of a region without SMTP, an unknown key, the raw secret', async () => {
    const secret = server.credentials!.secretAccessKey;
    const cases: [string, string, string][] = [
      ['wrong password', user, otherLastCharacter(password)],
      ['password for me-south-1 (no SMTP endpoint)', user, smtpPasswordV4(secret, 'me-south-1')],
      ['unknown key', 'AKIAAAAAAAAAAAAAAAAA', password],
      ['the secret itself', user, secret],
    ];
    for (const [label, u, p] of cases) {
      const { session, auth } = await loggedIn(port, u, p);
      assert.equal(auth, '535 Authentication Credentials Invalid', label);
      session.close();
    }
    // AUTH LOGIN as well: the same answer.
    const { session } = await SmtpSession.open(server.smtp.tlsPort!, true);
    await session.command('EHLO client.test');
    assert.equal(await session.command('AUTH LOGIN'), '334 VXNlcm5hbWU6');
    assert.equal(await session.command(Buffer.from(user).toString('base64')), '334 UGFzc3dvcmQ6');
    assert.equal(await session.command(Buffer.from('nope').toString('base64')), '535 Authentication Credentials Invalid');
    session.close();
  });

  it('a password derived for eu-west-1 sends in eu-west-1, where the identity is not verified', async () => {
    const { session, auth } = await loggedIn(port, user, smtpPasswordV4(server.credentials!.secretAccessKey, 'eu-west-1'));
    assert.equal(auth, '235 Authentication successful.');
    const reply = await sendMessage(session, SENDER, ['r@example.net'], `From: ${SENDER}\r\nTo: r@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(reply, `554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: ${SENDER}`);
    session.close();
  });

  it('554 with SES text for an unverified sender (envelope or From)', async () => {
    const { session } = await loggedIn(port, user, password);
    const other = 'someone@unverified.example';
    assert.equal(
      await sendMessage(session, other, ['r@example.net'], `From: ${other}\r\nTo: r@example.net\r\nSubject: s\r\n\r\nb\r\n`),
      `554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ${other}`,
    );
    // The session goes on after a rejected message, as on SES.
    assert.equal(
      await sendMessage(session, SENDER, ['r@example.net'], `From: ${other}\r\nTo: r@example.net\r\nSubject: s\r\n\r\nb\r\n`),
      `554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ${other}`,
    );
    session.close();
  });

  it('554 as SES words it while the custom MAIL FROM domain is not verified under RejectMessage', async () => {
    const key = server.credentials!;
    const setMailFrom = async (extra: string) =>
      assert.equal(
        (await callSigned(server.url, `Action=SetIdentityMailFromDomain&Version=2010-12-01&Identity=${encodeURIComponent(SENDER)}${extra}`, key)).status,
        200,
      );
    // No detection in this server: the MAIL FROM domain stays Pending.
    await setMailFrom('&MailFromDomain=bounce.rules.example&BehaviorOnMXFailure=RejectMessage');
    const { session } = await loggedIn(port, user, password);
    assert.equal(
      await sendMessage(session, SENDER, ['r@example.net'], `From: ${SENDER}\r\nTo: r@example.net\r\nSubject: s\r\n\r\nb\r\n`),
      '554 MAIL FROM domain not verified: DNS setup for MAIL FROM domain is invalid.',
    );
    session.close();
    await setMailFrom('');
  });

  it('554 for 51 recipients; 50 are fine', async () => {
    const { session } = await loggedIn(port, user, password);
    const rcpts = Array.from({ length: 51 }, (_, i) => `r${i}@example.net`);
    assert.equal(
      await sendMessage(session, SENDER, rcpts, `From: ${SENDER}\r\nTo: r0@example.net\r\nSubject: many\r\n\r\nb\r\n`),
      '554 Message rejected: Recipient count exceeds 50.',
    );
    await sleep(1100);
    const ok = await sendMessage(session, SENDER, rcpts.slice(0, 50), `From: ${SENDER}\r\nTo: r0@example.net\r\nSubject: fifty\r\n\r\nb\r\n`);
    assert.match(ok!, MESSAGE_ID);
    session.close();
  });

  it('250 Ok <MessageId> once stored, X-SES headers read and removed; then 454 over MaxSendRate', async () => {
    await sleep(1100);
    const { session } = await loggedIn(port, user, password);
    const message =
      `From: Sender <${SENDER}>\r\nTo: a@example.net\r\nX-SES-CONFIGURATION-SET: my-set\r\nX-SES-MESSAGE-TAGS: campaign=spring, team=growth\r\n` +
      `Subject: tagged\r\n\r\n.leading dot\r\nbody\r\n`;
    const first = await sendMessage(session, SENDER, ['a@example.net', 'hidden@example.net'], message);
    const id = MESSAGE_ID.exec(first ?? '')?.[1];
    assert.ok(id, `accepted: ${first}`);
    const second = await sendMessage(session, SENDER, ['a@example.net'], `From: ${SENDER}\r\nTo: a@example.net\r\nSubject: s\r\n\r\nb\r\n`);
    assert.equal(second, '454 Throttling failure: Maximum sending rate exceeded');
    session.close();
    const db = new BetterSqlite3(join(data.path, 'signet.db'), { readonly: true });
    const row = db.prepare('SELECT region, kind, recipients, tags, raw_base64, envelope_from FROM outbox_messages WHERE message_id = ?').get(id) as
      | { region: string; kind: string; recipients: string; tags: string; raw_base64: string; envelope_from: string }
      | undefined;
    db.close();
    assert.ok(row, 'the acknowledged message is in the outbox');
    assert.equal(row.region, 'us-east-1');
    assert.equal(row.envelope_from, SENDER);
    assert.deepEqual(JSON.parse(row.recipients), ['a@example.net', 'hidden@example.net']);
    assert.deepEqual(JSON.parse(row.tags), [
      { name: 'campaign', value: 'spring' },
      { name: 'team', value: 'growth' },
    ]);
    const raw = Buffer.from(row.raw_base64, 'base64').toString('latin1');
    assert.doesNotMatch(raw, /X-SES-/i);
    assert.match(raw, new RegExp(`\r\nMessage-ID: <${id}@`));
    assert.match(raw, /\r\n\r\n\.leading dot\r\nbody\r\n$/, 'dot-stuffing undone, body kept');
  });

  it('552 over 40 MB: the server answers and stops reading', async () => {
    const { session } = await loggedIn(port, user, password);
    assert.equal(await session.command(`MAIL FROM:<${SENDER}> SIZE=50000000`), '552 Message is too long.', 'a declared size over the limit');
    assert.equal(await session.command(`MAIL FROM:<${SENDER}>`), '250 Ok');
    assert.equal(await session.command('RCPT TO:<a@example.net>'), '250 Ok');
    assert.equal(await session.command('DATA'), '354 End data with <CR><LF>.<CR><LF>');
    session.write(`From: ${SENDER}\r\nTo: a@example.net\r\nSubject: big\r\n\r\n`);
    const line = `${'x'.repeat(998)}\r\n`;
    const chunk = line.repeat(1024); // 1 MB
    const offered = 120;
    let written = 0;
    const reply = session.reply(120000);
    while (written < offered && !session.closed) {
      session.write(chunk);
      written++;
      await session.drained();
    }
    assert.equal(await reply, '552 Message is too long.');
    await session.ended;
    process.stdout.write(`# the client wrote ${written} MB before the server closed\n`);
    assert.ok(written < offered, `the server stopped reading: the client could write only ${written} of ${offered} MB`);
  });

  it('451 4.4.2 after the idle timeout; 421 over the per-address cap', async () => {
    const { session } = await SmtpSession.open(port);
    await session.command('EHLO client.test');
    assert.equal(await session.reply(10000), '451 4.4.2 Timeout waiting for data from client.');
    await session.ended;

    const open = await Promise.all(Array.from({ length: 6 }, () => SmtpSession.open(port)));
    for (const o of open) assert.match(o.greeting!, /^220 /);
    const { session: refused, greeting } = await SmtpSession.open(server.smtp.tlsPort!, true);
    assert.equal(greeting, '421 Too many concurrent SMTP connections', 'the cap counts both listeners');
    await refused.ended;
    for (const o of open) o.session.close();
    await Promise.all(open.map((o) => o.session.ended));
    await sleep(100);
    const { session: later, greeting: welcome } = await SmtpSession.open(port);
    assert.match(welcome!, /^220 /, 'slots are given back when connections close');
    later.close();
  });
});
