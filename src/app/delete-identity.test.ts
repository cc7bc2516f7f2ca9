import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { deleteIdentity } from './delete-identity.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

describe('DeleteIdentity', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it('removes a domain and its keys from the store and the key zone, and tells the zone listener first', async () => {
    const tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    const seqBefore = await app.dnsKeys.keyZoneSeq();
    let toldWithKeysGone: boolean | null = null;
    app.zoneChanges.subscribe({
      keyZoneChanged: async () => {
        toldWithKeysGone = (await app.dnsKeys.findKey(tokens[0]!)) === null;
      },
    });
    await deleteIdentity(app.ctx, TEST_SCOPE, 'example.com');
    assert.equal(toldWithKeysGone, true, 'the listener heard of it after the keys were deleted, before the answer');
    assert.equal((await app.store.getIdentities(TEST_SCOPE, ['example.com'])).size, 0);
    assert.deepEqual(await app.store.getDkimKeys(TEST_SCOPE, 'example.com'), []);
    for (const t of tokens) assert.equal(await app.dnsKeys.findKey(t), null);
    assert.ok((await app.dnsKeys.keyZoneSeq()) > seqBefore, 'the change feed moved');
  });

  it('removes an address identity, leaving its domain alone', async () => {
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    await verifyEmailIdentity(app.ctx, TEST_SCOPE, 'a@example.com');
    await deleteIdentity(app.ctx, TEST_SCOPE, 'a@example.com');
    const left = await app.store.getIdentities(TEST_SCOPE, ['a@example.com', 'example.com']);
    assert.deepEqual([...left.keys()], ['example.com']);
    assert.equal((await app.store.getDkimKeys(TEST_SCOPE, 'example.com')).length, 3);
  });

  it('an unknown identity is not an error, and the zone listener is not bothered', async () => {
    let told = 0;
    app.zoneChanges.subscribe({ keyZoneChanged: async () => void told++ });
    await deleteIdentity(app.ctx, TEST_SCOPE, 'nobody.example');
    assert.equal(told, 0);
  });

  it("does not delete another account's identity of the same name", async () => {
    const other = { accountId: '333333333333', region: 'us-east-1' };
    await verifyDomainDkim(app.ctx, other, 'example.com');
    await deleteIdentity(app.ctx, TEST_SCOPE, 'example.com');
    assert.equal((await app.store.getDkimKeys(other, 'example.com')).length, 3);
  });

  it('rejects a malformed name', async () => {
    await assert.rejects(deleteIdentity(app.ctx, TEST_SCOPE, 'bad name'), (err) => isDomainError(err) && err.code === 'invalid_identity');
  });
});
