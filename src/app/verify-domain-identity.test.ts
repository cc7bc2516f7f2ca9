import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyDomainIdentity } from './verify-domain-identity.ts';

describe('VerifyDomainIdentity', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it('adds the domain as Pending and answers a base64 token of 32 random bytes', async () => {
    const token = await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'Example.com');
    assert.match(token, /^[A-Za-z0-9+/]{43}=$/);
    const identity = (await app.store.getIdentities(TEST_SCOPE, ['example.com'])).get('example.com');
    assert.equal(identity?.verificationStatus, 'Pending');
    assert.equal(identity?.verificationToken, token);
  });

  it('answers the same token when asked again (the TXT record must not change under the owner)', async () => {
    const first = await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'example.com');
    assert.equal(await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'example.com'), first);
  });

  it('answers the token VerifyDomainDkim gave the domain when that call created it', async () => {
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    const stored = (await app.store.getIdentities(TEST_SCOPE, ['example.com'])).get('example.com')!.verificationToken;
    assert.ok(stored);
    assert.equal(await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'example.com'), stored);
  });

  it('gives different domains different tokens (from the Random port)', async () => {
    const a = await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'a.example');
    const b = await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'b.example');
    assert.notEqual(a, b);
  });

  it('rejects an address where a domain is expected', async () => {
    await assert.rejects(verifyDomainIdentity(app.ctx, TEST_SCOPE, 'user@example.com'), (err) => isDomainError(err) && err.code === 'invalid_domain');
  });
});
