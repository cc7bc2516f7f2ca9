/**
 * Detection's transactions let the event loop in between their statements (issue 17). On SQLite
 * every statement runs synchronously, and awaiting it lets only microtasks run: at a million
 * identities a claim's full sweep held the loop (and the DNS server answering from memory on it) for
 * 1.2 s, and each write-back of a batch for 40 to 90 ms.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CheckCompletion } from '../src/app/detection-ports.ts';
import { openStorage, SQLITE_FILE } from '../src/storage/open-storage.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { writeDomainIdentities } from './helpers/raw-identities.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** How many turns of the event loop came while `work` ran (a setImmediate that schedules itself again). */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let counting = true;
  const turn = () => {
    if (!counting) return;
    turns++;
    setImmediate(turn);
  };
  setImmediate(turn);
  try {
    return { result: await work(), turns };
  } finally {
    counting = false;
  }
}

describe('SQLite: detection lets the event loop in', () => {
  const dir = tempDir('detection-yields');
  after(() => dir.remove());

  it("a claim's full sweep reads a range of identities at a time, and enrolls every one", async () => {
    const dataDir = join(dir.path, 'sweep');
    const storage = await openStorage({ databaseUrl: null, dataDir });
    try {
      // 30,000 domains as a build older than the detection flags (migration 0013) left them: no
      // detection row, not flagged. And one far beyond them (id 100,000,000).
      writeDomainIdentities(join(dataDir, SQLITE_FILE), { count: 30_000 });
      writeDomainIdentities(join(dataDir, SQLITE_FILE), { from: 100_000_000, count: 1 });
      // The first claim of a store sweeps every identity.
      const { result, turns } = await turnsDuring(() => storage.detection.claimDueChecks(1000, 10, 60_000));
      assert.equal(result.length, 10);
      // 30,000 ids in ranges of 5,000 and the one far beyond, two turns a range; the gap between
      // them costs a seek, not the 20,000 ranges it spans.
      assert.ok(turns >= 12 && turns < 100, `the event loop turned ${turns} times during the sweep`);
      const check = new BetterSqlite3(join(dataDir, SQLITE_FILE), { readonly: true });
      const enrolled = check.prepare('select count(*) as n, max(identity_id) as last from detection_checks').get() as { n: number; last: number };
      check.close();
      assert.deepEqual(enrolled, { n: 30_001, last: 100_000_000 });
    } finally {
      await storage.close();
    }
  });

  it('a write-back of a batch lets the loop in every few checks', async () => {
    const dataDir = join(dir.path, 'complete');
    const storage = await openStorage({ databaseUrl: null, dataDir });
    try {
      writeDomainIdentities(join(dataDir, SQLITE_FILE), { count: 200 });
      const targets = await storage.detection.claimDueChecks(1000, 200, 60_000);
      assert.equal(targets.length, 200);
      const completions: CheckCompletion[] = targets.map((t) => ({
        identityId: t.identityId,
        checkedAt: 2000,
        previousDkimStatus: t.dkim.status,
        dkim: { status: 'Pending', startedAt: t.dkim.startedAt, lastFoundAt: null, graceStartedAt: null, nextCheckAt: 60_000 },
        verificationStatus: 'Pending',
        nextCheckAt: 60_000,
        records: [{ name: `_amazonses.${t.domain}`, type: 'TXT', verdict: 'missing', observed: '' }],
      }));
      const { turns } = await turnsDuring(() => storage.detection.completeChecks(completions));
      // 200 checks, a turn every 16, and one before each insert of their records.
      assert.ok(turns >= 12, `the event loop turned ${turns} times during the write-back`);
      assert.equal((await storage.detection.claimDueChecks(59_000, 10, 60_000)).length, 0, 'every check written back');
    } finally {
      await storage.close();
    }
  });
  // The claim's transaction holds the store's connection across those turns; a read outside it
  // (an API request's) goes to the read-only connection and is answered meanwhile, with what was
  // committed (write-lock-first-dialect.ts). Before, it waited for the commit.
  it("an API read during a claim's transaction is answered before the claim commits", async () => {
    const dataDir = join(dir.path, 'read-beside');
    const storage = await openStorage({ databaseUrl: null, dataDir });
    try {
      writeDomainIdentities(join(dataDir, SQLITE_FILE), { count: 30_000 });
      const order: string[] = [];
      const claim = storage.detection.claimDueChecks(1000, 10, 60_000).then(() => order.push('claim'));
      await new Promise((resolve) => setImmediate(resolve));
      const scope = { accountId: '111111111111', region: 'us-east-1' };
      const read = storage.store.listIdentities(scope, { kind: null, after: 0, limit: 5 }).then((page) => {
        order.push('read');
        return page;
      });
      const [page] = await Promise.all([read, claim]);
      assert.deepEqual(order, ['read', 'claim']);
      assert.equal(page.names.length, 5);
    } finally {
      await storage.close();
    }
  });
});
