import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ExternalDkimStore } from '../src/app/external-dkim-ports.ts';
import type { Store } from '../src/app/ports.ts';
import type { Scope } from '../src/core/index.ts';

export interface ExternalDkimHandles {
  readonly store: Store;
  readonly external: ExternalDkimStore;
  close(): Promise<void>;
}

/** The contract of ExternalDkimStore (BYODKIM, issue 16 item 4): every backend passes it unchanged. */
export function runExternalDkimStoreContract(backend: string, open: () => Promise<ExternalDkimHandles>): void {
  describe(`External DKIM store contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    const B: Scope = { accountId: '222222222222', region: 'us-east-1' };
    const key = (n: number) => ({ selector: `sel${n}`, publicKey: `pub-${n}`, sealedPrivateKey: `sealed-${n}`, bits: 2048 });
    let h: ExternalDkimHandles;

    beforeEach(async () => {
      h = await open();
      await h.store.ensureDomainIdentity(A, 'byod.example', 'vt', 0);
    });
    afterEach(async () => {
      await h.close();
    });

    it('stores a key as Pending and chosen; another account or an unknown domain sees nothing', async () => {
      assert.equal(await h.external.chosenMethod(A, 'byod.example'), 'AWS_SES');
      assert.equal(await h.external.putExternalKey(A, 'byod.example', key(1), 10), true);
      assert.equal(await h.external.putExternalKey(A, 'nope.example', key(2), 10), false);
      const stored = await h.external.externalKeyOf(A, 'byod.example');
      assert.ok(stored);
      assert.deepEqual(
        { ...stored, identityId: 0 },
        {
          identityId: 0,
          scope: A,
          domain: 'byod.example',
          selector: 'sel1',
          publicKey: 'pub-1',
          sealedPrivateKey: 'sealed-1',
          bits: 2048,
          status: 'Pending',
          verdict: null,
          observed: null,
          createdAt: 10,
          checkedAt: null,
          unverifiedSince: 10,
        },
      );
      assert.equal(await h.external.chosenMethod(A, 'byod.example'), 'EXTERNAL');
      assert.equal(await h.external.externalKeyOf(B, 'byod.example'), null);
      assert.equal(await h.external.chosenMethod(B, 'byod.example'), 'AWS_SES');
    });

    it('records checks bound to the key checked; a replaced key starts Pending again', async () => {
      await h.external.putExternalKey(A, 'byod.example', key(1), 10);
      const first = await h.external.externalKeyOf(A, 'byod.example');
      assert.ok(first);
      assert.equal(
        await h.external.recordExternalCheck(
          first.identityId,
          'pub-1',
          { status: 'Pending', verdict: 'missing', observed: 'NXDOMAIN', unverifiedSince: 10 },
          20,
        ),
        true,
      );
      let now = await h.external.externalKeyOf(A, 'byod.example');
      assert.deepEqual([now?.status, now?.verdict, now?.observed, now?.checkedAt, now?.unverifiedSince], ['Pending', 'missing', 'NXDOMAIN', 20, 10]);
      assert.equal(
        await h.external.recordExternalCheck(first.identityId, 'pub-1', { status: 'Success', verdict: 'ok', observed: 'p=pub-1', unverifiedSince: null }, 30),
        true,
      );
      now = await h.external.externalKeyOf(A, 'byod.example');
      assert.deepEqual([now?.status, now?.unverifiedSince], ['Success', null]);
      // A new key (rotation by the customer) replaces the row; a late check of the old key is dropped.
      await h.external.putExternalKey(A, 'byod.example', key(2), 40);
      assert.equal(
        await h.external.recordExternalCheck(first.identityId, 'pub-1', { status: 'Success', verdict: 'ok', observed: 'p=pub-1', unverifiedSince: null }, 50),
        false,
      );
      now = await h.external.externalKeyOf(A, 'byod.example');
      assert.deepEqual([now?.selector, now?.status, now?.verdict, now?.checkedAt, now?.unverifiedSince], ['sel2', 'Pending', null, null, 40]);
    });

    it('switching back to AWS_SES keeps the key; choosing EXTERNAL again needs no new key', async () => {
      await h.external.putExternalKey(A, 'byod.example', key(1), 10);
      await h.external.chooseMethod(A, 'byod.example', 'AWS_SES');
      assert.equal(await h.external.chosenMethod(A, 'byod.example'), 'AWS_SES');
      assert.equal((await h.external.externalKeyOf(A, 'byod.example'))?.selector, 'sel1');
      await h.external.chooseMethod(A, 'byod.example', 'EXTERNAL');
      assert.equal(await h.external.chosenMethod(A, 'byod.example'), 'EXTERNAL');
    });

    it('lists keys neither Success nor Failed and not checked since a time, oldest check first', async () => {
      await h.store.ensureDomainIdentity(A, 'two.example', 'vt', 0);
      await h.store.ensureDomainIdentity(A, 'three.example', 'vt', 0);
      await h.external.putExternalKey(A, 'byod.example', key(1), 10);
      await h.external.putExternalKey(A, 'two.example', key(2), 10);
      await h.external.putExternalKey(A, 'three.example', key(3), 10);
      const [one, two] = await Promise.all([h.external.externalKeyOf(A, 'byod.example'), h.external.externalKeyOf(A, 'two.example')]);
      await h.external.recordExternalCheck(one!.identityId, 'pub-1', { status: 'Success', verdict: 'ok', observed: '', unverifiedSince: null }, 20);
      await h.external.recordExternalCheck(two!.identityId, 'pub-2', { status: 'Pending', verdict: 'another_key', observed: '', unverifiedSince: 10 }, 25);
      assert.deepEqual((await h.external.pendingExternalKeys(30, 10)).map((k) => k.domain).sort(), ['three.example', 'two.example']);
      assert.deepEqual(
        (await h.external.pendingExternalKeys(25, 10)).map((k) => k.domain),
        ['three.example'],
      );
      assert.equal((await h.external.pendingExternalKeys(30, 1)).length, 1);
      // Failed (72 hours without the key served right) is final for the schedule.
      await h.external.recordExternalCheck(two!.identityId, 'pub-2', { status: 'Failed', verdict: 'missing', observed: '', unverifiedSince: 10 }, 26);
      assert.deepEqual(
        (await h.external.pendingExternalKeys(30, 10)).map((k) => k.domain),
        ['three.example'],
      );
    });

    it('deleting the identity deletes its external key', async () => {
      await h.external.putExternalKey(A, 'byod.example', key(1), 10);
      assert.equal(await h.store.deleteIdentity(A, 'byod.example'), true);
      assert.equal(await h.external.externalKeyOf(A, 'byod.example'), null);
      assert.deepEqual(await h.external.pendingExternalKeys(100, 10), []);
    });
  });
}
