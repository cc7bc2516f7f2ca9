import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, verifiedDomain, type TestApp } from '../../test/support/app-context.ts';
import { confirmEmailVerification, sendVerificationEmail } from '../app/send-verification-email.ts';
import { verifyEmailIdentity } from '../app/verify-email-identity.ts';
import { localAuthenticator } from './auth/authenticator.ts';
import { createSesHandler, type SesHandler } from './handler.ts';
import { createSesV2Handler, type SesV2Handler } from './v2/handler.ts';
import { SES_MODEL } from '../model/ses-model.generated.ts';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 's1', Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: ['ses:SendEmail', 'ses:SendRawEmail'], Resource: '*' }],
});
const TOPIC = (name: string, region = 'us-east-1') => `arn:aws:sns:${region}:000000000000:${name}`;

/**
 * The identity operations of issue 13 through both APIs' framework-free handlers, over the test app:
 * notification settings, sending authorization policies (one store for v1 and v2), the legacy
 * verified-address calls and GetSendStatistics, with SES's validation and error codes.
 */
describe('identity settings, policies and statistics on the wire', () => {
  let app: TestApp;
  let v1: SesHandler;
  let v2: SesV2Handler;
  before(async () => {
    app = await createTestApp({ poolKeys: 6, send: { maxSendRate: 100 } });
    const authenticator = localAuthenticator('us-east-1', new Set(['us-east-1']));
    v1 = createSesHandler(app.ctx, { authenticator, model: SES_MODEL, encoding: { strict: true } });
    v2 = createSesV2Handler({ ...app.ctx, identities: app.emailIdentities }, { authenticator });
    await verifiedDomain(app, 'example.com');
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'pending@unverified.example');
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'own@elsewhere.example');
    // The owner follows the link of the verification mail.
    const mail = (await app.outbox.get((await sendVerificationEmail(app.ctx, TEST_SCOPE, 'own@elsewhere.example'))!))!;
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.simple!.text!)![1]!;
    assert.equal((await confirmEmailVerification(app.ctx, token))?.status, 'Success');
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'user@example.com');
  });
  after(() => app.close());

  async function call(form: Record<string, string>) {
    const body = new URLSearchParams({ Version: '2010-12-01', ...form }).toString();
    const r = await v1({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(body) });
    const code = /<Code>([^<]*)<\/Code>/.exec(r.body)?.[1] ?? null;
    const message = /<Message>([^<]*)<\/Message>/.exec(r.body)?.[1] ?? null;
    return { status: r.status, body: r.body, code, message };
  }
  async function rest(method: string, path: string, body?: object) {
    const r = await v2({ method, path, query: '', headers: { 'content-type': 'application/json' }, body: Buffer.from(body ? JSON.stringify(body) : '') });
    return { status: r.status, code: r.headers['x-amzn-errortype'] ?? null, json: JSON.parse(r.body) as Record<string, unknown> };
  }

  it('VerifyEmailAddress, ListVerifiedEmailAddresses, DeleteVerifiedEmailAddress: the same identities as VerifyEmailIdentity', async () => {
    const verify = await call({ Action: 'VerifyEmailAddress', EmailAddress: 'legacy@elsewhere.example' });
    assert.equal(verify.status, 200, verify.body);
    assert.doesNotMatch(verify.body, /VerifyEmailAddressResult/, 'no output shape, no Result element');
    const listed = await call({ Action: 'ListIdentities' });
    assert.match(listed.body, /<member>legacy@elsewhere.example<\/member>/, 'ListIdentities sees it');
    // Only verified addresses: not the Pending ones, not domains.
    const verified = await call({ Action: 'ListVerifiedEmailAddresses' });
    assert.equal(verified.status, 200);
    assert.match(verified.body, /<ListVerifiedEmailAddressesResult><VerifiedEmailAddresses><member>own@elsewhere.example<\/member><\/VerifiedEmailAddresses>/);
    const deleted = await call({ Action: 'DeleteVerifiedEmailAddress', EmailAddress: 'legacy@elsewhere.example' });
    assert.equal(deleted.status, 200);
    assert.doesNotMatch(deleted.body, /DeleteVerifiedEmailAddressResult/);
    assert.doesNotMatch((await call({ Action: 'ListIdentities' })).body, /legacy@/);
    assert.equal((await call({ Action: 'DeleteVerifiedEmailAddress', EmailAddress: 'never@elsewhere.example' })).status, 200, 'unknown: not an error');
    const bad = await call({ Action: 'DeleteVerifiedEmailAddress', EmailAddress: 'not-an-address' });
    assert.deepEqual([bad.code, bad.message], ['InvalidParameterValue', 'Invalid email address not-an-address.']);
    assert.equal((await call({ Action: 'DeleteVerifiedEmailAddress' })).code, 'ValidationError');
  });

  it('notification topics, feedback forwarding and headers: stored, reported, refused as SES refuses', async () => {
    const attrs = async (...ids: string[]) =>
      (await call({ Action: 'GetIdentityNotificationAttributes', ...Object.fromEntries(ids.map((id, i) => [`Identities.member.${i + 1}`, id])) })).body;
    // Defaults for a known identity; unknown ones omitted.
    assert.match(
      await attrs('example.com', 'nobody.example'),
      /<NotificationAttributes><entry><key>example.com<\/key><value><ForwardingEnabled>true<\/ForwardingEnabled><HeadersInBounceNotificationsEnabled>false<\/HeadersInBounceNotificationsEnabled><HeadersInComplaintNotificationsEnabled>false<\/HeadersInComplaintNotificationsEnabled><HeadersInDeliveryNotificationsEnabled>false<\/HeadersInDeliveryNotificationsEnabled><\/value><\/entry><\/NotificationAttributes>/,
    );
    // Forwarding cannot be switched off without both topics.
    const early = await call({ Action: 'SetIdentityFeedbackForwardingEnabled', Identity: 'example.com', ForwardingEnabled: 'false' });
    assert.equal(early.code, 'InvalidParameterValue');
    assert.match(early.message!, /Feedback forwarding cannot be disabled/);
    for (const [type, name] of [
      ['Bounce', 'b'],
      ['Complaint', 'c'],
      ['Delivery', 'd'],
    ]) {
      const r = await call({ Action: 'SetIdentityNotificationTopic', Identity: 'example.com', NotificationType: type!, SnsTopic: TOPIC(name!) });
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /<SetIdentityNotificationTopicResult\/>/);
    }
    assert.equal((await call({ Action: 'SetIdentityFeedbackForwardingEnabled', Identity: 'example.com', ForwardingEnabled: 'false' })).status, 200);
    assert.equal(
      (await call({ Action: 'SetIdentityHeadersInNotificationsEnabled', Identity: 'example.com', NotificationType: 'Complaint', Enabled: 'true' })).status,
      200,
    );
    assert.match(
      await attrs('example.com'),
      new RegExp(
        `<value><BounceTopic>${TOPIC('b')}</BounceTopic><ComplaintTopic>${TOPIC('c')}</ComplaintTopic><DeliveryTopic>${TOPIC('d')}</DeliveryTopic>` +
          '<ForwardingEnabled>false</ForwardingEnabled><HeadersInBounceNotificationsEnabled>false</HeadersInBounceNotificationsEnabled>' +
          '<HeadersInComplaintNotificationsEnabled>true</HeadersInComplaintNotificationsEnabled><HeadersInDeliveryNotificationsEnabled>false</HeadersInDeliveryNotificationsEnabled></value>',
      ),
    );
    // With forwarding off, the bounce topic cannot go; the delivery topic can (an empty SnsTopic clears it too).
    const clear = await call({ Action: 'SetIdentityNotificationTopic', Identity: 'example.com', NotificationType: 'Bounce' });
    assert.equal(clear.code, 'InvalidParameterValue');
    assert.equal((await call({ Action: 'SetIdentityNotificationTopic', Identity: 'example.com', NotificationType: 'Delivery', SnsTopic: '' })).status, 200);
    assert.doesNotMatch(await attrs('example.com'), /DeliveryTopic/);
    // v2 reports the same forwarding status.
    assert.equal((await rest('GET', '/v2/email/identities/example.com')).json['FeedbackForwardingStatus'], false);
    assert.equal((await call({ Action: 'SetIdentityFeedbackForwardingEnabled', Identity: 'example.com', ForwardingEnabled: 'true' })).status, 200);
    assert.equal((await rest('GET', '/v2/email/identities/example.com')).json['FeedbackForwardingStatus'], true);
    // An address under the verified domain is verified for these calls; its settings are its own.
    assert.equal(
      (await call({ Action: 'SetIdentityNotificationTopic', Identity: 'user@example.com', NotificationType: 'Bounce', SnsTopic: TOPIC('u') })).status,
      200,
    );
    assert.match(
      await attrs('user@example.com'),
      new RegExp(`<key>user@example.com</key><value><BounceTopic>${TOPIC('u')}</BounceTopic><ForwardingEnabled>true`),
    );
    // The identity's ARN names it too, in the caller's account and region only.
    const byArn = await call({
      Action: 'SetIdentityHeadersInNotificationsEnabled',
      Identity: 'arn:aws:ses:us-east-1:000000000000:identity/example.com',
      NotificationType: 'Bounce',
      Enabled: 'true',
    });
    assert.equal(byArn.status, 200, byArn.body);
  });

  it('notification calls: SES validation and errors', async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [
        { Action: 'SetIdentityNotificationTopic', Identity: 'pending@unverified.example', NotificationType: 'Bounce', SnsTopic: TOPIC('x') },
        'InvalidParameterValue',
        /^Identity pending@unverified.example is invalid. Must be a verified email address or domain.$/,
      ],
      [
        { Action: 'SetIdentityNotificationTopic', Identity: 'nobody.example', NotificationType: 'Bounce' },
        'InvalidParameterValue',
        /^Identity nobody.example is invalid. Must be a verified email address or domain.$/,
      ],
      [
        { Action: 'SetIdentityNotificationTopic', Identity: 'arn:aws:ses:eu-west-1:000000000000:identity/example.com', NotificationType: 'Bounce' },
        'InvalidParameterValue',
        /is invalid. Must be a verified email address or domain.$/,
      ],
      [
        { Action: 'SetIdentityNotificationTopic', Identity: 'example.com', NotificationType: 'Bogus' },
        'ValidationError',
        /^1 validation error detected: Value 'Bogus' at 'notificationType' failed to satisfy constraint: Member must satisfy enum value set: \[Bounce, Complaint, Delivery\]$/,
      ],
      [
        { Action: 'SetIdentityNotificationTopic', Identity: 'example.com', NotificationType: 'Bounce', SnsTopic: 'not-an-arn' },
        'InvalidParameterValue',
        /^Invalid SNS topic ARN not-an-arn/,
      ],
      [
        { Action: 'SetIdentityNotificationTopic', Identity: 'example.com', NotificationType: 'Bounce', SnsTopic: TOPIC('t', 'eu-west-1') },
        'InvalidParameterValue',
        /must name an SNS topic in region us-east-1/,
      ],
      [{ Action: 'SetIdentityNotificationTopic', Identity: 'example.com' }, 'ValidationError', /Value null at 'notificationType'/],
      [{ Action: 'SetIdentityFeedbackForwardingEnabled', Identity: 'example.com' }, 'ValidationError', /Value null at 'forwardingEnabled'/],
      [
        { Action: 'SetIdentityHeadersInNotificationsEnabled', Identity: 'example.com', NotificationType: 'Delivery', Enabled: 'yes' },
        'InvalidParameterValue',
        /must be true or false/,
      ],
      [{ Action: 'GetIdentityNotificationAttributes' }, 'ValidationError', /Value null at 'identities'/],
    ];
    for (const [form, code, message] of cases) {
      const r = await call(form);
      assert.equal(r.status, 400, JSON.stringify(form));
      assert.equal(r.code, code, JSON.stringify(form));
      assert.match(r.message!, message, JSON.stringify(form));
    }
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`Identities.member.${i + 1}`, `d${i}.example`]));
    assert.equal((await call({ Action: 'GetIdentityNotificationAttributes', ...many })).code, 'InvalidParameterValue');
  });

  it('policies: put, get, list, delete in v1; create, get, update, delete in v2; one store', async () => {
    const put = await call({ Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'send-1', Policy: POLICY });
    assert.equal(put.status, 200, put.body);
    assert.match(put.body, /<PutIdentityPolicyResult\/>/);
    // v2 sees it, in GetEmailIdentityPolicies and GetEmailIdentity alike.
    assert.deepEqual((await rest('GET', '/v2/email/identities/example.com/policies')).json, { Policies: { 'send-1': POLICY } });
    assert.deepEqual((await rest('GET', '/v2/email/identities/example.com')).json['Policies'], { 'send-1': POLICY });
    // v2 Create refuses a name in use, adds a new one; Update replaces (and would add).
    const dup = await rest('POST', '/v2/email/identities/example.com/policies/send-1', { Policy: POLICY });
    assert.deepEqual([dup.status, dup.code], [400, 'AlreadyExistsException']);
    assert.equal((await rest('POST', '/v2/email/identities/example.com/policies/v2_made', { Policy: POLICY })).status, 200);
    const replaced = POLICY.replace('s1', 's2');
    assert.equal((await rest('PUT', '/v2/email/identities/example.com/policies/send-1', { Policy: replaced })).status, 200);
    // v1 reads what v2 wrote; names it lacks are left out.
    const got = await call({ Action: 'GetIdentityPolicies', Identity: 'example.com', 'PolicyNames.member.1': 'send-1', 'PolicyNames.member.2': 'nope' });
    assert.equal(got.status, 200, got.body);
    assert.ok(got.body.includes(`<Policies><entry><key>send-1</key><value>${replaced.replaceAll('"', '&quot;')}</value></entry></Policies>`), got.body);
    const listed = await call({ Action: 'ListIdentityPolicies', Identity: 'example.com' });
    assert.match(listed.body, /<PolicyNames><member>send-1<\/member><member>v2_made<\/member><\/PolicyNames>/);
    // Delete: v1 and v2, absent names are not an error.
    assert.equal((await call({ Action: 'DeleteIdentityPolicy', Identity: 'example.com', PolicyName: 'v2_made' })).status, 200);
    assert.equal((await call({ Action: 'DeleteIdentityPolicy', Identity: 'example.com', PolicyName: 'v2_made' })).status, 200);
    assert.deepEqual((await rest('DELETE', '/v2/email/identities/example.com/policies/send-1')).json, {});
    assert.equal((await rest('DELETE', '/v2/email/identities/example.com/policies/send-1')).status, 200);
    assert.deepEqual((await rest('GET', '/v2/email/identities/example.com/policies')).json, { Policies: {} });
  });

  it('policies: SES validation and errors on both APIs', async () => {
    const v1Cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p', Policy: 'not json' }, 'InvalidPolicy', /not valid JSON/],
      [{ Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p', Policy: '{"Version":"2012-10-17"}' }, 'InvalidPolicy', /no Statement/],
      [{ Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p', Policy: '{"Statement":[]}' }, 'InvalidPolicy', /must not be empty/],
      [
        { Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p', Policy: '{"Statement":{"Effect":"Maybe","Principal":"*","Action":"ses:*"}}' },
        'InvalidPolicy',
        /Effect of Allow or Deny/,
      ],
      [
        { Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p', Policy: '{"Statement":[{"Effect":"Allow","Action":"ses:*"}]}' },
        'InvalidPolicy',
        /has no Principal/,
      ],
      [
        { Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p', Policy: '{"Version":"2020-01-01","Statement":[]}' },
        'InvalidPolicy',
        /Version must be/,
      ],
      [
        {
          Action: 'PutIdentityPolicy',
          Identity: 'example.com',
          PolicyName: 'p',
          Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'x'.repeat(4100) }] }),
        },
        'InvalidPolicy',
        /maximum size of 4096 bytes/,
      ],
      [
        { Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'bad name', Policy: POLICY },
        'InvalidParameterValue',
        /alphanumeric characters, dashes, and underscores/,
      ],
      [
        { Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'x'.repeat(65), Policy: POLICY },
        'ValidationError',
        /at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 64$/,
      ],
      [{ Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p', Policy: '' }, 'ValidationError', /at 'policy' .*greater than or equal to 1$/],
      [{ Action: 'PutIdentityPolicy', Identity: 'example.com', PolicyName: 'p' }, 'ValidationError', /Value null at 'policy'/],
      [
        { Action: 'PutIdentityPolicy', Identity: 'pending@unverified.example', PolicyName: 'p', Policy: POLICY },
        'InvalidParameterValue',
        /Must be a verified email address or domain/,
      ],
      [{ Action: 'ListIdentityPolicies', Identity: 'nobody.example' }, 'InvalidParameterValue', /^Identity nobody.example is invalid/],
      [{ Action: 'DeleteIdentityPolicy', Identity: 'nobody.example', PolicyName: 'p' }, 'InvalidParameterValue', /is invalid/],
      [{ Action: 'GetIdentityPolicies', Identity: 'example.com' }, 'ValidationError', /Value null at 'policyNames'/],
    ];
    for (const [form, code, message] of v1Cases) {
      const r = await call(form);
      assert.equal(r.code, code, `${JSON.stringify(form).slice(0, 200)}: ${r.body}`);
      assert.match(r.message!, message, JSON.stringify(form).slice(0, 200));
    }
    const names = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`PolicyNames.member.${i + 1}`, `p${i}`]));
    assert.equal((await call({ Action: 'GetIdentityPolicies', Identity: 'example.com', ...names })).code, 'ValidationError');
    // 20 policies at most.
    for (let i = 0; i < 20; i++)
      assert.equal((await call({ Action: 'PutIdentityPolicy', Identity: 'own@elsewhere.example', PolicyName: `p${i}`, Policy: POLICY })).status, 200);
    assert.equal(
      (await call({ Action: 'PutIdentityPolicy', Identity: 'own@elsewhere.example', PolicyName: 'p19', Policy: POLICY })).status,
      200,
      'replacing is fine',
    );
    const over = await call({ Action: 'PutIdentityPolicy', Identity: 'own@elsewhere.example', PolicyName: 'p20', Policy: POLICY });
    assert.equal(over.code, 'LimitExceeded');
    const v2Over = await rest('POST', '/v2/email/identities/own%40elsewhere.example/policies/p20', { Policy: POLICY });
    assert.deepEqual([v2Over.status, v2Over.code], [400, 'LimitExceededException']);
    // v2: NotFound for an identity the account lacks, BadRequest for one not verified or a bad policy.
    const v2Cases: Array<[string, string, object | undefined, number, string, RegExp]> = [
      ['GET', '/v2/email/identities/nobody.example/policies', undefined, 404, 'NotFoundException', /^Email identity nobody.example does not exist.$/],
      ['POST', '/v2/email/identities/nobody.example/policies/p', { Policy: POLICY }, 404, 'NotFoundException', /does not exist/],
      [
        'PUT',
        '/v2/email/identities/pending%40unverified.example/policies/p',
        { Policy: POLICY },
        400,
        'BadRequestException',
        /Must be a verified email address or domain/,
      ],
      ['POST', '/v2/email/identities/example.com/policies/p', { Policy: '{}' }, 400, 'BadRequestException', /no Statement/],
      [
        'POST',
        '/v2/email/identities/example.com/policies/p',
        {},
        400,
        'BadRequestException',
        /Value null at 'policy' failed to satisfy constraint: Member must not be null/,
      ],
      [
        'POST',
        `/v2/email/identities/example.com/policies/${'x'.repeat(65)}`,
        { Policy: POLICY },
        400,
        'BadRequestException',
        /at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 64/,
      ],
      ['DELETE', '/v2/email/identities/example.com/policies/a.b', undefined, 400, 'BadRequestException', /alphanumeric characters/],
    ];
    for (const [method, path, body, status, code, message] of v2Cases) {
      const r = await rest(method, path, body);
      assert.deepEqual([r.status, r.code], [status, code], `${method} ${path}: ${JSON.stringify(r.json)}`);
      assert.match(String(r.json['message']), message, `${method} ${path}`);
    }
  });

  it('GetSendStatistics: 15-minute data points of the last two weeks from the outbox', async () => {
    const empty = await call({ Action: 'GetSendStatistics' });
    assert.match(empty.body, /<GetSendStatisticsResult><SendDataPoints\/><\/GetSendStatisticsResult>/, 'verification mail is not the account sending');
    const send = (to: string[]) =>
      call({
        Action: 'SendEmail',
        Source: 'user@example.com',
        ...Object.fromEntries(to.map((t, i) => [`Destination.ToAddresses.member.${i + 1}`, t])),
        'Message.Subject.Data': 's',
        'Message.Body.Text.Data': 'b',
      });
    assert.equal((await send(['a@example.org', 'b@example.org'])).status, 200);
    app.clock.advance(1000);
    assert.equal((await send(['c@example.org'])).status, 200);
    app.clock.advance(20 * 60_000);
    assert.equal((await send(['d@example.org'])).status, 200);
    const stats = await call({ Action: 'GetSendStatistics' });
    const points = [
      ...stats.body.matchAll(
        /<member><Timestamp>([^<]+)<\/Timestamp><DeliveryAttempts>(\d+)<\/DeliveryAttempts><Bounces>0<\/Bounces><Complaints>0<\/Complaints><Rejects>0<\/Rejects><\/member>/g,
      ),
    ];
    assert.equal(points.length, 2, stats.body);
    assert.deepEqual(
      points.map((p) => Number(p[2])),
      [3, 1],
    );
    for (const p of points) {
      assert.match(p[1]!, /^\d{4}-\d{2}-\d{2}T\d{2}:(00|15|30|45):00Z$/, 'the start of a 15-minute interval, to the second, in UTC');
    }
    // Two weeks later the first interval has left the window.
    app.clock.advance(14 * 86_400_000);
    const later = await call({ Action: 'GetSendStatistics' });
    assert.equal([...later.body.matchAll(/<member>/g)].length, 1, later.body);
  });
});
