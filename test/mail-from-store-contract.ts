import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { MailFromCompletion, MailFromStore, MailFromTarget } from '../src/app/mail-from-ports.ts';
import type { Store } from '../src/app/ports.ts';
import type { Scope } from '../src/core/index.ts';

export interface MailFromHandles {
  readonly store: Store;
  readonly mailFrom: MailFromStore;
  close(): Promise<void>;
}

/** One fresh, migrated database that can be opened more than once: each open is another process or node. */
export interface MailFromDatabase {
  open(): Promise<MailFromHandles>;
  drop(): Promise<void>;
}

/**
 * The contract of MailFromStore (custom MAIL FROM set-ups, their detection state and claims): every
 * backend passes it unchanged. Times are passed in, so leases expire without waiting.
 */
export function runMailFromStoreContract(backend: string, createDatabase: () => Promise<MailFromDatabase>): void {
  describe(`MailFromStore contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    const B: Scope = { accountId: '222222222222', region: 'us-east-1' };
    const A_WEST: Scope = { accountId: '111111111111', region: 'us-west-2' };
    const LEASE = 60_000;
    let database: MailFromDatabase;
    let h: MailFromHandles;
    const opened: MailFromHandles[] = [];

    async function openAnother(): Promise<MailFromHandles> {
      const other = await database.open();
      opened.push(other);
      return other;
    }

    function found(target: MailFromTarget, checkedAt: number, nextCheckAt: number | null = checkedAt + 3_600_000): MailFromCompletion {
      return {
        identityId: target.identityId,
        mailFromDomain: target.mailFromDomain,
        startedAt: target.state.startedAt,
        checkedAt,
        state: { status: 'Success', startedAt: target.state.startedAt, lastFoundAt: checkedAt, graceStartedAt: null },
        nextCheckAt,
        mx: { verdict: 'ok', observed: '10 feedback-smtp.us-east-1.amazonses.com' },
        spf: { verdict: 'no_include', observed: 'v=spf1 -all' },
      };
    }

    beforeEach(async () => {
      database = await createDatabase();
      h = await openAnother();
    });
    afterEach(async () => {
      for (const o of opened.splice(0)) await o.close();
      await database.drop();
    });
    after(async () => {
      for (const o of opened.splice(0)) await o.close();
    });

    it('keeps a set-up per identity, account and region; unknown identities are refused and absent', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      await h.store.ensureEmailIdentity(A, 'a@example.com', 1);
      await h.store.ensureDomainIdentity(B, 'example.com', 'vt', 1);
      assert.equal(await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'RejectMessage' }, 10), true);
      assert.equal(await h.mailFrom.put(A, 'a@example.com', { mailFromDomain: null, behaviorOnMxFailure: 'RejectMessage' }, 10), true);
      assert.equal(await h.mailFrom.put(A, 'nobody.example', { mailFromDomain: 'm.nobody.example', behaviorOnMxFailure: 'UseDefaultValue' }, 10), false);
      assert.equal(await h.mailFrom.put(A_WEST, 'example.com', { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'UseDefaultValue' }, 10), false);
      const got = await h.mailFrom.get(A, ['example.com', 'a@example.com', 'nobody.example']);
      assert.deepEqual(Object.fromEntries(got), {
        'example.com': { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'RejectMessage', status: 'Pending' },
        'a@example.com': { mailFromDomain: null, behaviorOnMxFailure: 'RejectMessage', status: 'Pending' },
      });
      assert.equal((await h.mailFrom.get(B, ['example.com'])).size, 0, 'another account sees nothing');
      assert.equal((await h.mailFrom.get(A_WEST, ['example.com'])).size, 0, 'another region sees nothing');
      assert.equal(await h.mailFrom.lastRecords(A, 'example.com'), null, 'no check yet');
      assert.equal((await h.mailFrom.get(A, [])).size, 0);
    });

    it('claims due domains once, writes results back, and keeps the status when the same domain is set again', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      await h.store.ensureEmailIdentity(A, 'a@example.com', 1);
      await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'UseDefaultValue' }, 100);
      await h.mailFrom.put(A, 'a@example.com', { mailFromDomain: null, behaviorOnMxFailure: 'RejectMessage' }, 100);
      assert.deepEqual(await h.mailFrom.claimDue(99, 10, LEASE), [], 'not due before it was set');
      const [target, ...rest] = await h.mailFrom.claimDue(100, 10, LEASE);
      assert.deepEqual(rest, [], 'an identity without a domain has nothing to check');
      assert.ok(target);
      assert.deepEqual(
        { ...target, identityId: 0 },
        {
          identityId: 0,
          scope: A,
          identity: 'example.com',
          mailFromDomain: 'mail.example.com',
          state: { status: 'Pending', startedAt: 100, lastFoundAt: null, graceStartedAt: null },
        },
      );
      assert.deepEqual(await h.mailFrom.claimDue(100, 10, LEASE), [], 'claimed: not handed out twice');
      assert.equal(await h.mailFrom.claimIdentity(A, 'example.com', 100, LEASE), 'claimed');
      await h.mailFrom.complete([found(target, 200)]);
      assert.equal((await h.mailFrom.get(A, ['example.com'])).get('example.com')?.status, 'Success');
      assert.deepEqual(await h.mailFrom.lastRecords(A, 'example.com'), {
        checkedAt: 200,
        mx: { verdict: 'ok', observed: '10 feedback-smtp.us-east-1.amazonses.com' },
        spf: { verdict: 'no_include', observed: 'v=spf1 -all' },
      });
      assert.deepEqual(await h.mailFrom.claimDue(3_600_199, 10, LEASE), [], 'due again only at its next check');
      assert.equal((await h.mailFrom.claimDue(3_600_200, 10, LEASE)).length, 1);

      await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'RejectMessage' }, 300);
      assert.deepEqual((await h.mailFrom.get(A, ['example.com'])).get('example.com'), {
        mailFromDomain: 'mail.example.com',
        behaviorOnMxFailure: 'RejectMessage',
        status: 'Success',
      });
    });

    it('a new domain starts over and drops the completion of a check under way; Failed set again starts over', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'UseDefaultValue' }, 100);
      const [target] = await h.mailFrom.claimDue(100, 10, LEASE);
      await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'bounce.example.com', behaviorOnMxFailure: 'UseDefaultValue' }, 150);
      await h.mailFrom.complete([found(target!, 160)]);
      assert.deepEqual((await h.mailFrom.get(A, ['example.com'])).get('example.com'), {
        mailFromDomain: 'bounce.example.com',
        behaviorOnMxFailure: 'UseDefaultValue',
        status: 'Pending',
      });
      assert.equal(await h.mailFrom.lastRecords(A, 'example.com'), null);
      const [again] = await h.mailFrom.claimDue(150, 10, LEASE);
      assert.equal(again?.mailFromDomain, 'bounce.example.com', 'the new domain is due at once, unclaimed');
      await h.mailFrom.complete([{ ...found(again!, 200, null), state: { status: 'Failed', startedAt: 150, lastFoundAt: null, graceStartedAt: null } }]);
      assert.deepEqual(await h.mailFrom.claimDue(10_000_000, 10, LEASE), [], 'Failed: nothing left to check');
      await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'bounce.example.com', behaviorOnMxFailure: 'UseDefaultValue' }, 300);
      assert.equal((await h.mailFrom.get(A, ['example.com'])).get('example.com')?.status, 'Pending');
      assert.equal((await h.mailFrom.claimDue(300, 10, LEASE)).length, 1);
    });

    it('hands a due domain to one of two processes (nodes) claiming at once; an expired lease is taken over', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      for (let i = 0; i < 6; i++) {
        await h.store.ensureEmailIdentity(A, `u${i}@example.com`, 1);
        await h.mailFrom.put(A, `u${i}@example.com`, { mailFromDomain: `m${i}.example.com`, behaviorOnMxFailure: 'UseDefaultValue' }, 100);
      }
      const other = await openAnother();
      const [first, second] = await Promise.all([h.mailFrom.claimDue(100, 4, LEASE), other.mailFrom.claimDue(100, 4, LEASE)]);
      const names = [...first, ...second].map((t) => t.identity).sort();
      assert.deepEqual(
        names,
        [0, 1, 2, 3, 4, 5].map((i) => `u${i}@example.com`),
      );
      assert.deepEqual(await h.mailFrom.claimDue(100 + LEASE - 1, 10, LEASE), [], 'leases hold');
      assert.equal((await other.mailFrom.claimDue(100 + LEASE, 10, LEASE)).length, 6, 'expired leases are taken over');
    });

    it('claims one identity now, due or not, and nothing without a domain', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      assert.equal(await h.mailFrom.claimIdentity(A, 'example.com', 100, LEASE), null);
      await h.mailFrom.put(A, 'example.com', { mailFromDomain: null, behaviorOnMxFailure: 'RejectMessage' }, 100);
      assert.equal(await h.mailFrom.claimIdentity(A, 'example.com', 100, LEASE), null);
      await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'RejectMessage' }, 100);
      const target = await h.mailFrom.claimIdentity(A, 'example.com', 100, LEASE);
      assert.ok(target !== null && target !== 'claimed');
      await h.mailFrom.complete([found(target, 150)]);
      const early = await h.mailFrom.claimIdentity(A, 'example.com', 151, LEASE);
      assert.ok(early !== null && early !== 'claimed', 'not due, claimed all the same');
      assert.equal(await h.mailFrom.claimIdentity(B, 'example.com', 151, LEASE), null, 'another account');
    });

    it('goes with its identity', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      await h.mailFrom.put(A, 'example.com', { mailFromDomain: 'mail.example.com', behaviorOnMxFailure: 'RejectMessage' }, 100);
      assert.equal(await h.store.deleteIdentity(A, 'example.com'), true);
      assert.equal((await h.mailFrom.get(A, ['example.com'])).size, 0);
      assert.deepEqual(await h.mailFrom.claimDue(100, 10, LEASE), []);
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 200);
      assert.equal((await h.mailFrom.get(A, ['example.com'])).size, 0, 'a new identity of the same name starts without one');
    });
  });
}
