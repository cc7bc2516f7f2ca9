import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { simulatedOutcomes, type Scope } from '../src/core/index.ts';
import type { Storage } from '../src/storage/storage.ts';
import { newOutboxMessage } from './helpers/new-outbox-message.ts';

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
      const message = newOutboxMessage(A, { messageId: 'm1', recipients, simulated: simulatedOutcomes(recipients), createdAt: 100 });
      await storage.outbox.add(message);
      await storage.outbox.add({ ...message, messageId: 'm2', recipients: ['b@dest.example'], simulated: [] });
      const kept = await storage.outbox.get('m1');
      assert.deepEqual(kept?.simulated, simulatedOutcomes(recipients));
      assert.deepEqual((await storage.outbox.get('m2'))?.simulated, []);
      assert.equal(await storage.outbox.countRecipientsSince(A, 0), 2);
    });

    it("counts a scope's recipients after any instant as the sum over its messages, minute edges and purges included", async () => {
      const MINUTE = 60_000;
      const B: Scope = { ...A, region: 'eu-west-1' };
      const base = newOutboxMessage(A, { messageId: '', recipients: [] });
      // Messages on both sides of minute edges, several in one minute, one with a simulator recipient
      // (not counted), one in another region; the expected sum is computed from the messages themselves.
      const sent: { scope: Scope; createdAt: number; counted: number }[] = [];
      const times = [1, MINUTE - 1, MINUTE, MINUTE + 1, MINUTE + 30_000, 2 * MINUTE - 1, 5 * MINUTE + 7, 5 * MINUTE + 8, 61 * MINUTE];
      for (const [i, createdAt] of times.entries()) {
        const recipients = Array.from({ length: (i % 3) + 1 }, (_, r) => `r${r}@dest.example`);
        const scope = i === 4 ? B : A;
        const withSimulated = i === 2 ? [...recipients, 'success@simulator.amazonses.com'] : recipients;
        await storage.outbox.add({ ...base, messageId: `q${i}`, scope, createdAt, recipients: withSimulated, simulated: simulatedOutcomes(withSimulated) });
        sent.push({ scope, createdAt, counted: recipients.length });
      }
      const expected = (scope: Scope, since: number) =>
        sent.filter((m) => m.scope.region === scope.region && m.createdAt > since).reduce((sum, m) => sum + m.counted, 0);
      for (const since of [
        -1,
        0,
        1,
        2,
        MINUTE - 2,
        MINUTE - 1,
        MINUTE,
        MINUTE + 1,
        90_000,
        2 * MINUTE - 1,
        2 * MINUTE,
        5 * MINUTE + 7,
        61 * MINUTE - 1,
        61 * MINUTE,
      ]) {
        assert.equal(await storage.outbox.countRecipientsSince(A, since), expected(A, since), `since ${since}`);
        assert.equal(await storage.outbox.countRecipientsSince(B, since), expected(B, since), `since ${since}, the other region`);
      }
      assert.equal(expected(A, 0) > 0 && expected(B, 0) > 0, true);
      // A message still waiting for the relay is kept whatever its age; the others past the retention go.
      await storage.outbox.add({ ...base, messageId: 'waiting', recipients: ['w@dest.example'], createdAt: 3 * MINUTE, delivery: 'pending' });
      sent.push({ scope: A, createdAt: 3 * MINUTE, counted: 1 });
      assert.equal(await storage.outbox.purge(5 * MINUTE), 6);
      assert.equal((await storage.outbox.get('waiting'))?.messageId, 'waiting');
      assert.equal(await storage.outbox.get('q5'), null);
      assert.equal((await storage.outbox.get('q6'))?.messageId, 'q6');
      // The counts of the minutes after the one `since` falls in outlive their messages (kept two weeks,
      // whatever the retention): the quota's 24 hours stay whole (but for the first minute's messages).
      assert.equal(await storage.outbox.countRecipientsSince(A, MINUTE - 1), expected(A, MINUTE - 1));
      assert.equal(await storage.outbox.purge(5 * MINUTE + 86_400_000), 3, 'the rest, the waiting message kept');
      assert.equal(await storage.outbox.countRecipientsSince(A, MINUTE - 1), expected(A, MINUTE - 1));
      await storage.outbox.purgeCounts(4 * MINUTE);
      assert.equal(await storage.outbox.countRecipientsSince(A, 0), expected(A, 4 * MINUTE - 1), 'the counts of minutes 0 to 3 are gone');
      assert.equal(await storage.outbox.countRecipientsSince(B, 0), 0);
    });

    it("counts GetSendStatistics' intervals from the messages: attempts, the relay's failures, verification mail left out", async () => {
      const MINUTE = 60_000;
      const QUARTER = 15 * MINUTE;
      const base = newOutboxMessage(A, { messageId: '', recipients: ['a@dest.example', 'b@dest.example'], delivery: 'pending' });
      const at = (quarter: number, minute: number) => 100 * QUARTER + quarter * QUARTER + minute * MINUTE + 1234;
      await storage.outbox.add({ ...base, messageId: 'e1', createdAt: at(0, 0) });
      await storage.outbox.add({ ...base, messageId: 'e2', kind: 'raw', createdAt: at(0, 14), recipients: ['c@dest.example'] });
      // Verification mail alone in its interval: no data point; beside others: not counted.
      await storage.outbox.add({ ...base, messageId: 'v1', kind: 'verification', createdAt: at(1, 3) });
      await storage.outbox.add({ ...base, messageId: 'v2', kind: 'verification', createdAt: at(2, 3) });
      await storage.outbox.add({ ...base, messageId: 'e3', createdAt: at(2, 4) });
      // Only to the mailbox simulator: an interval with no attempt.
      const simulator = ['success@simulator.amazonses.com'];
      await storage.outbox.add({
        ...base,
        messageId: 's1',
        createdAt: at(3, 0),
        recipients: simulator,
        simulated: simulatedOutcomes(simulator),
        delivery: 'none',
      });
      // Another region's message is not this scope's.
      await storage.outbox.add({ ...base, messageId: 'x1', scope: { ...A, region: 'eu-west-1' }, createdAt: at(0, 1) });
      // The relay: one retry then given up (its recipients are bounces), one given up at once, a
      // verification mail given up (not counted), and a later failure report on a failed message (counted once).
      await storage.outbox.markAttemptFailed('e1', '451 later', at(0, 5));
      await storage.outbox.markAttemptFailed('e1', '550 no', null);
      await storage.outbox.markAttemptFailed('e3', '550 no', null);
      await storage.outbox.markAttemptFailed('v2', '550 no', null);
      await storage.outbox.markAttemptFailed('e3', '550 again', null);
      await storage.outbox.markAttemptFailed('absent', '550', null);
      assert.deepEqual(await storage.outbox.sendActivity(A, 100 * QUARTER, QUARTER), [
        { start: 100 * QUARTER, deliveryAttempts: 3, failedRecipients: 2 },
        { start: 102 * QUARTER, deliveryAttempts: 2, failedRecipients: 2 },
        { start: 103 * QUARTER, deliveryAttempts: 0, failedRecipients: 0 },
      ]);
      assert.deepEqual(await storage.outbox.sendActivity(A, 102 * QUARTER, QUARTER), [
        { start: 102 * QUARTER, deliveryAttempts: 2, failedRecipients: 2 },
        { start: 103 * QUARTER, deliveryAttempts: 0, failedRecipients: 0 },
      ]);
      // The bounces follow each message's status: a failed message retried (a lease that ran out let
      // another worker report on it) is not failed until given up again, and then counted once; one
      // delivered after all is not a bounce.
      await storage.outbox.markAttemptFailed('e3', '451 later', at(2, 10));
      assert.deepEqual((await storage.outbox.sendActivity(A, 102 * QUARTER, QUARTER))[0], { start: 102 * QUARTER, deliveryAttempts: 2, failedRecipients: 0 });
      await storage.outbox.markAttemptFailed('e3', '550 no', null);
      assert.deepEqual((await storage.outbox.sendActivity(A, 102 * QUARTER, QUARTER))[0], { start: 102 * QUARTER, deliveryAttempts: 2, failedRecipients: 2 });
      await storage.outbox.markDelivered('e1', at(0, 21));
      assert.deepEqual((await storage.outbox.sendActivity(A, 100 * QUARTER, QUARTER))[0], { start: 100 * QUARTER, deliveryAttempts: 3, failedRecipients: 0 });
      // Delivered is not failed; and the intervals stay when the messages are purged.
      await storage.outbox.markDelivered('e2', at(0, 20));
      assert.equal(await storage.outbox.purge(200 * QUARTER), 5, 'all but v1 and x1, still waiting for the relay');
      assert.deepEqual((await storage.outbox.sendActivity(A, 100 * QUARTER, QUARTER)).length, 3);
      await assert.rejects(storage.outbox.sendActivity(A, 100 * QUARTER + 1, QUARTER), RangeError);
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
      // Asked again after its links were seen ending: Pending, then Failed once the new link ends.
      await storage.verifications.addToken(A, 'one-link@example.com', 'h6', 2000, 1001);
      assert.equal(await status(A, 'one-link@example.com'), 'Pending');
      assert.equal(await storage.verifications.expire(2000), 0);
      assert.equal(await storage.verifications.expire(2001), 1);
      assert.equal(await status(A, 'one-link@example.com'), 'Failed');
      assert.equal(await storage.verifications.expire(5000), 0, 'every link seen ending');
      // Deleted and made again with no link sent since (the mail refused by the quota, say): Pending,
      // and every link it was sent has ended, so it is Failed at the next run, as when every link was read.
      assert.equal(await storage.store.deleteIdentity(A, 'one-link@example.com'), true);
      assert.equal((await storage.store.ensureEmailIdentity(A, 'one-link@example.com', 5001)).verificationStatus, 'Pending');
      assert.equal(await storage.verifications.expire(5002), 1);
      assert.equal(await status(A, 'one-link@example.com'), 'Failed');
    });
  });
}
