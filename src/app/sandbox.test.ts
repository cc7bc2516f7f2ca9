import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, TEST_ZONE, verifiedDomain, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError, type Scope } from '../core/index.ts';
import { createAccount, prepareDevAccount, setProductionAccess } from './accounts.ts';
import { getAccount } from './get-account.ts';
import { checkDomainNow } from './run-detection-check.ts';
import { sendEmail, sendRawEmail, type SendEmailInput } from './send-email.ts';
import { sendVerificationEmail } from './send-verification-email.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyDomainIdentity } from './verify-domain-identity.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

function simple(to: readonly string[], overrides: Partial<SendEmailInput> = {}): SendEmailInput {
  return {
    source: 'sender@example.com',
    to,
    cc: [],
    bcc: [],
    replyTo: [],
    returnPath: undefined,
    subject: { data: 'Hello', charset: undefined },
    text: { data: 'Body', charset: undefined },
    html: null,
    tags: [],
    ...overrides,
  };
}

const rejected = (pattern: RegExp) => (err: unknown) => isDomainError(err) && err.code === 'message_rejected' && pattern.test(err.message);

describe("SES's sandbox", () => {
  let app: TestApp;
  let scope: Scope;
  beforeEach(async () => {
    app = await createTestApp({ send: { maxSendRate: 1000, relay: true } });
    scope = { accountId: await createAccount(app.accounts), region: 'us-east-1' };
    await verifiedDomain(app, 'example.com', scope);
  });
  afterEach(() => app.close());

  it("an account made by create-account starts in the sandbox: unverified recipients are refused with SES's message, all named", async () => {
    assert.equal((await getAccount(app.ctx, scope)).productionAccess, false);
    await assert.rejects(
      sendEmail(app.ctx, scope, simple(['a@dest.example'], { cc: ['b@other.example'] })),
      rejected(/^Email address is not verified\. The following identities failed the check in region US-EAST-1: a@dest\.example, b@other\.example$/),
    );
    // SendRawEmail (and so SMTP) the same, recipients from the headers; the sender is named first.
    const raw = Buffer.from('From: x@unverified.example\r\nTo: c@dest.example\r\n\r\nb\r\n');
    await assert.rejects(
      sendRawEmail(app.ctx, scope, { source: undefined, destinations: undefined, raw, tags: [] }),
      rejected(/region US-EAST-1: x@unverified\.example, c@dest\.example$/),
    );
    assert.equal((await app.outbox.list({})).length, 0);
  });

  it('lets a sandboxed account send to its own verified addresses and domains, in the same region only', async () => {
    await verifyEmailIdentity(app.ctx, scope, 'friend@dest.example');
    await assert.rejects(sendEmail(app.ctx, scope, simple(['friend@dest.example'])), rejected(/friend@dest\.example$/), 'Pending is not verified');
    await app.store.ensureVerifiedEmailIdentity(scope, 'friend@dest.example', app.clock.now());
    await sendEmail(app.ctx, scope, simple(['friend@dest.example']));
    // Any address at a verified domain (the sending domain here).
    await sendEmail(app.ctx, scope, simple(['anyone@example.com']));
    // The same address verified by another account does not count.
    await app.store.ensureVerifiedEmailIdentity(TEST_SCOPE, 'stranger@dest.example', app.clock.now());
    await assert.rejects(sendEmail(app.ctx, scope, simple(['stranger@dest.example'])), rejected(/stranger@dest\.example$/));
  });

  it('after grant-production-access it sends anywhere, and --revoke puts it back', async () => {
    await setProductionAccess(app.accounts, scope.accountId, true);
    assert.equal((await getAccount(app.ctx, scope)).productionAccess, true);
    await sendEmail(app.ctx, scope, simple(['a@dest.example']));
    await setProductionAccess(app.accounts, scope.accountId, false);
    await assert.rejects(sendEmail(app.ctx, scope, simple(['a@dest.example'])), rejected(/a@dest\.example$/));
    await assert.rejects(setProductionAccess(app.accounts, '999999999999', true), (err) => isDomainError(err) && /does not exist/.test(err.message));
  });

  it('the dev account: production access, unless --sandbox', async () => {
    await prepareDevAccount(app.accounts, true);
    assert.equal((await getAccount(app.ctx, TEST_SCOPE)).productionAccess, false);
    await prepareDevAccount(app.accounts, false);
    assert.equal((await getAccount(app.ctx, TEST_SCOPE)).productionAccess, true);
  });

  it('accepts the mailbox simulator in the sandbox, records each outcome, and relays only ordinary recipients', async () => {
    const id = await sendEmail(
      app.ctx,
      scope,
      simple([
        'success@simulator.amazonses.com',
        'bounce+label1@simulator.amazonses.com',
        'ooto@simulator.amazonses.com',
        'complaint@simulator.amazonses.com',
        'suppressionlist@simulator.amazonses.com',
      ]),
    );
    const kept = (await app.outbox.get(id))!;
    assert.deepEqual(
      kept.simulated.map((s) => [s.recipient, s.scenario, s.eventType, s.bounceSubType ?? null]),
      [
        ['success@simulator.amazonses.com', 'success', 'Delivery', null],
        ['bounce+label1@simulator.amazonses.com', 'bounce', 'Bounce', 'General'],
        ['ooto@simulator.amazonses.com', 'ooto', 'Delivery', null],
        ['complaint@simulator.amazonses.com', 'complaint', 'Complaint', null],
        ['suppressionlist@simulator.amazonses.com', 'suppressionlist', 'Bounce', 'Suppressed'],
      ],
    );
    assert.equal(kept.simulated[1]!.diagnosticCode, 'smtp; 550 5.1.1 user unknown');
    assert.equal(kept.simulated[2]!.autoResponse, true);
    assert.equal(kept.delivery.status, 'none', 'a message only to the simulator never goes to the relay');
    assert.equal(app.queued(), 0);
    // A simulator-looking address with another local part is an ordinary (unverified) recipient.
    await assert.rejects(sendEmail(app.ctx, scope, simple(['nobody@simulator.amazonses.com'])), rejected(/nobody@simulator\.amazonses\.com$/));
    // Mixed: queued for the ordinary recipient only (the relay worker leaves the simulator out of RCPT TO).
    await setProductionAccess(app.accounts, scope.accountId, true);
    const mixed = (await app.outbox.get(await sendEmail(app.ctx, scope, simple(['a@dest.example', 'success@simulator.amazonses.com']))))!;
    assert.equal(mixed.delivery.status, 'pending');
    assert.deepEqual(
      mixed.simulated.map((s) => s.recipient),
      ['success@simulator.amazonses.com'],
    );
  });
});

describe("dev mode's --auto-verify", () => {
  let app: TestApp;
  afterEach(() => app.close());

  it('emails: an address is Success at once and no verification mail is sent', async () => {
    app = await createTestApp();
    const ctx = { ...app.ctx, autoVerify: { emails: true, domains: null } };
    await verifyEmailIdentity(ctx, TEST_SCOPE, 'Me@Example.org');
    assert.equal(await sendVerificationEmail(ctx, TEST_SCOPE, 'Me@Example.org'), null);
    assert.equal((await app.store.getIdentities(TEST_SCOPE, ['Me@example.org'])).get('Me@example.org')?.verificationStatus, 'Success');
    assert.equal((await app.outbox.list({})).length, 0);
    // Without it (production), the address waits for its link.
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'other@example.org');
    assert.equal((await app.store.getIdentities(TEST_SCOPE, ['other@example.org'])).get('other@example.org')?.verificationStatus, 'Pending');
  });

  it("all: a new domain's CNAMEs and TXT are put in the sandbox zone, so the first check finds them", async () => {
    app = await createTestApp();
    const ctx = { ...app.ctx, autoVerify: { emails: true, domains: { sandbox: app.sandbox, zone: TEST_ZONE } } };
    const tokens = await verifyDomainDkim(ctx, TEST_SCOPE, 'auto.example');
    for (const token of tokens) {
      assert.deepEqual(await app.sandbox.lookup(`${token}._domainkey.auto.example`, 'CNAME'), { exists: true, values: [`${token}.${TEST_ZONE}`] });
    }
    const token = await verifyDomainIdentity(ctx, TEST_SCOPE, 'txt.example');
    assert.deepEqual((await app.sandbox.lookup('_amazonses.txt.example', 'TXT')).values, [token]);
    // The detection resolver of dev mode reads the sandbox zone first.
    const { createSandboxResolver } = await import('../dns/sandbox-resolver.ts');
    const result = await checkDomainNow({ ...app.detection, resolver: createSandboxResolver(app.sandbox, app.resolver) }, TEST_SCOPE, 'auto.example');
    assert.ok(result.kind === 'checked' && result.completion.dkim?.status === 'Success', JSON.stringify(result));
  });
});
