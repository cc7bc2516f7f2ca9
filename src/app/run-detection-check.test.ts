import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HOUR, MINUTE } from '../../test/support/clock.ts';
import { createTestApp, publishDkimCnames, TEST_SCOPE, TEST_ZONE, type TestApp } from '../../test/support/app-context.ts';
import { checkDomainNow, runDueDetectionChecks } from './run-detection-check.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyDomainIdentity } from './verify-domain-identity.ts';

const DOMAIN = 'example.com';

describe('DKIM detection over DNS (fake zone, test clock, real store)', () => {
  let app: TestApp;
  let tokens: string[];
  const identity = async () => (await app.store.getIdentities(TEST_SCOPE, [DOMAIN])).get(DOMAIN)!;
  /** Runs whatever is due now; returns how many domains were checked. */
  const tick = () => runDueDetectionChecks(app.detection, 10);
  /** Moves the clock in steps of `step`, running due checks at each, for `total` milliseconds. */
  async function runFor(total: number, step: number): Promise<number> {
    let checks = 0;
    for (let t = 0; t < total; t += step) {
      app.clock.advance(Math.min(step, total - t));
      checks += await tick();
    }
    return checks;
  }

  beforeEach(async () => {
    app = await createTestApp();
    tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, DOMAIN);
  });
  afterEach(() => app.close());

  it('Pending -> Success -> TemporaryFailure -> Failed, as SES reports it', async () => {
    // New tokens are due at once; nothing published yet: Pending (a definite absence, NXDOMAIN).
    assert.equal(await tick(), 1);
    assert.equal((await identity()).dkimStatus, 'Pending');
    assert.equal(await tick(), 0, 'not due again before its interval');
    const checks = await app.detectionStore.getRecordChecks(TEST_SCOPE, DOMAIN);
    assert.deepEqual(
      checks.map((c) => [c.type, c.verdict, c.observed]),
      [
        ...tokens.map(() => ['CNAME', 'missing', 'NXDOMAIN (ENOTFOUND)']),
        // The domain's verification TXT is looked for too until the domain is verified.
        ['TXT', 'not_found', 'NXDOMAIN'],
      ],
    );

    // The owner publishes the CNAMEs; the next check (a minute later) finds them.
    publishDkimCnames(app.dns, DOMAIN, tokens);
    app.clock.advance(MINUTE);
    assert.equal(await tick(), 1);
    const found = await identity();
    assert.equal(found.dkimStatus, 'Success');
    assert.equal(found.verificationStatus, 'Success', 'the CNAMEs verify the domain too');

    // Records vanish: the hourly re-check sees it and the grace period starts.
    for (const t of tokens) app.dns.remove(`${t}._domainkey.${DOMAIN}`);
    assert.equal(await runFor(HOUR, 15 * MINUTE), 1);
    assert.equal((await identity()).dkimStatus, 'TemporaryFailure');
    assert.equal((await identity()).verificationStatus, 'Success', 'a verified domain stays verified');

    // Still gone 72 hours later: Failed, and no more scheduled checks.
    // (Stepping an hour at a time: the status depends on the clock, not on how often it was checked.)
    assert.equal(await runFor(71 * HOUR, HOUR), 71);
    assert.equal((await identity()).dkimStatus, 'TemporaryFailure', 'not before the grace period ends');
    await runFor(HOUR, HOUR);
    assert.equal((await identity()).dkimStatus, 'Failed');
    assert.equal(await runFor(24 * HOUR, HOUR), 0, 'Failed is final for the schedule');
  });

  it('records that come back within the grace period make it Success again', async () => {
    publishDkimCnames(app.dns, DOMAIN, tokens);
    await tick();
    app.dns.remove(`${tokens[1]}._domainkey.${DOMAIN}`);
    await runFor(HOUR, 15 * MINUTE);
    assert.equal((await identity()).dkimStatus, 'TemporaryFailure');
    publishDkimCnames(app.dns, DOMAIN, tokens);
    await runFor(HOUR, 15 * MINUTE);
    assert.equal((await identity()).dkimStatus, 'Success');
  });

  it('records never published: Pending for 72 hours, then Failed, checked on the back-off schedule', async () => {
    await tick();
    // Once a minute in the first hour (DetectionPolicy.firstIntervalMs), then every 2 minutes.
    assert.equal(await runFor(HOUR, MINUTE), 60);
    assert.equal(await runFor(HOUR, MINUTE), 30);
    // Every 4 minutes in the third hour.
    assert.equal(await runFor(HOUR, 4 * MINUTE), 15);
    // From then on the interval is at most 15 minutes: an hour's step always finds it due.
    assert.equal(await runFor(68 * HOUR, HOUR), 68);
    assert.equal((await identity()).dkimStatus, 'Pending');
    await runFor(HOUR, HOUR);
    assert.equal((await identity()).dkimStatus, 'Failed');
    assert.equal((await identity()).verificationStatus, 'Failed');
  });

  it('a resolver that cannot answer (SERVFAIL, timeout) is TemporaryFailure, never a verdict', async () => {
    for (const [i, t] of tokens.entries()) app.dns.fail(`${t}._domainkey.${DOMAIN}`, i === 0 ? 'ESERVFAIL' : 'ETIMEOUT');
    await tick();
    assert.equal((await identity()).dkimStatus, 'TemporaryFailure');
    const checks = (await app.detectionStore.getRecordChecks(TEST_SCOPE, DOMAIN)).filter((c) => c.type === 'CNAME');
    assert.deepEqual(
      checks.map((c) => c.verdict),
      ['resolver_error', 'resolver_error', 'resolver_error'],
    );
    assert.deepEqual(checks.map((c) => c.observed).sort(), ['SERVFAIL (ESERVFAIL)', 'TIMEOUT (ETIMEOUT)', 'TIMEOUT (ETIMEOUT)']);
  });

  it('CNAMEs pointing elsewhere, or with the domain appended twice, are not found', async () => {
    app.dns.cname(`${tokens[0]}._domainkey.${DOMAIN}`, `${tokens[0]}.elsewhere.example`);
    app.dns.cname(`${tokens[1]}._domainkey.${DOMAIN}`, `${tokens[1]}.${TEST_ZONE}.${DOMAIN}`);
    app.dns.cname(`${tokens[2]}._domainkey.${DOMAIN}`, `${tokens[2]}.${TEST_ZONE}`);
    await tick();
    assert.equal((await identity()).dkimStatus, 'Pending');
    const verdicts = new Map((await app.detectionStore.getRecordChecks(TEST_SCOPE, DOMAIN)).map((c) => [c.name, c.verdict]));
    assert.equal(verdicts.get(`${tokens[0]}._domainkey.${DOMAIN}`), 'points_elsewhere');
    assert.equal(verdicts.get(`${tokens[1]}._domainkey.${DOMAIN}`), 'domain_appended_twice');
    assert.equal(verdicts.get(`${tokens[2]}._domainkey.${DOMAIN}`), 'ok');
  });

  it('names match case-insensitively and a trailing dot is no difference (RFC 4343)', async () => {
    for (const t of tokens) app.dns.cname(`${t.toUpperCase()}._DOMAINKEY.EXAMPLE.COM.`, `${t}.${TEST_ZONE.toUpperCase()}.`);
    await tick();
    assert.equal((await identity()).dkimStatus, 'Success');
  });

  it('the _amazonses TXT record verifies a domain without DKIM records, and is looked up only until then', async () => {
    const token = await verifyDomainIdentity(app.ctx, TEST_SCOPE, DOMAIN);
    app.dns.txt(`_amazonses.${DOMAIN}`, 'unrelated').txt(`_amazonses.${DOMAIN}`, token);
    await tick();
    const after_ = await identity();
    assert.equal(after_.verificationStatus, 'Success');
    assert.equal(after_.dkimStatus, 'Pending');
    const txtQueries = () => app.dns.queries.filter((q) => q === `TXT _amazonses.${DOMAIN}`).length;
    assert.equal(txtQueries(), 1);
    await runFor(10 * MINUTE, MINUTE);
    assert.equal(txtQueries(), 1, "a verified domain's TXT is not asked again");
  });

  it('checkDomainNow checks at once whatever the schedule, and answers not_found for unknown domains', async () => {
    await tick();
    publishDkimCnames(app.dns, DOMAIN, tokens);
    const result = await checkDomainNow(app.detection, TEST_SCOPE, DOMAIN);
    assert.equal(result.kind, 'checked');
    assert.equal((await identity()).dkimStatus, 'Success');
    assert.deepEqual(await checkDomainNow(app.detection, TEST_SCOPE, 'nobody.example'), { kind: 'not_found' });
  });
});
