import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTION_POLICY as P } from './dkim-lifecycle.ts';
import { DomainError } from './errors.ts';
import {
  checkMailFromDomain,
  DEFAULT_MAIL_FROM_EXPECTATION,
  envelopeDecision,
  expectedMailFromMx,
  expectedMailFromSpf,
  judgeMailFromMx,
  judgeMailFromSpf,
  mailFromEnvelopeSender,
  mailFromOutcome,
  nextMailFromDetection,
  type MailFromDetectionState,
} from './mail-from.ts';

const H = 3_600_000;
const FEEDBACK = 'feedback-smtp.us-east-1.amazonses.com';

describe('custom MAIL FROM domains', () => {
  it('must be a proper subdomain of the identity (or of the address domain), in SES words', () => {
    checkMailFromDomain('mail.example.com', 'example.com');
    checkMailFromDomain('a.b.example.com', 'example.com');
    for (const [mailFrom, identity] of [
      ['example.com', 'example.com'],
      ['mail.dive.day', 'ses.dive.day'],
      ['badexample.com', 'example.com'],
      ['mail.example.org', 'example.com'],
    ] as const) {
      assert.throws(
        () => checkMailFromDomain(mailFrom, identity),
        (err: unknown) =>
          err instanceof DomainError &&
          err.code === 'invalid_parameter' &&
          err.message === `Provided MAIL-FROM domain <${mailFrom}> is not subdomain of the domain of the identity <${identity}>.`,
      );
    }
  });

  it('expects MX to the region feedback host and SPF including amazonses.com by default', () => {
    assert.equal(expectedMailFromMx(DEFAULT_MAIL_FROM_EXPECTATION, 'us-east-1'), FEEDBACK);
    assert.equal(expectedMailFromMx(DEFAULT_MAIL_FROM_EXPECTATION, 'eu-west-1'), 'feedback-smtp.eu-west-1.amazonses.com');
    assert.equal(expectedMailFromMx({ mxHost: 'Bounces.Example.NET.', spfInclude: 'x' }, 'us-east-1'), 'bounces.example.net');
    assert.equal(expectedMailFromSpf(DEFAULT_MAIL_FROM_EXPECTATION), 'v=spf1 include:amazonses.com ~all');
  });

  it('judges the MX: the feedback host among the exchanges, any case, trailing dot or priority', () => {
    assert.equal(judgeMailFromMx({ ok: true, values: [`10 ${FEEDBACK}`] }, FEEDBACK), 'ok');
    assert.equal(judgeMailFromMx({ ok: true, values: ['5 mx.other.test', `20 ${FEEDBACK.toUpperCase()}.`] }, FEEDBACK), 'ok');
    assert.equal(judgeMailFromMx({ ok: true, values: ['10 feedback-smtp.eu-west-1.amazonses.com'] }, FEEDBACK), 'points_elsewhere');
    assert.equal(judgeMailFromMx({ ok: true, values: [] }, FEEDBACK), 'missing');
    assert.equal(judgeMailFromMx({ ok: false, error: 'NXDOMAIN' }, FEEDBACK), 'missing');
    assert.equal(judgeMailFromMx({ ok: false, error: 'NODATA' }, FEEDBACK), 'missing');
    assert.equal(judgeMailFromMx({ ok: false, error: 'SERVFAIL' }, FEEDBACK), 'resolver_error');
    assert.equal(judgeMailFromMx({ ok: false, error: 'TIMEOUT' }, FEEDBACK), 'resolver_error');
  });

  it('judges the SPF record: v=spf1 with include:<domain>, whatever its qualifier and case', () => {
    const spf = (...values: string[]) => judgeMailFromSpf({ ok: true, values }, 'amazonses.com');
    assert.equal(spf('v=spf1 include:amazonses.com ~all'), 'ok');
    assert.equal(spf('google-site-verification=abc', 'V=SPF1 +include:AmazonSES.com. -all'), 'ok');
    assert.equal(spf('v=spf1 include:amazonses.com.evil.test ~all'), 'no_include');
    assert.equal(spf('v=spf1 a mx ~all'), 'no_include');
    assert.equal(spf('v=spf10 include:amazonses.com'), 'missing');
    assert.equal(spf('include:amazonses.com'), 'missing');
    assert.equal(judgeMailFromSpf({ ok: false, error: 'NXDOMAIN' }, 'amazonses.com'), 'missing');
    assert.equal(judgeMailFromSpf({ ok: false, error: 'REFUSED' }, 'amazonses.com'), 'resolver_error');
  });

  it('follows the MX for the status: found, definitely absent or wrong, or no verdict', () => {
    assert.equal(mailFromOutcome('ok'), 'found');
    assert.equal(mailFromOutcome('missing'), 'not_found');
    assert.equal(mailFromOutcome('points_elsewhere'), 'not_found');
    assert.equal(mailFromOutcome('resolver_error'), 'inconclusive');
  });

  it('goes Pending -> Success -> TemporaryFailure -> Failed, and fails past the 72 h window when never found', () => {
    const start = 1_000_000_000_000;
    const pending: MailFromDetectionState = { status: 'Pending', startedAt: start, lastFoundAt: null, graceStartedAt: null };
    assert.equal(nextMailFromDetection(pending, 'not_found', start + 71 * H, P).status, 'Pending');
    assert.equal(nextMailFromDetection(pending, 'inconclusive', start + H, P).status, 'TemporaryFailure');
    const failed = nextMailFromDetection(pending, 'not_found', start + 72 * H, P);
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.nextCheckAt, null);
    const success = nextMailFromDetection(pending, 'found', start + H, P);
    assert.equal(success.status, 'Success');
    const gone = nextMailFromDetection(success, 'not_found', start + 2 * H, P);
    assert.equal(gone.status, 'TemporaryFailure');
    assert.equal(nextMailFromDetection(gone, 'not_found', start + 2 * H + 72 * H, P).status, 'Failed');
  });

  it('decides the envelope: the verified domain, else BehaviorOnMXFailure', () => {
    assert.deepEqual(envelopeDecision(null), { kind: 'default' });
    const settings = { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'UseDefaultValue', status: 'Success' } as const;
    assert.deepEqual(envelopeDecision(settings), { kind: 'mail_from', domain: 'mail.example.com' });
    assert.deepEqual(envelopeDecision({ ...settings, behaviorOnMxFailure: 'RejectMessage' }), { kind: 'mail_from', domain: 'mail.example.com' });
    for (const status of ['Pending', 'Failed', 'TemporaryFailure'] as const) {
      assert.deepEqual(envelopeDecision({ ...settings, status }), { kind: 'default' });
      assert.deepEqual(envelopeDecision({ ...settings, status, behaviorOnMxFailure: 'RejectMessage' }), { kind: 'reject', domain: 'mail.example.com' });
    }
    assert.deepEqual(
      envelopeDecision({ ...settings, mailFromDomain: null, behaviorOnMxFailure: 'RejectMessage' }),
      { kind: 'default' },
      'no domain, nothing to reject',
    );
    assert.equal(mailFromEnvelopeSender('0100abc-1-000000', 'mail.example.com'), '0100abc-1-000000@mail.example.com');
  });
});
