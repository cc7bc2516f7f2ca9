import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EmailIdentityStore } from '../src/app/email-identity-ports.ts';
import type { Store } from '../src/app/ports.ts';
import type { Scope } from '../src/core/index.ts';

export interface EmailIdentityHandles {
  readonly store: Store;
  readonly identities: EmailIdentityStore;
  close(): Promise<void>;
}

/**
 * The contract of the SES v2 identity store (tags and configuration set per identity, key facts,
 * detection results): every engine runs it unchanged, each with a fresh migrated database per test.
 */
export function runEmailIdentityStoreContract(backend: string, open: () => Promise<EmailIdentityHandles>): void {
  describe(`EmailIdentityStore contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    const B: Scope = { accountId: '222222222222', region: 'us-east-1' };
    const A_WEST: Scope = { accountId: '111111111111', region: 'us-west-2' };
    let h: EmailIdentityHandles;
    let seq = 0;
    const keys = (n: number, bits = 1024) =>
      Array.from({ length: n }, () => ({ bits, publicKey: `pub-${++seq}`, sealedPrivateKey: `sealed-${seq}`, createdAt: seq }));

    before(async () => {
      h = await open();
    });
    beforeEach(async () => {
      await h.close();
      h = await open();
    });
    after(async () => h.close());

    it('keeps tags and the configuration set per identity, replaced whole, per account and region', async () => {
      await h.store.ensureEmailIdentity(A, 'a@example.com', 1);
      await h.store.ensureEmailIdentity(B, 'a@example.com', 1);
      const tags = [{ key: 'env', value: 'prod' }, { key: 'empty', value: '' }, { key: 'ünï', value: 'cödé "quoted"' }];
      assert.equal(await h.identities.putDetails(A, 'a@example.com', { tags, configurationSetName: 'cs-1' }), true);
      assert.deepEqual((await h.identities.describe(A, 'a@example.com')).details, { tags, configurationSetName: 'cs-1' });
      assert.deepEqual((await h.identities.describe(B, 'a@example.com')).details, { tags: [], configurationSetName: null }, 'another account sees nothing');
      assert.deepEqual((await h.identities.describe(A_WEST, 'a@example.com')).details, { tags: [], configurationSetName: null }, 'another region sees nothing');
      assert.equal(await h.identities.putDetails(A, 'a@example.com', { tags: [], configurationSetName: null }), true);
      assert.deepEqual((await h.identities.describe(A, 'a@example.com')).details, { tags: [], configurationSetName: null });
      assert.equal(await h.identities.putDetails(A, 'nobody@example.com', { tags, configurationSetName: null }), false, 'no identity, nothing kept');
    });

    it('forgets the details with the identity (v1 DeleteIdentity too), so a new one starts clean', async () => {
      await h.store.ensureDomainIdentity(A, 'gone.example', 'vt', 1);
      await h.identities.putDetails(A, 'gone.example', { tags: [{ key: 'k', value: 'v' }], configurationSetName: 'cs' });
      assert.equal(await h.store.deleteIdentity(A, 'gone.example'), true);
      await h.store.ensureDomainIdentity(A, 'gone.example', 'vt2', 2);
      assert.deepEqual((await h.identities.describe(A, 'gone.example')).details, { tags: [], configurationSetName: null });
    });

    it("reports a domain's key size and when its keys were made, and nothing without keys", async () => {
      assert.equal(await h.identities.domainKeys(A, 'keys.example'), null);
      await h.store.addPoolKeys(keys(3, 2048));
      const result = await h.store.createDomainDkim(A, { domain: 'keys.example', tokens: ['t'.repeat(32), 'u'.repeat(32), 'v'.repeat(32)], verificationToken: 'vt', keyBits: 2048, now: 1_700_000_000_123 });
      assert.equal(result.kind, 'created');
      const tokens = ['t'.repeat(32), 'u'.repeat(32), 'v'.repeat(32)];
      assert.deepEqual(await h.identities.domainKeys(A, 'keys.example'), { tokens, currentBits: 2048, lastGeneratedAt: 1_700_000_000_123 });
      assert.deepEqual((await h.identities.domainKeys(A, 'keys.example'))!.tokens, (await h.store.getDkimTokens(A, ['keys.example'])).get('keys.example'), 'the same tokens as the Store gives');
      assert.equal(await h.identities.domainKeys(B, 'keys.example'), null);
    });

    it('reports no detection results before the first check', async () => {
      await h.store.ensureDomainIdentity(A, 'fresh.example', 'vt', 1);
      assert.deepEqual(await h.identities.describe(A, 'fresh.example'), { details: { tags: [], configurationSetName: null }, lastCheckedAt: null, lastFoundAt: null, records: [] });
      assert.deepEqual(await h.identities.describe(A, 'nobody.example'), { details: { tags: [], configurationSetName: null }, lastCheckedAt: null, lastFoundAt: null, records: [] });
    });
  });
}
