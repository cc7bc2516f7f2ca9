import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DetectionStore } from '../src/app/detection-ports.ts';
import type { EmailIdentityStore } from '../src/app/email-identity-ports.ts';
import type { MailFromStore } from '../src/app/mail-from-ports.ts';
import type { Store } from '../src/app/ports.ts';
import type { Scope } from '../src/core/index.ts';

export interface EmailIdentityHandles {
  readonly store: Store;
  readonly identities: EmailIdentityStore;
  /** Writes detection results, as the worker does. */
  readonly detection: DetectionStore;
  /** Custom MAIL FROM set-ups, which GetEmailIdentity reads in the same query. */
  readonly mailFrom: MailFromStore;
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
      const tags = [
        { key: 'env', value: 'prod' },
        { key: 'empty', value: '' },
        { key: 'ünï', value: 'cödé "quoted"' },
      ];
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
      const result = await h.store.createDomainDkim(A, {
        domain: 'keys.example',
        tokens: ['t'.repeat(32), 'u'.repeat(32), 'v'.repeat(32)],
        verificationToken: 'vt',
        keyBits: 2048,
        now: 1_700_000_000_123,
      });
      assert.equal(result.kind, 'created');
      const tokens = ['t'.repeat(32), 'u'.repeat(32), 'v'.repeat(32)];
      assert.deepEqual(await h.identities.domainKeys(A, 'keys.example'), { tokens, currentBits: 2048, nextBits: 2048, lastGeneratedAt: 1_700_000_000_123 });
      assert.deepEqual(
        (await h.identities.domainKeys(A, 'keys.example'))!.tokens,
        (await h.store.getDkimTokens(A, ['keys.example'])).get('keys.example'),
        'the same tokens as the Store gives',
      );
      assert.equal(await h.identities.domainKeys(B, 'keys.example'), null);
    });

    it("reads the detection worker's last check: its time and each record's verdict", async () => {
      await h.store.addPoolKeys(keys(3));
      await h.store.createDomainDkim(A, {
        domain: 'checked.example',
        tokens: ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)],
        verificationToken: 'vt',
        keyBits: 1024,
        now: 1000,
      });
      await h.identities.putDetails(A, 'checked.example', { tags: [{ key: 'k', value: 'v' }], configurationSetName: null });
      const target = await h.detection.claimDomain(A, 'checked.example', 5000, 60_000);
      assert.ok(target !== null && target !== 'claimed');
      await h.detection.completeChecks([
        {
          identityId: target.identityId,
          checkedAt: 6000,
          previousDkimStatus: 'Pending',
          dkim: null,
          verificationStatus: 'Pending',
          nextCheckAt: null,
          records: [
            { name: `${'a'.repeat(32)}._domainkey.checked.example`, type: 'CNAME', verdict: 'ok', observed: 'x' },
            { name: `${'b'.repeat(32)}._domainkey.checked.example`, type: 'CNAME', verdict: 'points_elsewhere', observed: 'y' },
            { name: '_amazonses.checked.example', type: 'TXT', verdict: 'not_found', observed: '' },
          ],
        },
      ]);
      const described = await h.identities.describe(A, 'checked.example');
      assert.deepEqual(
        described.details,
        { tags: [{ key: 'k', value: 'v' }], configurationSetName: null },
        'one row of details, whatever the number of records',
      );
      assert.equal(described.lastCheckedAt, 6000);
      assert.deepEqual(
        [...described.records].sort((x, y) => x.verdict.localeCompare(y.verdict)),
        [
          { type: 'TXT', verdict: 'not_found' },
          { type: 'CNAME', verdict: 'ok' },
          { type: 'CNAME', verdict: 'points_elsewhere' },
        ],
      );
      assert.deepEqual((await h.identities.describe(B, 'checked.example')).records, [], 'another account sees none');
    });

    it('describes the custom MAIL FROM set-up in the same read, one row whatever the records', async () => {
      await h.store.ensureDomainIdentity(A, 'mf.example', 'vt', 1);
      await h.identities.putDetails(A, 'mf.example', { tags: [{ key: 'k', value: 'v' }], configurationSetName: null });
      assert.equal((await h.identities.describe(A, 'mf.example')).mailFrom, null);
      await h.mailFrom.put(A, 'mf.example', { mailFromDomain: 'bounce.mf.example', behaviorOnMxFailure: 'RejectMessage' }, 5);
      const described = await h.identities.describe(A, 'mf.example');
      assert.deepEqual(described.mailFrom, { mailFromDomain: 'bounce.mf.example', behaviorOnMxFailure: 'RejectMessage', status: 'Pending' });
      assert.deepEqual(described.details.tags, [{ key: 'k', value: 'v' }]);
      assert.equal((await h.identities.describe(B, 'mf.example')).mailFrom, null, 'another account sees nothing');
    });

    it('reports no detection results before the first check', async () => {
      await h.store.ensureDomainIdentity(A, 'fresh.example', 'vt', 1);
      assert.deepEqual(await h.identities.describe(A, 'fresh.example'), {
        details: { tags: [], configurationSetName: null },
        lastCheckedAt: null,
        lastFoundAt: null,
        records: [],
        mailFrom: null,
      });
      assert.deepEqual(await h.identities.describe(A, 'nobody.example'), {
        details: { tags: [], configurationSetName: null },
        lastCheckedAt: null,
        lastFoundAt: null,
        records: [],
        mailFrom: null,
      });
    });
  });
}
