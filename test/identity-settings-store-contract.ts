import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { IdentitySettingsStore } from '../src/app/identity-settings-ports.ts';
import type { Store } from '../src/app/ports.ts';
import type { NewOutboxMessage, OutboxStore } from '../src/app/send-ports.ts';
import { DEFAULT_NOTIFICATIONS, DomainError, type NotificationSettings, type Scope } from '../src/core/index.ts';

export interface IdentitySettingsHandles {
  readonly store: Store;
  readonly settings: IdentitySettingsStore;
  readonly outbox: OutboxStore;
  close(): Promise<void>;
}

/**
 * The contract of the identity settings store (notification settings and sending authorization
 * policies, shared by SES v1 and v2) and of the outbox's send activity (GetSendStatistics): every
 * engine runs it unchanged, each test on a fresh migrated database.
 */
export function runIdentitySettingsStoreContract(backend: string, open: () => Promise<IdentitySettingsHandles>): void {
  describe(`IdentitySettingsStore contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    const B: Scope = { accountId: '222222222222', region: 'us-east-1' };
    const A_WEST: Scope = { accountId: '111111111111', region: 'us-west-2' };
    let h: IdentitySettingsHandles;

    before(async () => {
      h = await open();
    });
    beforeEach(async () => {
      await h.close();
      h = await open();
    });
    after(async () => h.close());

    const withBounce = (s: NotificationSettings): NotificationSettings => ({ ...s, bounceTopic: 'arn:aws:sns:us-east-1:111111111111:b' });

    it('keeps notification settings per identity, account and region; the defaults until changed', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      await h.store.ensureDomainIdentity(B, 'example.com', 'vt', 1);
      await h.store.ensureDomainIdentity(A_WEST, 'example.com', 'vt', 1);
      await h.store.ensureEmailIdentity(A, 'a@example.com', 1);
      assert.deepEqual(await h.settings.getNotifications(A, ['example.com', 'a@example.com']), new Map(), 'nothing kept yet');
      const next: NotificationSettings = {
        bounceTopic: 'arn:aws:sns:us-east-1:111111111111:b',
        complaintTopic: 'arn:aws:sns:us-east-1:111111111111:c',
        deliveryTopic: null,
        forwardingEnabled: false,
        headersInBounce: true,
        headersInComplaint: false,
        headersInDelivery: true,
      };
      let seen: NotificationSettings | null = null;
      assert.equal(
        await h.settings.updateNotifications(A, 'example.com', (current) => {
          seen = current;
          return next;
        }),
        true,
      );
      assert.deepEqual(seen, DEFAULT_NOTIFICATIONS, 'the change starts from the defaults');
      assert.deepEqual(await h.settings.getNotifications(A, ['example.com', 'a@example.com', 'nobody.example']), new Map([['example.com', next]]));
      assert.deepEqual(await h.settings.getNotifications(B, ['example.com']), new Map(), 'another account sees nothing');
      assert.deepEqual(await h.settings.getNotifications(A_WEST, ['example.com']), new Map(), 'another region sees nothing');
      // A second change starts from what the first stored.
      await h.settings.updateNotifications(A, 'example.com', (current) => ({ ...current, deliveryTopic: 'arn:aws:sns:us-east-1:111111111111:d' }));
      assert.equal((await h.settings.getNotifications(A, ['example.com'])).get('example.com')?.deliveryTopic, 'arn:aws:sns:us-east-1:111111111111:d');
      assert.equal((await h.settings.getNotifications(A, ['example.com'])).get('example.com')?.forwardingEnabled, false);
      assert.equal(await h.settings.updateNotifications(A, 'nobody.example', withBounce), false, 'no identity, nothing kept');
      assert.deepEqual(await h.settings.getNotifications(A, []), new Map());
    });

    it('writes nothing when the change refuses', async () => {
      await h.store.ensureDomainIdentity(A, 'example.com', 'vt', 1);
      await h.settings.updateNotifications(A, 'example.com', withBounce);
      await assert.rejects(
        h.settings.updateNotifications(A, 'example.com', () => {
          throw new DomainError('invalid_parameter', 'no');
        }),
        /no/,
      );
      assert.deepEqual(await h.settings.getNotifications(A, ['example.com']), new Map([['example.com', withBounce(DEFAULT_NOTIFICATIONS)]]));
    });

    it('stores policies by name: upsert replaces, create refuses a name in use, at most the limit', async () => {
      await h.store.ensureEmailIdentity(A, 'a@example.com', 1);
      await h.store.ensureEmailIdentity(B, 'a@example.com', 1);
      assert.equal(await h.settings.putPolicy(A, 'a@example.com', 'p1', '{"v":1}', 'upsert', 3), 'stored');
      assert.equal(await h.settings.putPolicy(A, 'a@example.com', 'p1', '{"v":2}', 'upsert', 3), 'stored');
      assert.equal(await h.settings.putPolicy(A, 'a@example.com', 'p1', '{"v":3}', 'create', 3), 'exists');
      assert.equal(await h.settings.putPolicy(A, 'a@example.com', 'p0', '{"v":0}', 'create', 3), 'stored');
      assert.equal(await h.settings.putPolicy(A, 'a@example.com', 'p2', '{"ü":"ö"}', 'upsert', 3), 'stored');
      assert.equal(await h.settings.putPolicy(A, 'a@example.com', 'p3', '{}', 'upsert', 3), 'too_many', 'the limit counts the policies kept');
      assert.equal(await h.settings.putPolicy(A, 'a@example.com', 'p2', '{"v":22}', 'upsert', 3), 'stored', 'replacing one is not adding one');
      assert.equal(await h.settings.putPolicy(A, 'nobody@example.com', 'p1', '{}', 'upsert', 3), 'no_identity');
      assert.deepEqual(
        await h.settings.getPolicies(A, 'a@example.com', null),
        new Map([
          ['p0', '{"v":0}'],
          ['p1', '{"v":2}'],
          ['p2', '{"v":22}'],
        ]),
      );
      assert.deepEqual(await h.settings.getPolicies(A, 'a@example.com', ['p2', 'nope']), new Map([['p2', '{"v":22}']]), 'names it lacks are left out');
      assert.deepEqual(await h.settings.getPolicies(A, 'a@example.com', []), new Map());
      assert.deepEqual(await h.settings.listPolicyNames(A, 'a@example.com'), ['p0', 'p1', 'p2']);
      assert.deepEqual(await h.settings.listPolicyNames(B, 'a@example.com'), [], 'another account sees none');
      assert.equal(await h.settings.deletePolicy(B, 'a@example.com', 'p1'), false, "another account cannot delete A's");
      assert.equal(await h.settings.deletePolicy(A, 'a@example.com', 'p1'), true);
      assert.equal(await h.settings.deletePolicy(A, 'a@example.com', 'p1'), false);
      assert.deepEqual(await h.settings.listPolicyNames(A, 'a@example.com'), ['p0', 'p2']);
    });

    it('keeps the policy limit when puts of new names race', async () => {
      await h.store.ensureDomainIdentity(A, 'race.example', 'vt', 1);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => h.settings.putPolicy(A, 'race.example', `p${i}`, '{}', 'upsert', 5)));
      assert.equal(results.filter((r) => r === 'stored').length, 5);
      assert.equal(results.filter((r) => r === 'too_many').length, 3);
      assert.equal((await h.settings.listPolicyNames(A, 'race.example')).length, 5);
    });

    it('forgets settings and policies with the identity, so a new one starts clean', async () => {
      await h.store.ensureDomainIdentity(A, 'gone.example', 'vt', 1);
      await h.settings.updateNotifications(A, 'gone.example', withBounce);
      await h.settings.putPolicy(A, 'gone.example', 'p', '{}', 'upsert', 20);
      assert.equal(await h.store.deleteIdentity(A, 'gone.example'), true);
      await h.store.ensureDomainIdentity(A, 'gone.example', 'vt2', 2);
      assert.deepEqual(await h.settings.getNotifications(A, ['gone.example']), new Map());
      assert.deepEqual(await h.settings.listPolicyNames(A, 'gone.example'), []);
    });

    const message = (id: string, scope: Scope, createdAt: number, recipients: number, kind: NewOutboxMessage['kind'] = 'email'): NewOutboxMessage => ({
      messageId: id,
      scope,
      kind,
      source: 'a@example.com',
      envelopeFrom: 'a@example.com',
      recipients: Array.from({ length: recipients }, (_, i) => `r${i}@example.org`),
      simulated: [],
      subject: 's',
      simple: null,
      tags: [],
      raw: Buffer.from('Subject: s\r\n\r\nb\r\n'),
      signature: null,
      unsignedReason: null,
      delivery: 'pending',
      createdAt,
    });

    it("gives the account's send activity per interval, recipients counted, failed deliveries apart, verification mail aside", async () => {
      const Q = 900_000;
      const t0 = 1_800_000_000_000 - (1_800_000_000_000 % Q); // an interval's start
      await h.outbox.add(message('m1', A, t0 + 1, 2));
      await h.outbox.add(message('m2', A, t0 + Q - 1, 3));
      await h.outbox.add(message('m3', A, t0 + Q, 1));
      await h.outbox.add(message('m4', A, t0 + 5 * Q + 7, 4));
      await h.outbox.add(message('v1', A, t0 + 2, 1, 'verification'));
      await h.outbox.add(message('old', A, t0 - 1, 9));
      await h.outbox.add(message('b1', B, t0 + 3, 5));
      await h.outbox.add(message('w1', A_WEST, t0 + 4, 6));
      await h.outbox.markAttemptFailed('m2', '550 no such user', null);
      await h.outbox.markAttemptFailed('m3', '421 try later', t0 + 2 * Q);
      assert.deepEqual(await h.outbox.sendActivity(A, t0, Q), [
        { start: t0, deliveryAttempts: 5, failedRecipients: 3 },
        { start: t0 + Q, deliveryAttempts: 1, failedRecipients: 0 },
        { start: t0 + 5 * Q, deliveryAttempts: 4, failedRecipients: 0 },
      ]);
      assert.deepEqual(await h.outbox.sendActivity(B, t0, Q), [{ start: t0, deliveryAttempts: 5, failedRecipients: 0 }]);
      assert.deepEqual(await h.outbox.sendActivity(A, t0 + 6 * Q, Q), []);
    });
  });
}
