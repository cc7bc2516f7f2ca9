import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HOUR, MINUTE } from '../../test/support/clock.ts';
import { createTestApp, TEST_SCOPE, verifiedDomain, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { getIdentityMailFromDomainAttributes } from './get-identity-mail-from-domain-attributes.ts';
import { checkMailFromNow, runDueMailFromChecks } from './run-mail-from-check.ts';
import { checkDomainNow, mailFromDetectionDeps, runDueDetectionChecks } from './run-detection-check.ts';
import { sendEmail, sendRawEmail, type SendEmailInput } from './send-email.ts';
import { setIdentityMailFromDomain } from './set-identity-mail-from-domain.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

const DOMAIN = 'example.com';
const MAIL_FROM = 'bounce.example.com';
const FEEDBACK = 'feedback-smtp.us-east-1.amazonses.com';

const failsWith = (code: string, message?: string) => (err: unknown) =>
  isDomainError(err) && err.code === code && (message === undefined || err.message === message);

function mail(source = 'sender@example.com'): SendEmailInput {
  return {
    source,
    to: ['to@dest.example'],
    cc: [],
    bcc: [],
    replyTo: [],
    returnPath: undefined,
    subject: { data: 'Hello', charset: undefined },
    text: { data: 'Body', charset: undefined },
    html: null,
    tags: [],
  };
}

describe('custom MAIL FROM domains (SetIdentityMailFromDomain, detection, sending)', () => {
  let app: TestApp;
  const attributes = async (identity = DOMAIN) => (await getIdentityMailFromDomainAttributes(app.ctx, TEST_SCOPE, [identity])).get(identity);
  /** Runs whatever detection is due (DKIM re-checks of the verified domain included). */
  const tick = () => runDueDetectionChecks(app.detection, 10);
  /** Runs the due MAIL FROM checks only; returns how many. */
  const mailFromTick = () => runDueMailFromChecks(mailFromDetectionDeps(app.detection)!, 10);
  const publish = () => app.dns.mx(MAIL_FROM, 10, FEEDBACK).txt(MAIL_FROM, 'v=spf1 include:amazonses.com ~all');

  beforeEach(async () => {
    app = await createTestApp({ send: { maxSendRate: 100 } });
    await verifiedDomain(app, DOMAIN);
  });
  afterEach(() => app.close());

  it('reports only UseDefaultValue until a domain is set, then the domain Pending and the behaviour', async () => {
    assert.deepEqual(await attributes(), { behaviorOnMxFailure: 'UseDefaultValue', mailFromDomain: null, mailFromDomainStatus: null });
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: 'Bounce.Example.COM.', behaviorOnMxFailure: 'RejectMessage' });
    assert.deepEqual(await attributes(), { behaviorOnMxFailure: 'RejectMessage', mailFromDomain: MAIL_FROM, mailFromDomainStatus: 'Pending' });
    // Switched off (no domain): only the behaviour is left, as SES reports an identity without one.
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: undefined, behaviorOnMxFailure: undefined });
    assert.deepEqual(await attributes(), { behaviorOnMxFailure: 'UseDefaultValue', mailFromDomain: null, mailFromDomainStatus: null });
  });

  it("refuses an unknown identity and a domain outside the identity's, with SES's texts", async () => {
    await assert.rejects(
      setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: 'nobody.example', mailFromDomain: 'mail.nobody.example', behaviorOnMxFailure: undefined }),
      failsWith('identity_not_found', 'Identity <nobody.example> does not exist.'),
    );
    for (const domain of [DOMAIN, 'mail.example.org', 'notexample.com']) {
      await assert.rejects(
        setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: domain, behaviorOnMxFailure: undefined }),
        failsWith('invalid_parameter', `Provided MAIL-FROM domain <${domain}> is not subdomain of the domain of the identity <${DOMAIN}>.`),
      );
    }
    await assert.rejects(
      setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: 'bad domain.example.com', behaviorOnMxFailure: undefined }),
      failsWith('invalid_domain'),
    );
    // An address's MAIL FROM domain is a subdomain of the address's domain.
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'user@example.com');
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: 'user@example.com', mailFromDomain: MAIL_FROM, behaviorOnMxFailure: undefined });
    assert.equal((await attributes('user@example.com'))?.mailFromDomain, MAIL_FROM);
    assert.deepEqual(
      await attributes(),
      { behaviorOnMxFailure: 'UseDefaultValue', mailFromDomain: null, mailFromDomainStatus: null },
      'the domain has none of its own',
    );
  });

  it('finds the MX through the detection worker: Pending without it, Success with it, records kept', async () => {
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: undefined });
    assert.equal(await mailFromTick(), 1, 'a new MAIL FROM domain is due at once');
    assert.equal((await attributes())?.mailFromDomainStatus, 'Pending');
    assert.deepEqual(await app.ctx.mailFrom.lastRecords(TEST_SCOPE, DOMAIN), {
      checkedAt: app.clock.now(),
      mx: { verdict: 'missing', observed: 'NXDOMAIN (ENOTFOUND)' },
      spf: { verdict: 'missing', observed: 'NXDOMAIN (ENOTFOUND)' },
    });
    assert.equal(await mailFromTick(), 0, 'not due again before its interval');
    publish();
    app.clock.advance(MINUTE);
    assert.equal(await mailFromTick(), 1);
    assert.equal((await attributes())?.mailFromDomainStatus, 'Success');
    assert.deepEqual((await app.ctx.mailFrom.lastRecords(TEST_SCOPE, DOMAIN))?.spf, { verdict: 'ok', observed: 'v=spf1 include:amazonses.com ~all' });
    // The same domain set again keeps its status; a new behaviour is taken.
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: 'RejectMessage' });
    assert.deepEqual(await attributes(), { behaviorOnMxFailure: 'RejectMessage', mailFromDomain: MAIL_FROM, mailFromDomainStatus: 'Success' });
  });

  it('an MX to another host stays Pending and fails past the 72 h window; setting it again starts over', async () => {
    app.dns.mx(MAIL_FROM, 10, 'mx.elsewhere.test');
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: undefined });
    await tick();
    assert.equal((await attributes())?.mailFromDomainStatus, 'Pending');
    assert.equal((await app.ctx.mailFrom.lastRecords(TEST_SCOPE, DOMAIN))?.mx.verdict, 'points_elsewhere');
    for (let t = 0; t < 72 * HOUR; t += 15 * MINUTE) {
      app.clock.advance(15 * MINUTE);
      await tick();
    }
    assert.equal((await attributes())?.mailFromDomainStatus, 'Failed');
    app.clock.advance(HOUR);
    assert.equal(await mailFromTick(), 0, 'Failed is the end of the schedule');
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: undefined });
    assert.equal((await attributes())?.mailFromDomainStatus, 'Pending', 'set again after Failed: detection starts over');
  });

  it("a domain checked now has its MAIL FROM domain checked too (the dev controls' check)", async () => {
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: undefined });
    publish();
    const result = await checkDomainNow(app.detection, TEST_SCOPE, DOMAIN);
    assert.equal(result.kind, 'checked');
    assert.equal((await attributes())?.mailFromDomainStatus, 'Success');
  });

  it('reports TemporaryFailure while the resolver gives no verdict', async () => {
    app.dns.fail(MAIL_FROM, 'ESERVFAIL');
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: undefined });
    const result = await checkMailFromNow(mailFromDetectionDeps(app.detection)!, TEST_SCOPE, DOMAIN);
    assert.equal(result.kind, 'checked');
    assert.equal((await attributes())?.mailFromDomainStatus, 'TemporaryFailure');
  });

  it('drops a check that finishes after the set-up changed under it', async () => {
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: undefined });
    const [target] = await app.ctx.mailFrom.claimDue(app.clock.now(), 10, 60_000);
    assert.ok(target);
    app.clock.advance(1);
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: 'other.example.com', behaviorOnMxFailure: undefined });
    await app.ctx.mailFrom.complete([
      {
        identityId: target.identityId,
        mailFromDomain: target.mailFromDomain,
        startedAt: target.state.startedAt,
        checkedAt: app.clock.now(),
        state: { ...target.state, status: 'Success', lastFoundAt: app.clock.now() },
        nextCheckAt: null,
        mx: { verdict: 'ok', observed: '' },
        spf: { verdict: 'ok', observed: '' },
      },
    ]);
    assert.deepEqual(await attributes(), { behaviorOnMxFailure: 'UseDefaultValue', mailFromDomain: 'other.example.com', mailFromDomainStatus: 'Pending' });
    assert.equal(await mailFromTick(), 1, 'the new domain is due, its claim released');
  });

  it('RejectMessage refuses sends while the domain is not verified; verified, the envelope sender is at the MAIL FROM domain', async () => {
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: 'RejectMessage' });
    await tick();
    const refused = failsWith('mail_from_domain_not_verified', 'DNS setup for MAIL FROM domain is invalid.');
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, mail()), refused);
    await assert.rejects(
      sendRawEmail(app.ctx, TEST_SCOPE, {
        source: undefined,
        destinations: undefined,
        raw: Buffer.from('From: sender@example.com\nTo: to@dest.example\n\nx\n'),
        tags: [],
      }),
      refused,
    );
    assert.equal((await app.outbox.list({})).filter((m) => m.kind !== 'verification').length, 0, 'nothing was kept');

    publish();
    app.clock.advance(MINUTE);
    await tick();
    const id = await sendEmail(app.ctx, TEST_SCOPE, mail());
    assert.equal((await app.outbox.get(id))?.envelopeFrom, `${id}@${MAIL_FROM}`);
    const rawId = await sendRawEmail(app.ctx, TEST_SCOPE, {
      source: undefined,
      destinations: undefined,
      raw: Buffer.from('From: sender@example.com\nTo: to@dest.example\n\nx\n'),
      tags: [],
    });
    assert.equal((await app.outbox.get(rawId))?.envelopeFrom, `${rawId}@${MAIL_FROM}`);
  });

  it('UseDefaultValue sends with the default envelope sender until the domain is verified', async () => {
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: 'UseDefaultValue' });
    await tick();
    const id = await sendEmail(app.ctx, TEST_SCOPE, { ...mail(), returnPath: 'bounces@example.com' });
    assert.equal((await app.outbox.get(id))?.envelopeFrom, 'bounces@example.com');
  });

  it("an address's own MAIL FROM set-up wins over its domain's", async () => {
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: 'RejectMessage' });
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'own@example.com');
    app.dns.mx('own.example.com', 10, FEEDBACK);
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, {
      identity: 'own@example.com',
      mailFromDomain: 'own.example.com',
      behaviorOnMxFailure: 'RejectMessage',
    });
    await tick();
    assert.equal((await attributes('own@example.com'))?.mailFromDomainStatus, 'Success');
    const id = await sendEmail(app.ctx, TEST_SCOPE, mail('own@example.com'));
    assert.equal((await app.outbox.get(id))?.envelopeFrom, `${id}@own.example.com`);
    await assert.rejects(sendEmail(app.ctx, TEST_SCOPE, mail('other@example.com')), failsWith('mail_from_domain_not_verified'));
  });

  it('goes with its identity', async () => {
    await setIdentityMailFromDomain(app.ctx, TEST_SCOPE, { identity: DOMAIN, mailFromDomain: MAIL_FROM, behaviorOnMxFailure: 'RejectMessage' });
    await app.store.deleteIdentity(TEST_SCOPE, DOMAIN);
    assert.equal(await attributes(), undefined);
    assert.equal((await app.ctx.mailFrom.get(TEST_SCOPE, [DOMAIN])).size, 0);
    assert.equal(await mailFromTick(), 0);
  });
});
