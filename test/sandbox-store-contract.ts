import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { simulatedOutcomes, type Scope } from '../src/core/index.ts';
import type { NewOutboxMessage } from '../src/app/send-ports.ts';
import type { Storage } from '../src/storage/storage.ts';

/**
 * What SES's sandbox and mailbox simulator keep in the store (issue 13), run against every engine
 * with a fresh, empty, migrated storage: accounts' production access, addresses verified at once
 * (dev's --auto-verify), and the simulator's outcomes on outbox messages, which the daily quota leaves out.
 */
export function runSandboxStoreContract(backend: string, openStorage: () => Promise<Storage>): void {
  describe(`Sandbox store contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    let storage: Storage;
    beforeEach(async () => {
      storage = await openStorage();
    });
    afterEach(() => storage.close());

    it('keeps production access per account: given at creation, changed, reported; unknown accounts are null', async () => {
      assert.equal(await storage.accounts.createAccount('111111111111', 1, false), true);
      assert.equal(await storage.accounts.createAccount('222222222222', 2, true), true);
      assert.equal(await storage.accounts.createAccount('111111111111', 3, true), false, 'an existing account is left as it is');
      assert.equal(await storage.accounts.getProductionAccess('111111111111'), false);
      assert.equal(await storage.accounts.getProductionAccess('222222222222'), true);
      assert.equal(await storage.accounts.getProductionAccess('333333333333'), null);
      assert.equal(await storage.accounts.setProductionAccess('111111111111', true), true);
      assert.equal(await storage.accounts.setProductionAccess('333333333333', true), false);
      assert.equal(await storage.accounts.getProductionAccess('111111111111'), true);
      assert.deepEqual(
        (await storage.accounts.listAccounts()).map((a) => [a.accountId, a.productionAccess]),
        [
          ['111111111111', true],
          ['222222222222', true],
        ],
      );
      assert.equal(await storage.accounts.setProductionAccess('222222222222', false), true);
      assert.equal(await storage.accounts.getProductionAccess('222222222222'), false);
    });

    it('adds an address verified at once, and verifies one that was pending, in its own scope only', async () => {
      const created = await storage.store.ensureVerifiedEmailIdentity(A, 'new@example.com', 10);
      assert.equal(created.verificationStatus, 'Success');
      await storage.store.ensureEmailIdentity(A, 'pending@example.com', 11);
      assert.equal((await storage.store.ensureVerifiedEmailIdentity(A, 'pending@example.com', 12)).verificationStatus, 'Success');
      const other = { ...A, region: 'eu-west-1' };
      assert.equal((await storage.store.getIdentities(other, ['pending@example.com'])).size, 0);
    });

    it("keeps the simulator's outcomes on a message and leaves those recipients out of the daily count", async () => {
      const recipients = ['a@dest.example', 'bounce@simulator.amazonses.com', 'success+x@simulator.amazonses.com'];
      const message: NewOutboxMessage = {
        messageId: 'm1',
        scope: A,
        kind: 'email',
        source: 's@example.com',
        envelopeFrom: 's@example.com',
        recipients,
        simulated: simulatedOutcomes(recipients),
        subject: 'x',
        simple: null,
        tags: [],
        raw: Buffer.from('x'),
        signature: null,
        unsignedReason: null,
        delivery: 'none',
        createdAt: 100,
      };
      await storage.outbox.add(message);
      await storage.outbox.add({ ...message, messageId: 'm2', recipients: ['b@dest.example'], simulated: [] });
      const kept = await storage.outbox.get('m1');
      assert.deepEqual(kept?.simulated, simulatedOutcomes(recipients));
      assert.deepEqual((await storage.outbox.get('m2'))?.simulated, []);
      assert.equal(await storage.outbox.countRecipientsSince(A, 0), 2);
    });

    it('expires a Pending address once every link it was sent has ended, in its own scope, and nothing else', async () => {
      const B: Scope = { ...A, region: 'eu-west-1' };
      const status = async (scope: Scope, address: string) => (await storage.store.getIdentities(scope, [address])).get(address)?.verificationStatus;
      for (const address of ['two-links@example.com', 'one-link@example.com', 'no-link@example.com']) await storage.store.ensureEmailIdentity(A, address, 1);
      await storage.store.ensureEmailIdentity(B, 'one-link@example.com', 1);
      await storage.store.ensureVerifiedEmailIdentity(A, 'verified@example.com', 1);
      await storage.verifications.addToken(A, 'two-links@example.com', 'h1', 100, 1);
      await storage.verifications.addToken(A, 'two-links@example.com', 'h2', 200, 2);
      await storage.verifications.addToken(A, 'one-link@example.com', 'h3', 100, 1);
      await storage.verifications.addToken(B, 'one-link@example.com', 'h4', 300, 1);
      await storage.verifications.addToken(A, 'verified@example.com', 'h5', 100, 1);
      // A link still works at its expiry instant.
      assert.equal(await storage.verifications.expire(100), 0);
      assert.equal(await storage.verifications.expire(101), 1);
      assert.equal(await status(A, 'one-link@example.com'), 'Failed');
      assert.equal(await status(A, 'two-links@example.com'), 'Pending', 'its second link still works');
      assert.equal(await status(B, 'one-link@example.com'), 'Pending', "another region's link still works");
      assert.equal(await status(A, 'no-link@example.com'), 'Pending', 'never sent a link: nothing to expire');
      assert.equal(await status(A, 'verified@example.com'), 'Success');
      assert.equal(await storage.verifications.expire(201), 1);
      assert.equal(await status(A, 'two-links@example.com'), 'Failed');
      assert.equal(await storage.verifications.expire(301), 1);
      assert.equal(await status(B, 'one-link@example.com'), 'Failed');
      assert.equal(await storage.verifications.expire(1000), 0, 'a Failed address is not counted again');
    });
  });
}
