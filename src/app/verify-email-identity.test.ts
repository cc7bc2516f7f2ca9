import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

describe('VerifyEmailIdentity', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it('adds the address, its domain lower-cased and the local part kept, as Pending', async () => {
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'Jane.Doe@EXAMPLE.com');
    const found = await app.store.getIdentities(TEST_SCOPE, ['Jane.Doe@example.com']);
    const identity = found.get('Jane.Doe@example.com');
    assert.equal(identity?.kind, 'EmailAddress');
    assert.equal(identity?.verificationStatus, 'Pending');
    assert.equal(identity?.verificationToken, null);
  });

  it('is idempotent: a second call keeps one identity with its first creation time', async () => {
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'a@example.com');
    const created = app.clock.now();
    app.clock.advance(5000);
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'a@example.com');
    const page = await app.store.listIdentities(TEST_SCOPE, { kind: null, after: 0, limit: 10 });
    assert.deepEqual(page.names, ['a@example.com']);
    assert.equal((await app.store.getIdentities(TEST_SCOPE, ['a@example.com'])).get('a@example.com')?.createdAt, created);
  });

  for (const bad of ['no-at-sign', 'a@', '@example.com', 'a@b@example.com']) {
    it(`rejects ${JSON.stringify(bad)} with invalid_email`, async () => {
      await assert.rejects(verifyEmailIdentity(app.ctx, TEST_SCOPE, bad), (err) => isDomainError(err) && err.code === 'invalid_email');
      assert.equal((await app.store.listIdentities(TEST_SCOPE, { kind: null, after: 0, limit: 10 })).names.length, 0);
    });
  }
});
