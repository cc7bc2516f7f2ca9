import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, verifiedDomain, type TestApp } from '../../../test/support/app-context.ts';
import { localAuthenticator } from '../auth/authenticator.ts';
import { createSesHandler, type SesHandler } from '../handler.ts';
import { TokenBucketLimiter } from '../../app/rate-limiter.ts';
import { SES_ACTIONS } from './index.ts';
import { SES_MODEL } from '../../model/ses-model.generated.ts';

/** Every SES action through the framework-free handler, over the test app: members in, XML out. */
describe('the SES actions', () => {
  let app: TestApp;
  let handler: SesHandler;
  const internal: unknown[] = [];
  async function call(form: Record<string, string>) {
    const body = new URLSearchParams({ Version: '2010-12-01', ...form }).toString();
    const response = await handler({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(body) });
    const code = /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? null;
    return { ...response, code, text: (tag: string) => [...response.body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]) };
  }
  before(async () => {
    // 5 a day: the two verification mails of the tests before count (issue 14), then 1 + 1 sent, then 2 refused.
    app = await createTestApp({ poolKeys: 9, send: { maxSendRate: 100, max24HourSend: 5 } });
    // The identity operations' limit on the test clock: 1 per second, burst 1.
    handler = createSesHandler(app.ctx, {
      authenticator: localAuthenticator('us-east-1', new Set(['us-east-1'])),
      limiter: new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, now: () => app.clock.now() }),
      onInternalError: (err) => internal.push(err),
      // An output member the model lacks fails the request here (query/encoder.ts).
      model: SES_MODEL,
      encoding: { strict: true },
    });
  });
  after(() => app.close());
  // Identity operations are throttled at 1/s: each test call moves the clock a second first.
  const next = () => app.clock.advance(1000);

  it('serves the 25 actions of the SES v1 API that Signet implements', () => {
    assert.deepEqual(SES_ACTIONS.map((a) => a.name).sort(), [
      'DeleteIdentity',
      'DeleteIdentityPolicy',
      'DeleteVerifiedEmailAddress',
      'GetIdentityDkimAttributes',
      'GetIdentityMailFromDomainAttributes',
      'GetIdentityNotificationAttributes',
      'GetIdentityPolicies',
      'GetIdentityVerificationAttributes',
      'GetSendQuota',
      'GetSendStatistics',
      'ListIdentities',
      'ListIdentityPolicies',
      'ListVerifiedEmailAddresses',
      'PutIdentityPolicy',
      'SendEmail',
      'SendRawEmail',
      'SetIdentityDkimEnabled',
      'SetIdentityFeedbackForwardingEnabled',
      'SetIdentityHeadersInNotificationsEnabled',
      'SetIdentityMailFromDomain',
      'SetIdentityNotificationTopic',
      'VerifyDomainDkim',
      'VerifyDomainIdentity',
      'VerifyEmailAddress',
      'VerifyEmailIdentity',
    ]);
  });

  it('VerifyDomainDkim answers <DkimTokens> with three members; GetIdentityDkimAttributes echoes them', async () => {
    next();
    const r = await call({ Action: 'VerifyDomainDkim', Domain: 'example.com' });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<VerifyDomainDkimResult><DkimTokens>(<member>[a-z2-7]{32}<\/member>){3}<\/DkimTokens><\/VerifyDomainDkimResult>/);
    next();
    const attrs = await call({ Action: 'GetIdentityDkimAttributes', 'Identities.member.1': 'example.com' });
    assert.match(
      attrs.body,
      /<entry><key>example\.com<\/key><value><DkimEnabled>true<\/DkimEnabled><DkimVerificationStatus>Pending<\/DkimVerificationStatus><DkimTokens>(<member>[a-z2-7]{32}<\/member>){3}<\/DkimTokens><\/value><\/entry>/,
    );
    assert.deepEqual(attrs.text('member'), r.text('member'));
  });

  it('VerifyDomainIdentity, GetIdentityVerificationAttributes, ListIdentities with paging', async () => {
    next();
    const token = (await call({ Action: 'VerifyDomainIdentity', Domain: 'plain.example' })).text('VerificationToken')[0];
    assert.ok(token);
    next();
    const v = await call({ Action: 'GetIdentityVerificationAttributes', 'Identities.member.1': 'plain.example' });
    assert.match(
      v.body,
      new RegExp(`<VerificationStatus>Pending</VerificationStatus><VerificationToken>${token!.replace(/[+/]/g, '\\$&')}</VerificationToken>`),
    );
    next();
    const page = await call({ Action: 'ListIdentities', MaxItems: '1' });
    assert.equal(page.text('member').length, 1);
    assert.equal(page.text('NextToken').length, 1);
  });

  it('VerifyEmailAddress has no output shape; VerifyEmailIdentity an empty one', async () => {
    next();
    assert.doesNotMatch((await call({ Action: 'VerifyEmailAddress', EmailAddress: 'a@example.com' })).body, /Result/);
    next();
    assert.match((await call({ Action: 'VerifyEmailIdentity', EmailAddress: 'b@example.com' })).body, /<VerifyEmailIdentityResult\/>/);
  });

  it('GetIdentityMailFromDomainAttributes: BehaviorOnMXFailure only', async () => {
    next();
    const r = await call({ Action: 'GetIdentityMailFromDomainAttributes', 'Identities.member.1': 'example.com' });
    assert.match(r.body, /<value><BehaviorOnMXFailure>UseDefaultValue<\/BehaviorOnMXFailure><\/value>/);
  });

  it('SetIdentityMailFromDomain: an empty result; the attributes in the model order; its errors', async () => {
    next();
    const set = await call({
      Action: 'SetIdentityMailFromDomain',
      Identity: 'plain.example',
      MailFromDomain: 'mail.plain.example',
      BehaviorOnMXFailure: 'RejectMessage',
    });
    assert.match(set.body, /<SetIdentityMailFromDomainResult\/>/);
    next();
    const r = await call({ Action: 'GetIdentityMailFromDomainAttributes', 'Identities.member.1': 'plain.example' });
    assert.match(
      r.body,
      /<entry><key>plain\.example<\/key><value><MailFromDomain>mail\.plain\.example<\/MailFromDomain><MailFromDomainStatus>Pending<\/MailFromDomainStatus><BehaviorOnMXFailure>RejectMessage<\/BehaviorOnMXFailure><\/value><\/entry>/,
    );
    next();
    const badEnum = await call({ Action: 'SetIdentityMailFromDomain', Identity: 'plain.example', BehaviorOnMXFailure: 'rejectmessage' });
    assert.equal(badEnum.code, 'ValidationError');
    assert.equal(
      badEnum.text('Message')[0],
      "1 validation error detected: Value 'rejectmessage' at 'behaviorOnMXFailure' failed to satisfy constraint: Member must satisfy enum value set: [RejectMessage, UseDefaultValue]",
    );
    next();
    const outside = await call({ Action: 'SetIdentityMailFromDomain', Identity: 'plain.example', MailFromDomain: 'plain.example' });
    assert.equal(outside.code, 'InvalidParameterValue');
    // The XML escapes the angle brackets SES puts around the names.
    assert.equal(
      outside.text('Message')[0],
      'Provided MAIL-FROM domain &lt;plain.example&gt; is not subdomain of the domain of the identity &lt;plain.example&gt;.',
    );
    next();
    assert.equal(
      (await call({ Action: 'SetIdentityMailFromDomain', Identity: 'nobody.example' })).text('Message')[0],
      'Identity &lt;nobody.example&gt; does not exist.',
    );
    next();
    assert.equal((await call({ Action: 'SetIdentityMailFromDomain' })).status, 400);
  });

  it('SetIdentityDkimEnabled reads a boolean; DeleteIdentity answers an empty result', async () => {
    next();
    assert.equal((await call({ Action: 'SetIdentityDkimEnabled', Identity: 'example.com', DkimEnabled: 'false' })).status, 200);
    next();
    assert.equal((await call({ Action: 'SetIdentityDkimEnabled', Identity: 'example.com', DkimEnabled: 'no' })).code, 'InvalidParameterValue');
    next();
    assert.match((await call({ Action: 'DeleteIdentity', Identity: 'plain.example' })).body, /<DeleteIdentityResult\/>/);
  });

  it('GetSendQuota writes doubles as botocore reads them (200.0)', async () => {
    const r = await call({ Action: 'GetSendQuota' });
    // SentLast24Hours: the verification mails of VerifyEmailAddress and VerifyEmailIdentity above.
    assert.deepEqual([r.text('Max24HourSend'), r.text('MaxSendRate'), r.text('SentLast24Hours')], [['5.0'], ['100.0'], ['2.0']]);
  });

  it('SendEmail and SendRawEmail: MessageId back; MessageRejected and the quota as SES words them', async () => {
    await verifiedDomain(app, 'send.example');
    const sent = await call({
      Action: 'SendEmail',
      Source: 's@send.example',
      'Destination.ToAddresses.member.1': 'to@d.example',
      'Message.Subject.Data': 'Hi',
      'Message.Body.Text.Data': 'Body',
      'Tags.member.1.Name': 'campaign',
      'Tags.member.1.Value': 'a-1',
    });
    assert.equal(sent.status, 200, sent.body);
    const id = sent.text('MessageId')[0]!;
    assert.deepEqual((await app.outbox.get(id))?.tags, [{ name: 'campaign', value: 'a-1' }]);
    const raw = Buffer.from('From: s@send.example\r\nTo: x@d.example\r\nSubject: r\r\n\r\nbody\r\n').toString('base64');
    assert.equal((await call({ Action: 'SendRawEmail', 'RawMessage.Data': raw })).status, 200);
    assert.equal((await call({ Action: 'SendRawEmail', 'RawMessage.Data': 'not base64!' })).code, 'InvalidParameterValue');
    const unverified = await call({
      Action: 'SendEmail',
      Source: 's@nope.example',
      'Destination.ToAddresses.member.1': 't@d.example',
      'Message.Subject.Data': 'x',
    });
    assert.deepEqual([unverified.status, unverified.code], [400, 'MessageRejected']);
    assert.match(unverified.body, /<Type>Sender<\/Type>/);
    const overQuota = await call({
      Action: 'SendEmail',
      Source: 's@send.example',
      'Destination.ToAddresses.member.1': 'a@d.example',
      'Destination.ToAddresses.member.2': 'b@d.example',
      'Message.Subject.Data': 'x',
    });
    assert.equal(overQuota.code, 'MessageRejected');
    assert.match(overQuota.body, /Daily message quota exceeded\./);
    const tagWithoutValue = await call({
      Action: 'SendEmail',
      Source: 's@send.example',
      'Destination.ToAddresses.member.1': 'a@d.example',
      'Message.Subject.Data': 'x',
      'Tags.member.1.Name': 'n',
    });
    assert.deepEqual(
      [tagWithoutValue.code, tagWithoutValue.text('Message')[0]],
      ['ValidationError', "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"],
    );
  });

  it('the identity operations share one limit per account and region: Throttling on the test clock, not on time', async () => {
    next();
    assert.equal((await call({ Action: 'ListIdentities' })).status, 200);
    const throttled = await call({ Action: 'VerifyDomainIdentity', Domain: 'x.example' });
    assert.deepEqual([throttled.status, throttled.code, throttled.text('Message')[0]], [400, 'Throttling', 'Rate exceeded']);
    // Sending and GetSendQuota are not identity operations.
    assert.equal((await call({ Action: 'GetSendQuota' })).status, 200);
    app.clock.advance(999);
    assert.equal((await call({ Action: 'ListIdentities' })).code, 'Throttling');
    app.clock.advance(1);
    assert.equal((await call({ Action: 'ListIdentities' })).status, 200);
  });

  it('protocol errors: missing Action, unknown action or version, a missing member, GET', async () => {
    assert.equal((await call({ Action: '' })).code, 'MissingAction');
    assert.equal((await call({ Action: 'CreateTemplate' })).code, 'InvalidAction');
    assert.equal((await call({ Action: 'GetSendQuota', Version: '2019-09-27' })).code, 'InvalidAction');
    next();
    const missing = await call({ Action: 'VerifyDomainDkim' });
    assert.deepEqual([missing.status, missing.code], [400, 'ValidationError']);
    const get = await handler({ method: 'GET', headers: {}, body: Buffer.alloc(0) });
    assert.equal(get.status, 405);
    assert.deepEqual(internal, [], 'no internal failures');
  });
});
