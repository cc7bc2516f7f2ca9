/**
 * Migration 0019's table of keys by slot (SQLite), which the DNS server's synchronous key read uses
 * (issue 17): kept equal to dkim_keys' well-formed tokens and keys by triggers through every write,
 * filled from an existing store by the migration, and tokens that share their first 60 bits take the
 * next of four slots. Each slot the triggers' SQL wrote is checked against the read's own firstSlot,
 * which computes it in JavaScript.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dkimTokenFromBytes, type Scope } from '../src/core/index.ts';
import { firstSlot } from '../src/storage/migrations/0019-sqlite-dns-key-slots.ts';
import { openStorage, SQLITE_FILE } from '../src/storage/open-storage.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { tempDir } from './helpers/temp-dir.ts';

const SCOPE: Scope = { accountId: '111111111111', region: 'us-east-1' };
const randomToken = () => dkimTokenFromBytes(randomBytes(20));
/** A well-formed token whose first 12 characters (60 bits) are `prefix`'s. */
const sharing = (prefix: string) => prefix + randomToken().slice(12);

type Row = { id: bigint; token: string; public_key: string };

/** Asserts the slot table holds exactly dkim_keys' well-formed (token, public key) pairs, each in one of its four slots. */
function assertSlotsMatch(file: string): Row[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const slots = db.prepare('SELECT id, token, public_key FROM dkim_key_slots ORDER BY token').safeIntegers(true).all() as Row[];
    const keys = (db.prepare('SELECT token, public_key FROM dkim_keys ORDER BY token').all() as Omit<Row, 'id'>[]).filter((k) =>
      /^[a-z2-7]{32}$/.test(k.token),
    );
    assert.deepEqual(
      slots.map(({ token, public_key }) => ({ token, public_key })),
      keys,
    );
    for (const s of slots) {
      const offset = s.id - firstSlot(s.token);
      assert.ok(offset >= 0n && offset < 4n, `${s.token} in slot ${s.id}, its first is ${firstSlot(s.token)}`);
    }
    return slots;
  } finally {
    db.close();
  }
}

describe("migration 0019's key slots on SQLite", () => {
  const dir = tempDir('dns-key-slots');
  after(() => dir.remove());

  /** A store of its own in `name`, with `poolKeys` keys in the pool for createDomainDkim, and a raw connection to its file. */
  async function storeWithPool(name: string, poolKeys: number) {
    const dataDir = join(dir.path, name);
    const file = join(dataDir, SQLITE_FILE);
    const storage = await openStorage({ databaseUrl: null, dataDir });
    await storage.store.addPoolKeys(
      Array.from({ length: poolKeys }, (_, n) => ({ bits: 1024, publicKey: `pub-${n}`, sealedPrivateKey: `s-${n}`, createdAt: n })),
    );
    return { storage, file, raw: new BetterSqlite3(file) };
  }

  it('follow every write to dkim_keys, and the synchronous read finds each key by them', async () => {
    const { storage, file, raw } = await storeWithPool('writes', 6);
    try {
      const findNow = storage.dnsKeys.findKeyNow!;
      const a = [randomToken(), randomToken(), randomToken()];
      // Labels Signet never makes (a test's zone, an import) have no slot and are read by the token's index.
      const odd = ['odd0', 'odd1', 'odd2'].map((t) => t.padEnd(32, '0'));
      for (const [domain, tokens] of [
        ['a.example', a],
        ['odd.example', odd],
      ] as const) {
        const created = await storage.store.createDomainDkim(SCOPE, { domain, tokens: [...tokens], verificationToken: 'vt', keyBits: 1024, now: 1 });
        assert.equal(created.kind, 'created');
      }
      assert.equal(assertSlotsMatch(file).length, 3);
      for (const token of [...a, ...odd]) assert.match(findNow(token)?.publicKey ?? '', /^pub-\d$/, token);
      assert.equal(findNow(randomToken()), null, 'a token that is not there');

      // A key's public key replaced, and a token changed (rotation and repair paths write these).
      const moved = randomToken();
      const renamed = odd[0]!.replace('odd', 'abc').replace(/0/g, 'a');
      raw.prepare('UPDATE dkim_keys SET public_key = ? WHERE token = ?').run('pub-new', a[0]);
      raw.prepare('UPDATE dkim_keys SET token = ? WHERE token = ?').run(moved, a[1]);
      raw.prepare('UPDATE dkim_keys SET token = ? WHERE token = ?').run(renamed, odd[0]);
      storage.dnsKeys.refreshKeyReads!();
      assertSlotsMatch(file);
      assert.equal(findNow(a[0]!)?.publicKey, 'pub-new');
      assert.equal(findNow(a[1]!), null, 'the old token is gone');
      assert.match(findNow(moved)?.publicKey ?? '', /^pub-\d$/, 'the new one is found');
      assert.match(findNow(renamed)?.publicKey ?? '', /^pub-\d$/, 'a label renamed into a token is found by its slot');

      // A token renamed into a label that is none leaves its slot, and is still found (by the index).
      const unformed = `${a[2]!.slice(0, 31)}0`;
      raw.prepare('UPDATE dkim_keys SET token = ? WHERE token = ?').run(unformed, a[2]);
      // Rows removed by REPLACE fire no delete trigger: the insert and update triggers clear the token's slot first.
      raw
        .prepare(
          "INSERT OR REPLACE INTO dkim_keys SELECT id, identity_id, token, position, bits, 'pub-replaced', sealed_private_key, state, created_at, published_at, activated_at, retired_at FROM dkim_keys WHERE token = ?",
        )
        .run(a[0]);
      raw.prepare('UPDATE OR REPLACE dkim_keys SET token = ? WHERE token = ?').run(a[0], moved);
      // The read takes the slot table (not dkim_keys) for a token: what is in the slot is what is answered.
      raw.prepare("UPDATE dkim_key_slots SET public_key = 'from-the-slot' WHERE token = ?").run(renamed);
      storage.dnsKeys.refreshKeyReads!();
      assert.equal(findNow(renamed)?.publicKey, 'from-the-slot');
      raw.prepare('UPDATE dkim_key_slots SET public_key = (SELECT public_key FROM dkim_keys WHERE token = ?) WHERE token = ?').run(renamed, renamed);
      storage.dnsKeys.refreshKeyReads!();
      assertSlotsMatch(file);
      assert.match(findNow(unformed)?.publicKey ?? '', /^pub-\d$/);
      assert.equal(findNow(a[2]!), null);
      assert.match(findNow(a[0]!)?.publicKey ?? '', /^pub-\d$/, "the replaced row's key gone, the moved key's in its place");
      assert.equal(findNow(moved), null);

      assert.equal(await storage.store.deleteIdentity(SCOPE, 'a.example'), true);
      storage.dnsKeys.refreshKeyReads!();
      assert.equal(assertSlotsMatch(file).length, 1, 'the renamed odd token alone is left');
      for (const token of [...a, moved, unformed]) assert.equal(findNow(token), null, `${token} deleted`);
    } finally {
      raw.close();
      await storage.close();
    }
  });

  it('give tokens that share their first 60 bits the next slots, and fail a fifth write rather than leave it out', async () => {
    const { storage, file, raw } = await storeWithPool('shared', 12);
    try {
      const findNow = storage.dnsKeys.findKeyNow!;
      const prefix = 'abcdefghijkl';
      const first = [sharing(prefix), sharing(prefix), sharing(prefix)];
      const second = [sharing(prefix), randomToken(), randomToken()];
      const create = (domain: string, tokens: string[]) =>
        storage.store.createDomainDkim(SCOPE, { domain, tokens, verificationToken: 'vt', keyBits: 1024, now: 1 });
      assert.equal((await create('one.example', first)).kind, 'created');
      assert.equal((await create('two.example', second)).kind, 'created');
      const slots = assertSlotsMatch(file).filter((s) => s.token.startsWith(prefix));
      assert.deepEqual(slots.map((s) => s.id - firstSlot(prefix.padEnd(32, 'a'))).sort(), [0n, 1n, 2n, 3n], 'four tokens, four slots');
      for (const token of [...first, ...second]) assert.ok(findNow(token), `${token} found`);

      const fifth = [sharing(prefix), randomToken(), randomToken()];
      await assert.rejects(create('three.example', fifth), /no free slot/);
      assertSlotsMatch(file);
      assert.equal((await storage.store.getIdentities(SCOPE, ['three.example'])).size, 0, 'nothing of the failed write is kept');
      // A freed slot is taken again.
      assert.equal(await storage.store.deleteIdentity(SCOPE, 'one.example'), true);
      assert.equal((await create('three.example', fifth)).kind, 'created');
      storage.dnsKeys.refreshKeyReads!();
      assertSlotsMatch(file);
      for (const token of [...second, ...fifth]) assert.ok(findNow(token), `${token} found`);
      for (const token of first) assert.equal(findNow(token), null);
    } finally {
      raw.close();
      await storage.close();
    }
  });

  it("are filled from an existing store's keys when the migration runs, shared prefixes included", async () => {
    const dataDir = join(dir.path, 'migrate');
    const file = join(dataDir, SQLITE_FILE);
    const prefix = 'zyxwvutsrqpo';
    const tokens = [randomToken(), sharing(prefix), sharing(prefix), sharing(prefix), sharing(prefix), 'not-a-token'];
    await (await openStorage({ databaseUrl: null, dataDir })).close();
    // The store as 0018 left it (no slot table, no triggers, 0016's index; 0020 and 0021, which came
    // after, undone too: Kysely runs migrations in order), with keys written then.
    const raw = new BetterSqlite3(file);
    try {
      raw.exec(`DROP TRIGGER dkim_key_slots_insert; DROP TRIGGER dkim_key_slots_delete; DROP TRIGGER dkim_key_slots_update;
        DROP TABLE dkim_key_slots; CREATE INDEX dkim_keys_token_public_key ON dkim_keys (token, public_key);
        DELETE FROM kysely_migration WHERE name = '0019-sqlite-dns-key-slots';
        DROP INDEX email_verifications_expiry_unhandled; ALTER TABLE email_verifications DROP COLUMN expiry_handled;
        DELETE FROM kysely_migration WHERE name = '0021-verification-expiry-handled';
        DROP TRIGGER outbox_counts_insert; DROP TRIGGER outbox_counts_failed; DROP TABLE outbox_counts_by_minute; DROP INDEX outbox_created;
        DELETE FROM kysely_migration WHERE name = '0020-outbox-counts-by-minute'`);
      raw
        .prepare(
          "INSERT INTO identities (account_id, region, name, kind, verification_status, verification_token, dkim_enabled, dkim_status, created_at) VALUES ('111111111111', 'us-east-1', 'm.example', 'domain', 'Pending', 'vt', 1, 'Pending', 1)",
        )
        .run();
      const id = raw.prepare("SELECT id FROM identities WHERE name = 'm.example'").pluck().get();
      const insert = raw.prepare(
        "INSERT INTO dkim_keys (identity_id, token, position, bits, public_key, sealed_private_key, state, created_at) VALUES (?, ?, ?, 1024, ?, 'sealed', 'active', 1)",
      );
      tokens.forEach((token, i) => insert.run(id, token, i, `pub-${i}`));
    } finally {
      raw.close();
    }
    const storage = await openStorage({ databaseUrl: null, dataDir });
    try {
      const slots = assertSlotsMatch(file);
      assert.equal(slots.length, 5, 'every well-formed token, the one that is not left out');
      assert.deepEqual(
        slots
          .filter((s) => s.token.startsWith(prefix))
          .map((s) => s.id - firstSlot(prefix.padEnd(32, 'a')))
          .sort(),
        [0n, 1n, 2n, 3n],
        'four tokens sharing their first 60 bits: every probe pass',
      );
      tokens.forEach((token, i) => assert.equal(storage.dnsKeys.findKeyNow!(token)?.publicKey, `pub-${i}`, token));
      const check = new BetterSqlite3(file, { readonly: true });
      try {
        const index = check.prepare("SELECT name FROM sqlite_schema WHERE name = 'dkim_keys_token_public_key'").get();
        assert.equal(index, undefined, "0016's index is dropped: the slots replace it");
      } finally {
        check.close();
      }
    } finally {
      await storage.close();
    }
  });

  it("are compared with the keys by the store's consistency check (admin status --check, admin restore)", async () => {
    const { storage, raw } = await storeWithPool('check', 6);
    try {
      const prefix = 'abcdefghijkl';
      const tokens = [randomToken(), sharing(prefix), sharing(prefix)];
      const created = await storage.store.createDomainDkim(SCOPE, { domain: 'c.example', tokens, verificationToken: 'vt', keyBits: 1024, now: 1 });
      assert.equal(created.kind, 'created');
      const integrity = async () => (await storage.checkConsistency()).integrity;
      assert.deepEqual(await integrity(), ['ok'], 'three keys, two sharing a prefix: the slots agree');
      assert.equal((await storage.checkConsistency()).ok, true);

      // Each disagreement on its own, undone after: a slot gone, a slot holding another key, a slot out of its token's range.
      const slotOf = (token: string) => raw.prepare('SELECT id FROM dkim_key_slots WHERE token = ?').safeIntegers(true).pluck().get(token) as bigint;
      const saved = raw.prepare('SELECT * FROM dkim_key_slots WHERE token = ?').safeIntegers(true).get(tokens[0]) as Row;
      raw.prepare('DELETE FROM dkim_key_slots WHERE token = ?').run(tokens[0]);
      assert.deepEqual(await integrity(), ['dkim_key_slots: 1 keys have no slot (DNS would not answer them)']);
      assert.equal((await storage.checkConsistency()).ok, false);
      raw.prepare('INSERT INTO dkim_key_slots (id, token, public_key) VALUES (?, ?, ?)').run(saved.id, saved.token, saved.public_key);
      assert.deepEqual(await integrity(), ['ok']);

      raw.prepare("UPDATE dkim_key_slots SET public_key = 'gone' WHERE token = ?").run(tokens[1]);
      assert.deepEqual(await integrity(), [
        'dkim_key_slots: 1 keys have no slot (DNS would not answer them)',
        'dkim_key_slots: 1 slots hold no current key (DNS would answer keys that are gone)',
      ]);
      raw.prepare('UPDATE dkim_key_slots SET public_key = (SELECT public_key FROM dkim_keys WHERE token = ?) WHERE token = ?').run(tokens[1], tokens[1]);
      assert.deepEqual(await integrity(), ['ok']);

      // Moved four slots up: the row is there, but no read would look for it there.
      raw.prepare('UPDATE dkim_key_slots SET id = id + 4 WHERE token = ?').run(tokens[2]);
      assert.equal(slotOf(tokens[2]!) - firstSlot(tokens[2]!) >= 4n, true);
      assert.deepEqual(await integrity(), [
        'dkim_key_slots: 1 keys have no slot (DNS would not answer them)',
        'dkim_key_slots: 1 slots hold no current key (DNS would answer keys that are gone)',
      ]);
      raw.prepare('UPDATE dkim_key_slots SET id = id - 4 WHERE token = ?').run(tokens[2]);
      assert.deepEqual(await integrity(), ['ok']);

      raw.exec('DROP TRIGGER dkim_key_slots_delete');
      assert.deepEqual(await integrity(), ['dkim_key_slots: 1 of its triggers on dkim_keys are missing']);
    } finally {
      raw.close();
      await storage.close();
    }
  });

  it('are rebuilt from the keys by admin rebuild-dns-keys, triggers included, whatever was wrong', async () => {
    const { storage, file, raw } = await storeWithPool('rebuild', 9);
    try {
      const prefix = 'mnopqrstuvwx';
      const tokens = [randomToken(), sharing(prefix), sharing(prefix)];
      const others = [randomToken(), randomToken(), randomToken()];
      const create = (domain: string, t: string[]) =>
        storage.store.createDomainDkim(SCOPE, { domain, tokens: t, verificationToken: 'vt', keyBits: 1024, now: 1 });
      assert.equal((await create('r.example', tokens)).kind, 'created');
      assert.equal((await create('s.example', others)).kind, 'created');
      // Every kind of disagreement at once: a slot gone, one with another key, one out of range, a
      // slot for no key at all, and a trigger dropped (so a later delete leaves its slots behind).
      raw.prepare('DELETE FROM dkim_key_slots WHERE token = ?').run(tokens[0]);
      raw.prepare("UPDATE dkim_key_slots SET public_key = 'gone' WHERE token = ?").run(tokens[1]);
      raw.prepare('UPDATE dkim_key_slots SET id = id + 4 WHERE token = ?').run(tokens[2]);
      raw.prepare("INSERT INTO dkim_key_slots (id, token, public_key) VALUES (?, ?, 'stray')").run(firstSlot(others[0]!) + 2n, randomToken());
      raw.exec('DROP TRIGGER dkim_key_slots_delete');
      assert.equal(await storage.store.deleteIdentity(SCOPE, 's.example'), true);
      assert.equal((await storage.checkConsistency()).ok, false);

      assert.equal(await storage.rebuildDnsKeyTable(), 3, "r.example's three keys, nothing else");
      assertSlotsMatch(file);
      const report = await storage.checkConsistency();
      assert.deepEqual(report.integrity, ['ok']);
      assert.equal(report.ok, true);
      storage.dnsKeys.refreshKeyReads!();
      for (const token of tokens) assert.match(storage.dnsKeys.findKeyNow!(token)?.publicKey ?? '', /^pub-\d$/, token);
      for (const token of others) assert.equal(storage.dnsKeys.findKeyNow!(token), null, `${token} was deleted`);
      // The triggers are back: a write after the rebuild keeps the table.
      assert.equal(await storage.store.deleteIdentity(SCOPE, 'r.example'), true);
      assert.equal(assertSlotsMatch(file).length, 0);
      assert.equal((await create('t.example', [randomToken(), randomToken(), randomToken()])).kind, 'created');
      const before = assertSlotsMatch(file);
      assert.equal(before.length, 3);
      assert.equal(await storage.rebuildDnsKeyTable(), 3, 'a table that agrees is rebuilt the same');
      assert.deepEqual(assertSlotsMatch(file), before, 'the same rows in the same slots');
      assert.deepEqual((await storage.checkConsistency()).integrity, ['ok']);
    } finally {
      raw.close();
      await storage.close();
    }
  });

  it('leave the table and its triggers as they were when a rebuild fails (a fifth token for four slots)', async () => {
    const { storage, raw } = await storeWithPool('rebuild-fails', 3);
    try {
      const prefix = 'qrstuvwxyz23';
      assert.equal(
        (
          await storage.store.createDomainDkim(SCOPE, {
            domain: 'f.example',
            tokens: [sharing(prefix), sharing(prefix), sharing(prefix)],
            verificationToken: 'vt',
            keyBits: 1024,
            now: 1,
          })
        ).kind,
        'created',
      );
      // Two more keys of the same 60 bits written with the insert trigger gone: five tokens for four slots.
      raw.exec('DROP TRIGGER dkim_key_slots_insert');
      const id = raw.prepare("SELECT id FROM identities WHERE name = 'f.example'").pluck().get();
      const insert = raw.prepare(
        "INSERT INTO dkim_keys (identity_id, token, position, bits, public_key, sealed_private_key, state, created_at) VALUES (?, ?, ?, 1024, 'pub-x', 'sealed', 'retired', 1)",
      );
      insert.run(id, sharing(prefix), 3);
      insert.run(id, sharing(prefix), 4);
      const before = slotRows(raw);
      await assert.rejects(storage.rebuildDnsKeyTable(), /dkim_key_slots: 1 tokens found no free slot/);
      assert.deepEqual(slotRows(raw), before, 'the slots as they were');
      const triggers = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'dkim_key_slots_%' ORDER BY name").pluck().all();
      assert.deepEqual(triggers, ['dkim_key_slots_delete', 'dkim_key_slots_update'], 'the dropped trigger still missing, the others kept');
      // And the store's connection is out of the transaction: a write goes through.
      assert.equal(await storage.store.deleteIdentity(SCOPE, 'f.example'), true);
    } finally {
      raw.close();
      await storage.close();
    }
  });
});

/** The slot table's rows, in id order. */
function slotRows(raw: InstanceType<typeof BetterSqlite3>): Row[] {
  return raw.prepare('SELECT id, token, public_key FROM dkim_key_slots ORDER BY id').safeIntegers(true).all() as Row[];
}
