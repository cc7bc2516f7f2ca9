import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { CheckCompletion, DetectionStore, DetectionTarget, DnsKeyStore, SandboxStore } from '../src/app/detection-ports.ts';
import type { PooledKey, Store } from '../src/app/ports.ts';
import type { Scope } from '../src/core/index.ts';

/** The stores detection and the DNS server use, over one connection (or pool) to a database. */
export interface DetectionHandles {
  readonly store: Store;
  readonly detection: DetectionStore;
  readonly dnsKeys: DnsKeyStore;
  readonly sandbox: SandboxStore;
  close(): Promise<void>;
}

/** One fresh, migrated database that can be opened more than once: each open is another process or node. */
export interface DetectionDatabase {
  open(): Promise<DetectionHandles>;
  drop(): Promise<void>;
}

/**
 * The contract of DetectionStore, DnsKeyStore and SandboxStore: every backend must pass it unchanged.
 * Each backend's test file calls it with a factory of fresh databases. Times are the service clock's
 * milliseconds, passed in, so that leases can be expired without waiting.
 */
export function runDetectionStoreContract(backend: string, createDatabase: () => Promise<DetectionDatabase>): void {
  describe(`Detection store contract: ${backend}`, () => {
    const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
    const B: Scope = { accountId: '222222222222', region: 'us-east-1' };
    const LEASE = 60_000;
    let database: DetectionDatabase;
    let h: DetectionHandles;
    const opened: DetectionHandles[] = [];
    let keySeq = 0;
    const keys = (n: number): PooledKey[] =>
      Array.from({ length: n }, () => {
        keySeq += 1;
        return { bits: 1024, publicKey: `pub-${keySeq}`, sealedPrivateKey: `sealed-${keySeq}`, createdAt: keySeq };
      });
    const tokensOf = (domain: string) => [0, 1, 2].map((i) => `${domain.replace(/[^a-z0-9]/g, '')}${i}`.padEnd(32, 'a').slice(0, 32));

    /** A domain with DKIM set up at `now` (three keys from the pool). */
    async function domainWithDkim(scope: Scope, domain: string, now = 1000): Promise<string[]> {
      await h.store.addPoolKeys(keys(3));
      const result = await h.store.createDomainDkim(scope, { domain, tokens: tokensOf(domain), verificationToken: `vt-${domain}`, keyBits: 1024, now });
      assert.equal(result.kind, 'created');
      return [...result.tokens];
    }

    async function openAnother(): Promise<DetectionHandles> {
      const other = await database.open();
      opened.push(other);
      return other;
    }

    /** What a check of `target` writes back: DKIM Success and the three CNAMEs found. */
    function success(target: DetectionTarget, checkedAt: number): CheckCompletion {
      return {
        identityId: target.identityId,
        checkedAt,
        previousDkimStatus: target.dkim.status,
        dkim: { status: 'Success', startedAt: target.dkim.startedAt, lastFoundAt: checkedAt, graceStartedAt: null, nextCheckAt: checkedAt + 3_600_000 },
        verificationStatus: 'Success',
        nextCheckAt: checkedAt + 3_600_000,
        records: target.tokens.map((t) => ({ name: `${t}._domainkey.${target.domain}`, type: 'CNAME', verdict: 'ok', observed: `${t}.dkim.test` })),
      };
    }

    beforeEach(async () => {
      database = await createDatabase();
      h = await database.open();
      opened.push(h);
    });
    afterEach(async () => {
      for (const handles of opened.splice(0)) await handles.close();
      await database.drop();
    });
    after(() => {});

    it('enrolls a new domain identity due at once, with its tokens in order and DKIM started when its keys were made', async () => {
      const tokens = await domainWithDkim(A, 'example.com', 5000);
      await h.store.ensureEmailIdentity(A, 'someone@example.com', 5000);
      const claimed = await h.detection.claimDueChecks(6000, 10, LEASE);
      assert.equal(claimed.length, 1, 'email identities are not checked');
      const [t] = claimed;
      assert.equal(t!.domain, 'example.com');
      assert.deepEqual(t!.scope, A);
      assert.deepEqual(t!.tokens, tokens);
      assert.equal(t!.verificationToken, 'vt-example.com');
      assert.equal(t!.verificationStatus, 'Pending');
      assert.equal(t!.createdAt, 5000);
      assert.deepEqual(t!.dkim, { status: 'Pending', startedAt: 5000, lastFoundAt: null, graceStartedAt: null });
      assert.equal(typeof t!.identityId, 'number');
    });

    it('enrolls a domain without DKIM (VerifyDomainIdentity only) with no tokens', async () => {
      await h.store.ensureDomainIdentity(A, 'plain.example', 'vt-plain', 100);
      const [t] = await h.detection.claimDueChecks(200, 10, LEASE);
      assert.equal(t?.domain, 'plain.example');
      assert.deepEqual(t?.tokens, []);
      assert.equal(t?.dkim.status, 'NotStarted');
    });

    it('holds a claim until it is completed or its lease expires, then it can be claimed again', async () => {
      await domainWithDkim(A, 'lease.example');
      const [first] = await h.detection.claimDueChecks(2000, 10, LEASE);
      assert.ok(first);
      assert.deepEqual(await h.detection.claimDueChecks(2000 + LEASE - 1, 10, LEASE), [], 'held within the lease');
      assert.equal(await h.detection.claimDomain(A, 'lease.example', 2001, LEASE), 'claimed');
      // The worker died: at the end of its lease the identity is free again, for anybody.
      const other = await openAnother();
      const [again] = await other.detection.claimDueChecks(2000 + LEASE, 10, LEASE);
      assert.equal(again?.identityId, first.identityId);
    });

    it('never gives one identity to two concurrent claimers (two connections, as two processes or nodes)', async () => {
      const domains = Array.from({ length: 60 }, (_, i) => `c${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}.example`);
      for (const d of domains) await domainWithDkim(A, d);
      const other = await openAnother();
      const seen = new Map<number, number>();
      for (let round = 0; round < 20; round++) {
        const results = await Promise.all([
          h.detection.claimDueChecks(3000, 4, LEASE),
          other.detection.claimDueChecks(3000, 4, LEASE),
          h.detection.claimDueChecks(3000, 3, LEASE),
          other.detection.claimDueChecks(3000, 3, LEASE),
        ]);
        for (const batch of results) for (const t of batch) seen.set(t.identityId, (seen.get(t.identityId) ?? 0) + 1);
      }
      assert.equal(seen.size, domains.length, 'every due identity was claimed');
      assert.deepEqual(
        [...seen.values()].filter((n) => n > 1),
        [],
        'none twice',
      );
    });

    it('claims a named domain on demand, due or not, and says when it is absent or held', async () => {
      await domainWithDkim(A, 'now.example');
      assert.equal(await h.detection.claimDomain(A, 'absent.example', 1000, LEASE), null);
      assert.equal(await h.detection.claimDomain(B, 'now.example', 1000, LEASE), null, 'another account does not see it');
      const target = await h.detection.claimDomain(A, 'now.example', 1000, LEASE);
      assert.ok(target && target !== 'claimed');
      await h.detection.completeChecks([success(target, 1500)]);
      // Not due for an hour, but claimable on demand.
      assert.deepEqual(await h.detection.claimDueChecks(1600, 10, LEASE), []);
      const again = await h.detection.claimDomain(A, 'now.example', 1600, LEASE);
      assert.ok(again && again !== 'claimed');
      assert.equal(again.dkim.status, 'Success');
    });

    it('writes a check back: statuses, the schedule, the lifecycle state; the claim is released', async () => {
      await domainWithDkim(A, 'done.example');
      const [t] = await h.detection.claimDueChecks(2000, 10, LEASE);
      await h.detection.completeChecks([success(t!, 2500)]);
      const identity = (await h.store.getIdentities(A, ['done.example'])).get('done.example');
      assert.equal(identity?.dkimStatus, 'Success');
      assert.equal(identity?.verificationStatus, 'Success');
      assert.deepEqual(await h.detection.claimDueChecks(2500 + 3_600_000 - 1, 10, LEASE), [], 'not due before its next check');
      const [next] = await h.detection.claimDueChecks(2500 + 3_600_000, 10, LEASE);
      assert.deepEqual(next?.dkim, { status: 'Success', startedAt: t!.dkim.startedAt, lastFoundAt: 2500, graceStartedAt: null });
    });

    it('keeps the last result of each record, per record', async () => {
      const tokens = await domainWithDkim(A, 'records.example');
      const [t] = await h.detection.claimDueChecks(2000, 10, LEASE);
      const first: CheckCompletion = {
        ...success(t!, 2100),
        dkim: { status: 'Pending', startedAt: t!.dkim.startedAt, lastFoundAt: null, graceStartedAt: null, nextCheckAt: 2200 },
        verificationStatus: 'Pending',
        nextCheckAt: 2200,
        records: [
          { name: `${tokens[0]}._domainkey.records.example`, type: 'CNAME', verdict: 'ok', observed: 'x' },
          { name: `${tokens[1]}._domainkey.records.example`, type: 'CNAME', verdict: 'missing', observed: 'NXDOMAIN' },
          { name: `${tokens[2]}._domainkey.records.example`, type: 'CNAME', verdict: 'points_elsewhere', observed: 'elsewhere.test' },
          { name: '_amazonses.records.example', type: 'TXT', verdict: 'not_found', observed: 'NXDOMAIN' },
        ],
      };
      await h.detection.completeChecks([first]);
      const [t2] = await h.detection.claimDueChecks(2200, 10, LEASE);
      await h.detection.completeChecks([
        {
          ...first,
          checkedAt: 2300,
          previousDkimStatus: t2!.dkim.status,
          records: [{ name: `${tokens[1]}._domainkey.records.example`, type: 'CNAME', verdict: 'ok', observed: 'fixed' }],
        },
      ]);
      const kept = await h.detection.getRecordChecks(A, 'records.example');
      assert.equal(kept.length, 4);
      const byName = new Map(kept.map((r) => [r.name, r]));
      assert.deepEqual(byName.get(`${tokens[1]}._domainkey.records.example`), {
        name: `${tokens[1]}._domainkey.records.example`,
        type: 'CNAME',
        verdict: 'ok',
        observed: 'fixed',
        checkedAt: 2300,
        checks: 2,
      });
      // Each record counts the checks that looked at it: the one checked twice says 2, the others 1.
      assert.equal(byName.get(`${tokens[2]}._domainkey.records.example`)?.checks, 1);
      assert.equal(byName.get(`${tokens[2]}._domainkey.records.example`)?.verdict, 'points_elsewhere');
      assert.equal(byName.get(`${tokens[2]}._domainkey.records.example`)?.checkedAt, 2100);
      assert.equal(byName.get('_amazonses.records.example')?.type, 'TXT');
      assert.deepEqual(await h.detection.getRecordChecks(B, 'records.example'), [], 'scoped to the account');
    });

    it('after its first claim, a store enrolls new domains and restarts changed ones from what its writers flagged', async () => {
      // The first claim of a store reads every identity (migration 0013); the later ones only the
      // flagged: domains created and DKIM restarted since must still be claimed, once each.
      await domainWithDkim(A, 'early.example', 100);
      const first = await h.detection.claimDueChecks(200, 10, LEASE);
      assert.deepEqual(
        first.map((t) => t.domain),
        ['early.example'],
      );
      await h.detection.completeChecks([success(first[0]!, 300)]);
      await h.store.ensureDomainIdentity(A, 'later.example', 'vt', 400);
      await domainWithDkim(B, 'dkim-later.example', 400);
      await h.store.ensureEmailIdentity(A, 'someone@later.example', 400);
      const second = await h.detection.claimDueChecks(500, 10, LEASE);
      assert.deepEqual(second.map((t) => t.domain).sort(), ['dkim-later.example', 'later.example']);
      assert.deepEqual(await h.detection.claimDueChecks(500, 10, LEASE), [], 'claimed once');
      for (const t of second) await h.detection.completeChecks([{ ...success(t, 600), nextCheckAt: 10_000_000 }]);
      // VerifyDomainDkim on the domain that had none: its DKIM detection starts over at the next claim.
      await h.store.addPoolKeys(keys(3));
      await h.store.createDomainDkim(A, { domain: 'later.example', tokens: tokensOf('later.example'), verificationToken: 'vt', keyBits: 1024, now: 700 });
      const third = await h.detection.claimDueChecks(800, 10, LEASE);
      assert.deepEqual(
        third.map((t) => [t.domain, t.dkim.status, t.dkim.startedAt, t.tokens.length]),
        [['later.example', 'Pending', 800, 3]],
      );
    });

    it('does not overwrite a DKIM status changed under the check, and starts detection over', async () => {
      await h.store.ensureDomainIdentity(A, 'restart.example', 'vt', 100);
      const [t] = await h.detection.claimDueChecks(200, 10, LEASE);
      assert.deepEqual(t?.tokens, []);
      // VerifyDomainDkim while the check runs: DKIM becomes Pending with fresh keys.
      await h.store.addPoolKeys(keys(3));
      await h.store.createDomainDkim(A, { domain: 'restart.example', tokens: tokensOf('restart.example'), verificationToken: 'vt2', keyBits: 1024, now: 300 });
      const stale: CheckCompletion = {
        identityId: t!.identityId,
        checkedAt: 400,
        previousDkimStatus: 'Pending',
        dkim: { status: 'Failed', startedAt: 0, lastFoundAt: null, graceStartedAt: null, nextCheckAt: null },
        verificationStatus: 'Pending',
        nextCheckAt: null,
        records: [],
      };
      // A check that began from another status than the stored one must not win.
      await h.detection.completeChecks([{ ...stale, previousDkimStatus: 'NotStarted' }]);
      assert.equal((await h.store.getIdentities(A, ['restart.example'])).get('restart.example')?.dkimStatus, 'Pending');
      const [again] = await h.detection.claimDueChecks(500, 10, LEASE);
      assert.equal(again?.identityId, t!.identityId, 'released and due again');
      assert.equal(again?.tokens.length, 3);
      assert.deepEqual(again?.dkim, { status: 'Pending', startedAt: 500, lastFoundAt: null, graceStartedAt: null });
    });

    it('completes quietly when the identity was deleted during the check', async () => {
      await domainWithDkim(A, 'gone.example');
      const [t] = await h.detection.claimDueChecks(2000, 10, LEASE);
      assert.equal(await h.store.deleteIdentity(A, 'gone.example'), true);
      await h.detection.completeChecks([success(t!, 2100)]);
      assert.deepEqual(await h.detection.getRecordChecks(A, 'gone.example'), []);
      assert.deepEqual(await h.detection.claimDueChecks(10_000_000, 10, LEASE), []);
    });

    it('counts identities by status across accounts, and the checks overdue and held by nobody', async () => {
      await domainWithDkim(A, 'one.example');
      await domainWithDkim(B, 'two.example');
      await domainWithDkim(B, 'three.example');
      const claimed = await h.detection.claimDueChecks(2000, 10, LEASE);
      assert.equal(claimed.length, 3);
      const [first, ...rest] = claimed;
      // One written back as Success (next check in an hour); two left Pending and claimed.
      await h.detection.completeChecks([success(first!, 2000)]);
      const now = await h.detection.overview(2000, 0);
      assert.deepEqual(
        [...now.dkim].sort((x, y) => x.status.localeCompare(y.status)),
        [
          { status: 'Pending', count: 2 },
          { status: 'Success', count: 1 },
        ],
      );
      assert.equal(now.verification.find((v) => v.kind === 'Domain' && v.status === 'Success')?.count, 1);
      assert.equal(now.overdue, 0, 'the others are held by a worker');
      // Hours later, with every lease lapsed: all three are due; overdue only past the threshold.
      const later = 2000 + 3 * 3_600_000;
      assert.equal((await h.detection.overview(later, 0)).overdue, 3);
      assert.equal((await h.detection.overview(later, 24 * 3_600_000)).overdue, 0);
      assert.equal(rest.length, 2);
    });

    it('writes a batch of checks in one call', async () => {
      for (const d of ['b1.example', 'b2.example', 'b3.example']) await domainWithDkim(A, d);
      const targets = await h.detection.claimDueChecks(2000, 10, LEASE);
      assert.equal(targets.length, 3);
      await h.detection.completeChecks(targets.map((t) => success(t, 2100)));
      const identities = await h.store.getIdentities(A, ['b1.example', 'b2.example', 'b3.example']);
      assert.deepEqual(
        [...identities.values()].map((i) => i.dkimStatus),
        ['Success', 'Success', 'Success'],
      );
      for (const d of ['b1.example', 'b2.example', 'b3.example']) assert.equal((await h.detection.getRecordChecks(A, d)).length, 3);
    });

    it('serves keys by token, lists them in token order, and forgets deleted ones', async () => {
      const tokens = await domainWithDkim(A, 'keys.example');
      const other = await domainWithDkim(B, 'other.example');
      const found = await h.dnsKeys.findKey(tokens[0]!);
      assert.equal(found?.token, tokens[0]);
      assert.match(found?.publicKey ?? '', /^pub-/);
      assert.equal(await h.dnsKeys.findKey('z'.repeat(32)), null);
      // Several at once (the DNS cache's misses of one turn): those that exist, nothing for the rest.
      const several = await h.dnsKeys.findKeys([tokens[2]!, 'z'.repeat(32), other[0]!, tokens[0]!]);
      assert.deepEqual(several.map((k) => k.token).sort(), [tokens[0]!, tokens[2]!, other[0]!].sort());
      assert.ok(several.every((k) => k.publicKey.startsWith('pub-')));
      assert.deepEqual(await h.dnsKeys.findKeys([]), []);
      // In creation order, in pages: each starts after the position the one before ended at, and
      // none is repeated or skipped.
      const all = [...tokens, ...other];
      assert.deepEqual(
        (await h.dnsKeys.listKeys(0, 100)).keys.map((k) => k.token),
        all,
      );
      const paged: string[] = [];
      for (let after = 0; ; ) {
        const page = await h.dnsKeys.listKeys(after, 4);
        paged.push(...page.keys.map((k) => k.token));
        if (page.keys.length < 4) break;
        assert.ok(page.last > after);
        after = page.last;
      }
      assert.deepEqual(paged, all);
      const end = await h.dnsKeys.listKeys(0, 100);
      assert.deepEqual(await h.dnsKeys.listKeys(end.last, 100), { keys: [], last: end.last });
      // The newest first (the DNS cache's start): the other scope's domain was created last.
      const newest = await h.dnsKeys.recentKeys(2);
      assert.deepEqual(
        newest.keys.map((k) => k.token),
        [other[2], other[1]],
      );
      // The next page goes on from the oldest key of this one, down to the first key.
      const next = await h.dnsKeys.recentKeys(2, newest.last);
      assert.deepEqual(
        next.keys.map((k) => k.token),
        [other[0], tokens[2]],
      );
      assert.ok(next.last < newest.last);
      const rest = await h.dnsKeys.recentKeys(100, next.last);
      assert.deepEqual(
        rest.keys.map((k) => k.token),
        [tokens[1], tokens[0]],
      );
      assert.deepEqual(await h.dnsKeys.recentKeys(100, rest.last), { keys: [], last: rest.last });
      await h.store.deleteIdentity(A, 'keys.example');
      assert.equal(await h.dnsKeys.findKey(tokens[0]!), null);
      assert.deepEqual(await h.dnsKeys.findKeys(tokens), []);
      assert.deepEqual(
        (await h.dnsKeys.listKeys(0, 100)).keys.map((k) => k.token),
        [...other],
      );
    });

    it('feeds every key change into the change sequence, seen by other connections in commit order', async () => {
      const start = await h.dnsKeys.keyZoneSeq();
      assert.deepEqual(await h.dnsKeys.keyZoneChangesSince(start, 100), { seq: start, tokens: [], reset: false });
      const tokens = await domainWithDkim(A, 'feed.example');
      const other = await openAnother();
      const afterCreate = await other.dnsKeys.keyZoneSeq();
      assert.equal(afterCreate, start + 3);
      const created = await other.dnsKeys.keyZoneChangesSince(start, 100);
      assert.deepEqual(created, { seq: afterCreate, tokens, reset: false });
      await other.store.deleteIdentity(A, 'feed.example');
      const deleted = await h.dnsKeys.keyZoneChangesSince(afterCreate, 100);
      assert.equal(deleted.seq, afterCreate + 3);
      assert.deepEqual([...deleted.tokens].sort(), [...tokens].sort());
      assert.equal(deleted.reset, false);
      // Read in pages.
      const page = await h.dnsKeys.keyZoneChangesSince(start, 2);
      assert.deepEqual(page, { seq: start + 2, tokens: tokens.slice(0, 2), reset: false });
      // Nothing changes the sequence but keys.
      await h.store.ensureEmailIdentity(A, 'x@feed.example', 1);
      assert.equal(await h.dnsKeys.keyZoneSeq(), afterCreate + 3);
    });

    it('journals each key change with its value, for IXFR, and gives consistent snapshots (migration 0012)', async () => {
      const start = await h.dnsKeys.keyZoneSeq();
      assert.deepEqual(await h.dnsKeys.keyZoneJournal(start, 100), []);
      const tokens = await domainWithDkim(A, 'journal.example');
      const keys = new Map((await h.dnsKeys.listKeys(0, 100_000)).keys.map((k) => [k.token, k.publicKey]));
      const other = await openAnother();
      await other.store.deleteIdentity(A, 'journal.example');
      const journal = await h.dnsKeys.keyZoneJournal(start, 100);
      assert.ok(journal !== null);
      assert.deepEqual(
        journal.map((c) => c.seq),
        [1, 2, 3, 4, 5, 6].map((n) => start + n),
      );
      assert.deepEqual(
        journal.slice(0, 3).map((c) => [c.op, c.token, c.publicKey]),
        tokens.map((t) => ['add', t, keys.get(t)]),
      );
      // A deletion carries the key deleted: a secondary removes a record only given its exact RDATA.
      assert.deepEqual(
        journal
          .slice(3)
          .map((c) => [c.op, c.token, c.publicKey])
          .sort(),
        tokens.map((t) => ['delete', t, keys.get(t)]).sort(),
      );
      // More changes than asked for, or a history that does not reach back: null (serve AXFR).
      assert.equal(await h.dnsKeys.keyZoneJournal(start, 5), null);
      assert.equal(await h.dnsKeys.keyZoneJournal(-5, 100), null);
      const snapshot = await h.dnsKeys.keyZoneSnapshot();
      assert.equal(snapshot.seq, start + 6);
      const listed = (await h.dnsKeys.listKeys(0, 100_000)).keys;
      assert.deepEqual(
        snapshot.keys,
        [...listed].sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0)),
      );
    });

    it('keeps the dev sandbox zone: published records, case-insensitive names, NODATA for other types', async () => {
      await h.sandbox.publish([
        { name: 'Sel._domainkey.Example.COM', type: 'CNAME', value: 'tok.dkim.test' },
        { name: 'sel._domainkey.example.com', type: 'CNAME', value: 'tok.dkim.test' },
      ]);
      assert.deepEqual(await h.sandbox.lookup('SEL._DOMAINKEY.example.com', 'CNAME'), { exists: true, values: ['tok.dkim.test'] });
      assert.deepEqual(await h.sandbox.lookup('sel._domainkey.example.com', 'TXT'), { exists: true, values: [] });
      assert.deepEqual(await h.sandbox.lookup('other.example.com', 'CNAME'), { exists: false, values: [] });
      const other = await openAnother();
      await other.sandbox.unpublish(['SEL._domainkey.example.com']);
      assert.deepEqual(await h.sandbox.lookup('sel._domainkey.example.com', 'CNAME'), { exists: false, values: [] });
    });
  });
}
