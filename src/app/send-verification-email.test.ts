import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HOUR } from '../../test/support/clock.ts';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { getSendQuota } from './get-send-quota.ts';
import { confirmEmailVerification, sendVerificationEmail, verificationTokenHash } from './send-verification-email.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

describe('address verification mail and its link', () => {
  let app: TestApp;
  const status = async (address: string) => (await app.store.getIdentities(TEST_SCOPE, [address])).get(address)?.verificationStatus;
  /** Sends the mail and returns the link's token, read from the message as the recipient would. */
  async function mailToken(address: string): Promise<string> {
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, address);
    const id = await sendVerificationEmail(app.ctx, TEST_SCOPE, address);
    assert.ok(id);
    const kept = (await app.outbox.get(id))!;
    const link = /http:\/\/127\.0\.0\.1:8580\/_signet\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(kept.simple!.text!);
    assert.ok(link, kept.simple!.text!);
    return link[1]!;
  }

  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it("sends a platform mail to the address with a link, keeps only the token's hash, and counts it in the quota", async () => {
    const token = await mailToken('user@example.com');
    const [kept] = await app.outbox.list({});
    assert.equal(kept!.kind, 'verification');
    assert.deepEqual(kept!.recipients, ['user@example.com']);
    assert.equal(kept!.signature, null);
    assert.match(kept!.subject, /in region us-east-1$/);
    assert.match(kept!.simple!.text!, /expires 24 hours after/);
    // The stored row has the hash, never the token (a copy of the database cannot verify addresses).
    // It counts against the sending quota like any message (issue 14: no unmetered sending).
    assert.equal((await getSendQuota(app.ctx, TEST_SCOPE)).sentLast24Hours, 1);
    // Stored is the token's hash: the token itself looked up as a hash finds nothing, its hash does.
    assert.equal(await app.verifications.useToken(token, app.clock.now()), null);
    assert.equal((await app.verifications.useToken(verificationTokenHash(token), app.clock.now()))?.address, 'user@example.com');
  });

  it('following the link within 24 hours makes the address Success', async () => {
    const token = await mailToken('user@example.com');
    app.clock.advance(24 * HOUR);
    assert.deepEqual(await confirmEmailVerification(app.ctx, token), { address: 'user@example.com', status: 'Success' });
    assert.equal(await status('user@example.com'), 'Success');
    // Nothing more is sent to an address already verified.
    assert.equal(await sendVerificationEmail(app.ctx, TEST_SCOPE, 'user@example.com'), null);
  });

  it('a link followed after 24 hours makes the address Failed', async () => {
    const token = await mailToken('late@example.com');
    app.clock.advance(24 * HOUR + 1);
    assert.deepEqual(await confirmEmailVerification(app.ctx, token), { address: 'late@example.com', status: 'Failed' });
    assert.equal(await status('late@example.com'), 'Failed');
  });

  it('a Pending address whose only link expired turns Failed at the housekeeping, not before', async () => {
    await mailToken('idle@example.com');
    app.clock.advance(24 * HOUR);
    assert.equal(await app.verifications.expire(app.clock.now()), 0);
    assert.equal(await status('idle@example.com'), 'Pending');
    app.clock.advance(1);
    assert.equal(await app.verifications.expire(app.clock.now()), 1);
    assert.equal(await status('idle@example.com'), 'Failed');
  });

  it('unknown or malformed tokens verify nothing', async () => {
    await mailToken('user@example.com');
    assert.equal(await confirmEmailVerification(app.ctx, 'A'.repeat(43)), null);
    assert.equal(await confirmEmailVerification(app.ctx, 'short'), null);
    assert.equal(await confirmEmailVerification(app.ctx, `${'A'.repeat(30)}/../x`), null);
    assert.equal(await status('user@example.com'), 'Pending');
  });

  it('without sending configured nothing is sent', async () => {
    await app.close();
    app = await createTestApp({ send: false });
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'user@example.com');
    assert.equal(await sendVerificationEmail(app.ctx, TEST_SCOPE, 'user@example.com'), null);
  });
});
