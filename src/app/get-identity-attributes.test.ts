import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { getIdentityDkimAttributes } from './get-identity-dkim-attributes.ts';
import { getIdentityMailFromDomainAttributes } from './get-identity-mail-from-domain-attributes.ts';
import { getIdentityVerificationAttributes } from './get-identity-verification-attributes.ts';
import { setIdentityDkimEnabled } from './set-identity-dkim-enabled.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyDomainIdentity } from './verify-domain-identity.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

/** GetIdentityDkimAttributes, GetIdentityVerificationAttributes, GetIdentityMailFromDomainAttributes. */
describe('the Get*Attributes use cases', () => {
  let app: TestApp;
  let tokens: string[];
  let txtToken: string;
  before(async () => {
    app = await createTestApp();
    tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'dkim.example');
    txtToken = await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'plain.example');
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'user@dkim.example');
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'user@plain.example');
  });
  after(() => app.close());

  describe('GetIdentityDkimAttributes', () => {
    it('a domain with DKIM: enabled, Pending, its three tokens', async () => {
      const out = await getIdentityDkimAttributes(app.ctx, TEST_SCOPE, ['dkim.example']);
      assert.deepEqual(out.get('dkim.example'), { dkimEnabled: true, status: 'Pending', tokens });
    });

    it('a domain without DKIM: NotStarted, no tokens', async () => {
      const out = await getIdentityDkimAttributes(app.ctx, TEST_SCOPE, ['plain.example']);
      assert.deepEqual(out.get('plain.example'), { dkimEnabled: false, status: 'NotStarted', tokens: null });
    });

    it("an address reports its domain's tokens and status once DKIM is enabled for it", async () => {
      const before_ = await getIdentityDkimAttributes(app.ctx, TEST_SCOPE, ['user@dkim.example']);
      assert.deepEqual(before_.get('user@dkim.example'), { dkimEnabled: false, status: 'NotStarted', tokens: null });
      await setIdentityDkimEnabled(app.ctx, TEST_SCOPE, 'user@dkim.example', true);
      const after_ = await getIdentityDkimAttributes(app.ctx, TEST_SCOPE, ['user@dkim.example']);
      assert.deepEqual(after_.get('user@dkim.example'), { dkimEnabled: true, status: 'Pending', tokens });
    });

    it('keys results by the name as written and leaves unknown identities out', async () => {
      const out = await getIdentityDkimAttributes(app.ctx, TEST_SCOPE, ['DKIM.Example', 'unknown.example']);
      assert.deepEqual([...out.keys()], ['DKIM.Example']);
    });

    it('refuses more than 100 identities and any malformed one', async () => {
      const many = Array.from({ length: 101 }, (_, i) => `d${i}.example`);
      await assert.rejects(getIdentityDkimAttributes(app.ctx, TEST_SCOPE, many), (err) => isDomainError(err) && err.code === 'too_many_identities');
      await assert.rejects(
        getIdentityDkimAttributes(app.ctx, TEST_SCOPE, ['ok.example', 'bad name']),
        (err) => isDomainError(err) && err.code === 'invalid_identity',
      );
    });
  });

  describe('GetIdentityVerificationAttributes', () => {
    it('domains carry their TXT token, addresses none; unknown ones are left out', async () => {
      const out = await getIdentityVerificationAttributes(app.ctx, TEST_SCOPE, ['plain.example', 'user@plain.example', 'nobody.example']);
      assert.deepEqual(Object.fromEntries(out), {
        'plain.example': { status: 'Pending', token: txtToken },
        'user@plain.example': { status: 'Pending', token: null },
      });
    });

    it('another region of the same account sees none of them', async () => {
      const out = await getIdentityVerificationAttributes(app.ctx, { ...TEST_SCOPE, region: 'eu-west-1' }, ['plain.example']);
      assert.equal(out.size, 0);
    });
  });

  describe('GetIdentityMailFromDomainAttributes', () => {
    it("every known identity reports SES's default (no custom MAIL FROM); unknown ones are left out", async () => {
      const out = await getIdentityMailFromDomainAttributes(app.ctx, TEST_SCOPE, ['plain.example', 'user@dkim.example', 'nobody.example']);
      const none = { behaviorOnMxFailure: 'UseDefaultValue', mailFromDomain: null, mailFromDomainStatus: null };
      assert.deepEqual(Object.fromEntries(out), { 'plain.example': none, 'user@dkim.example': none });
    });
  });
});
