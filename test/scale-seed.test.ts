/**
 * The scale benchmark's fixture (bench/scale-seed.ts) on PostgreSQL does the key zone trigger's work
 * once per transaction instead of once per key (issue 17: per row, 1M domains took hours). What it
 * leaves must be what the trigger leaves, or Signet would serve the seeded store wrongly: the same
 * change sequence, the same journal, and the trigger on again afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { makeKeyPairs, seedDomains } from '../bench/scale-seed.ts';
import { SecretBox } from '../src/secrets/secret-box.ts';
import { openPostgresStorage, postgresKysely } from '../src/storage/postgres/open-postgres-store.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);

describe('the scale fixture on PostgreSQL', { skip }, () => {
  const pairs = makeKeyPairs(2, 1024);
  const box = new SecretBox(randomBytes(32));

  /** A migrated schema seeded with 12 domains, 5 per transaction; its change feed as the store reads it. */
  async function seeded(bulkKeyZoneJournal: boolean) {
    const schema = freshSchema();
    const storage = await openPostgresStorage({ url: url!, schema, maxConnections: 2 });
    const db = postgresKysely(new pg.Pool({ connectionString: url!, options: `-c search_path=${schema}`, max: 2 }));
    try {
      await seedDomains(db, { accountId: '111111111111', region: 'us-east-1', count: 12, box, pairs, perTransaction: 5, now: 1_000_000, bulkKeyZoneJournal });
      const journal = await db.selectFrom('key_zone_changes').select(['seq', 'token', 'op', 'public_key']).orderBy('seq').execute();
      const trigger = await db
        .selectFrom('pg_catalog.pg_trigger' as never)
        .select('tgenabled' as never)
        .where('tgname' as never, '=', 'dkim_keys_zone_changed' as never)
        .executeTakeFirstOrThrow();
      return { seq: await storage.dnsKeys.keyZoneSeq(), journal: journal.map((r) => ({ ...r, seq: Number(r.seq) })), trigger, storage };
    } finally {
      await db.destroy();
    }
  }

  it('leaves the change sequence and journal the per-row trigger leaves, and the trigger on', async () => {
    const bulk = await seeded(true);
    const perRow = await seeded(false);
    try {
      assert.equal(bulk.seq, 36);
      assert.equal(bulk.seq, perRow.seq);
      assert.deepEqual(bulk.journal, perRow.journal);
      assert.deepEqual(bulk.trigger, { tgenabled: 'O' }, 'the trigger is enabled again');
      const changes = await bulk.storage.dnsKeys.keyZoneChangesSince(0, 1000);
      assert.equal(changes.reset, false);
      assert.equal(changes.tokens.length, 36);
      // A key the application writes afterwards is journaled by the trigger, after the fixture's.
      await bulk.storage.store.addPoolKeys([{ bits: 1024, publicKey: 'pub-x', sealedPrivateKey: 'sealed-x', createdAt: 1 }]);
      const created = await bulk.storage.store.createDomainDkim(
        { accountId: '111111111111', region: 'us-east-1' },
        { domain: 'after.example', tokens: ['x0', 'x1', 'x2'].map((t) => t.padEnd(32, 'a')), verificationToken: 'vt', keyBits: 1024, now: 2 },
      );
      assert.equal(created.kind, 'pool_short', 'one pool key for three tokens: nothing written');
      await bulk.storage.store.addPoolKeys([2, 3].map((n) => ({ bits: 1024, publicKey: `pub-${n}`, sealedPrivateKey: `sealed-${n}`, createdAt: n })));
      await bulk.storage.store.createDomainDkim(
        { accountId: '111111111111', region: 'us-east-1' },
        { domain: 'after.example', tokens: ['x0', 'x1', 'x2'].map((t) => t.padEnd(32, 'a')), verificationToken: 'vt', keyBits: 1024, now: 2 },
      );
      assert.equal(await bulk.storage.dnsKeys.keyZoneSeq(), 39);
    } finally {
      await bulk.storage.close();
      await perRow.storage.close();
    }
  });
});
