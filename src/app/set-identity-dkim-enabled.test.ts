import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { setIdentityDkimEnabled } from './set-identity-dkim-enabled.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyDomainIdentity } from './verify-domain-identity.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

describe('SetIdentityDkimEnabled', () => {
  let app: TestApp;
  const enabled = async (name: string) => (await app.store.getIdentities(TEST_SCOPE, [name])).get(name)?.dkimEnabled;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it("switches a domain's signing off and on again", async () => {
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    assert.equal(await enabled('example.com'), true);
    await setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'Example.com', false);
    assert.equal(await enabled('example.com'), false);
    await setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'example.com', true);
    assert.equal(await enabled('example.com'), true);
  });

  it('an unknown identity is identity_not_found', async () => {
    await assert.rejects(setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'nobody.example', true), (err) => isDomainError(err) && err.code === 'identity_not_found');
  });

  it("enabling an address needs Easy DKIM on its domain (SES's rule); disabling does not", async () => {
    await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'example.com');
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'a@example.com');
    await assert.rejects(setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'a@example.com', true), (err) => isDomainError(err) && err.code === 'dkim_not_set_up');
    assert.equal(await enabled('a@example.com'), false);
    await setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'a@example.com', false);
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    await setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'a@example.com', true);
    assert.equal(await enabled('a@example.com'), true);
  });

  it('a domain without tokens may be switched (the flag waits for VerifyDomainDkim)', async () => {
    await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'example.com');
    await setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'example.com', false);
    assert.equal(await enabled('example.com'), false);
  });
});
