/**
 * The queries whose cost must not grow with the number of identities (issue 17, bench/scale.ts),
 * checked with each engine's own planner: SQLite's EXPLAIN QUERY PLAN and PostgreSQL's EXPLAIN, on
 * a store migrated as the application migrates it. The SQL is the text the store's Kysely queries
 * compile to (kysely-store.ts listIdentities, kysely-dns-key-store.ts listKeys, findKey, findKeys and recentKeys,
 * kysely-outbox-store.ts expire, purge and countRecipientsSince).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { KEYS_BY_TOKEN_ARRAY_SQL, openPostgresStore } from '../src/storage/postgres/open-postgres-store.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { KEY_BY_TOKEN_SQL, KEY_LOOKUP_SQL, openSqliteStore } from '../src/storage/sqlite/open-sqlite-store.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';
import { tempDir } from './helpers/temp-dir.ts';

const LIST_ALL = 'select "id", "name" from "identities" where "account_id" = $1 and "region" = $2 and "id" > $3 order by "id" limit $4';
const LIST_KIND = 'select "id", "name" from "identities" where "account_id" = $1 and "region" = $2 and "id" > $3 and "kind" = $4 order by "id" limit $5';
const KEYS_PAGE = 'select "id", "token", "public_key" from "dkim_keys" where "id" > $1 order by "id" limit $2';
const FIND_KEY = 'select "token", "public_key" from "dkim_keys" where "token" = $1';
// kysely-dns-key-store.ts recentKeys: the first page, and the next ones (before a position).
const RECENT_KEYS = 'select "id", "token", "public_key" from "dkim_keys" order by "id" desc limit $1';
const RECENT_KEYS_BEFORE = 'select "id", "token", "public_key" from "dkim_keys" where "id" < $1 order by "id" desc limit $2';
// kysely-dns-key-store.ts findKeys: the DNS cache's asynchronous misses, read together (SQLite's IN
// list; PostgreSQL's is KEYS_BY_TOKEN_ARRAY_SQL, one array parameter).
const FIND_KEYS = 'select "token", "public_key" from "dkim_keys" where "token" in ($1, $2, $3)';
// kysely-store.ts getDkimTokens (GetIdentityDkimAttributes and the other DKIM views), for one domain.
const DKIM_TOKENS =
  'select "i"."name", "k"."token" from "dkim_keys" as "k" inner join "identities" as "i" on "i"."id" = "k"."identity_id" where "i"."account_id" = $1 and "i"."region" = $2 and "i"."kind" = $3 and "i"."name" in ($4) order by "i"."name", "k"."position"';
// kysely-detection-store.ts #handleFlagged (the FOR UPDATE SKIP LOCKED PostgreSQL adds changes no index choice).
const FLAGGED = 'select "id" from "identities" where "detection_dirty" = 1 order by "id" limit $1';
// kysely-outbox-store.ts expire (the relay worker's housekeeping, once a minute): Pending addresses
// whose every verification link has ended, among those of the links that ended since the last run;
// then those links marked seen.
const EXPIRE_ADDRESSES =
  'update "identities" set "verification_status" = $1 where "kind" = $2 and "verification_status" = $3 and "id" in (select (select "i"."id" from "identities" as "i" where "i"."account_id" = "e"."account_id" and "i"."region" = "e"."region" and "i"."name" = "e"."address") as "id" from "email_verifications" as "e" where "e"."expiry_handled" = 0 and "e"."expires_at" < $4 group by "e"."account_id", "e"."region", "e"."address" having (select max("v"."expires_at") as "latest" from "email_verifications" as "v" where "v"."account_id" = "e"."account_id" and "v"."region" = "e"."region" and "v"."address" = "e"."address") < $5)';
const EXPIRY_SEEN = 'update "email_verifications" set "expiry_handled" = $1 where "expiry_handled" = 0 and "expires_at" < $2';

// kysely-outbox-store.ts purge and purgeCounts (the same housekeeping): the messages past the
// retention, and the per-minute counts past their two weeks (migration 0020).
const PURGE_MESSAGES = 'delete from "outbox_messages" where "created_at" < $1 and "delivery_status" != $2';
const PURGE_COUNTS = 'delete from "outbox_counts_by_minute" where "minute" < $1';
// kysely-outbox-store.ts countRecipientsSince (the daily quota, read by every send): the whole minutes
// from their counts, and the first minute from its messages.
const COUNT_MINUTES = 'select sum("recipients") as "total" from "outbox_counts_by_minute" where "account_id" = $1 and "region" = $2 and "minute" > $3';
// kysely-outbox-store.ts sendActivity (GetSendStatistics), from the same counts by 15 minutes.
const SEND_ACTIVITY =
  'select minute / 15 as "interval", sum("attempts") as "attempts", sum("failed") as "failed" from "outbox_counts_by_minute" where "account_id" = $1 and "region" = $2 and "minute" >= $3 group by minute / 15 having sum("messages") > $4 order by minute / 15';
const COUNT_FIRST_MINUTE =
  'select sum("recipient_count") as "total" from "outbox_messages" where "account_id" = $1 and "region" = $2 and "created_at" > $3 and "created_at" < $4';

const sqliteText = (sql: string) => sql.replace(/\$\d+/g, '?');

describe('query plans on SQLite', () => {
  const dir = tempDir('plans-sqlite');
  after(() => dir.remove());

  async function plan(sql: string, params: unknown[]): Promise<string> {
    const file = join(dir.path, 'signet.db');
    await (await openSqliteStore(file)).close();
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${sqliteText(sql)}`).all(...params) as { detail: string }[];
      return rows.map((r) => r.detail).join('\n');
    } finally {
      db.close();
    }
  }

  it('ListIdentities without a type reads its page in id order from an index, with no sort', async () => {
    const text = await plan(LIST_ALL, ['000000000000', 'us-east-1', 0, 101]);
    assert.match(text, /USING (COVERING )?INDEX identities_scope_id \(account_id=\? AND region=\? AND (rowid|id)>\?\)/);
    assert.doesNotMatch(text, /TEMP B-TREE/);
  });

  it('ListIdentities of one type too', async () => {
    const text = await plan(LIST_KIND, ['000000000000', 'us-east-1', 0, 'Domain', 101]);
    assert.match(text, /USING (COVERING )?INDEX identities_scope_(kind_)?id/);
    assert.doesNotMatch(text, /TEMP B-TREE/);
  });

  it('the key zone is read in pages of the table in its own order, and a key found by the token index', async () => {
    const page = await plan(KEYS_PAGE, [0, 2000]);
    assert.match(page, /SEARCH dkim_keys USING INTEGER PRIMARY KEY \(rowid>\?\)/);
    assert.doesNotMatch(page, /TEMP B-TREE/);
    assert.match(await plan(FIND_KEY, ['a']), /SEARCH dkim_keys USING INDEX \S+ \(token=\?\)/);
    // The DNS server's synchronous read of the same key (SQLite only): a range of four integer keys of
    // migration 0019's slot table, no index and none of dkim_keys' 3 KB rows (the sealed key) read; a
    // label that is no token is read with findKey's statement.
    assert.match(
      await plan(KEY_LOOKUP_SQL, [{ slot: 0n, token: 'a'.repeat(32) }]),
      /^SEARCH dkim_key_slots USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)$/,
    );
    assert.equal(KEY_BY_TOKEN_SQL, sqliteText(FIND_KEY));
  });

  it("a domain's tokens are read from an index alone (no 3 KB key rows), in position order", async () => {
    const text = await plan(DKIM_TOKENS, ['000000000000', 'us-east-1', 'Domain', 'd1.example']);
    assert.match(text, /SEARCH i USING (COVERING )?INDEX \S+ \(account_id=\? AND region=\? AND name=\?\)/);
    assert.match(text, /SEARCH k USING COVERING INDEX dkim_keys_identity_position_token \(identity_id=\?\)/);
    assert.doesNotMatch(text, /TEMP B-TREE/);
  });

  it("the DNS cache's first keys are read in table order, newest first, with no sort", async () => {
    const text = await plan(RECENT_KEYS, [50000]);
    assert.match(text, /^SCAN dkim_keys$/m);
    assert.doesNotMatch(text, /TEMP B-TREE/);
    const next = await plan(RECENT_KEYS_BEFORE, [100000, 500]);
    assert.match(next, /^SEARCH dkim_keys USING INTEGER PRIMARY KEY \(rowid<\?\)$/m);
    assert.doesNotMatch(next, /TEMP B-TREE/);
  });

  it("the DNS cache's misses read together are found by a token index, not by reading the table", async () => {
    const text = await plan(FIND_KEYS, ['a', 'b', 'c']);
    assert.match(text, /SEARCH dkim_keys USING (COVERING )?INDEX \S+ \(token=\?\)/);
    assert.doesNotMatch(text, /SCAN dkim_keys/);
  });

  it("detection's claims find the flagged identities through the partial index, not by reading every identity", async () => {
    const text = await plan(FLAGGED, [5000]);
    assert.match(text, /USING (COVERING )?INDEX identities_detection_dirty/);
    assert.doesNotMatch(text, /SCAN identities(?! USING)/);
  });

  it('the expiry of address links reads the links that ended since it last ran, and finds each address and identity by its key', async () => {
    const text = await plan(EXPIRE_ADDRESSES, ['Failed', 'EmailAddress', 'Pending', 1000, 1000]);
    assert.match(text, /SEARCH identities USING INTEGER PRIMARY KEY/);
    assert.match(text, /SEARCH e USING INDEX email_verifications_expiry_unhandled \(expires_at<\?\)/);
    assert.match(text, /SEARCH v USING (COVERING )?INDEX email_verifications_address \(account_id=\? AND region=\? AND address=\?\)/);
    assert.match(text, /SEARCH i USING (COVERING )?INDEX sqlite_autoindex_identities_1 \(account_id=\? AND region=\? AND name=\?\)/);
    assert.doesNotMatch(text, /SCAN (identities|i|e|v|email_verifications)\b/);
    assert.match(await plan(EXPIRY_SEEN, [1, 1000]), /SEARCH email_verifications USING INDEX email_verifications_expiry_unhandled \(expires_at<\?\)/);
  });

  it("the outbox's purge finds the messages and counts past their time by index, not by reading every message", async () => {
    const messages = await plan(PURGE_MESSAGES, [1000, 'pending']);
    assert.match(messages, /SEARCH outbox_messages USING INDEX outbox_created \(created_at<\?\)/);
    assert.doesNotMatch(messages, /SCAN outbox_messages/);
    const counts = await plan(PURGE_COUNTS, [10]);
    assert.match(counts, /SEARCH outbox_counts_by_minute USING (COVERING )?INDEX outbox_counts_by_minute_minute \(minute<\?\)/);
  });

  it("the daily quota's count and GetSendStatistics read a scope's minutes by its key, the quota the first minute's messages by the scope's time index", async () => {
    const minutes = await plan(COUNT_MINUTES, ['111111111111', 'us-east-1', 10]);
    assert.match(
      minutes,
      /SEARCH outbox_counts_by_minute USING INDEX sqlite_autoindex_outbox_counts_by_minute_1 \(account_id=\? AND region=\? AND minute>\?\)/,
    );
    const first = await plan(COUNT_FIRST_MINUTE, ['111111111111', 'us-east-1', 1000, 60000]);
    assert.match(first, /SEARCH outbox_messages USING INDEX outbox_scope_time \(account_id=\? AND region=\? AND created_at>\? AND created_at<\?\)/);
    const activity = await plan(SEND_ACTIVITY, ['111111111111', 'us-east-1', 10, 0]);
    assert.match(
      activity,
      /SEARCH outbox_counts_by_minute USING INDEX sqlite_autoindex_outbox_counts_by_minute_1 \(account_id=\? AND region=\? AND minute>\?\)/,
    );
    assert.doesNotMatch(activity, /outbox_messages/);
  });
});

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);

describe('query plans on PostgreSQL', { skip }, () => {
  const schema = freshSchema();
  let client: pg.Client;

  async function plan(sql: string, params: unknown[]): Promise<string> {
    const rows = (await client.query(`EXPLAIN ${sql}`, params)).rows as { 'QUERY PLAN': string }[];
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('is set up: a migrated store with enough rows for the planner to choose as it would at scale', async () => {
    await (await openPostgresStore({ url: url!, schema, maxConnections: 2 })).close();
    client = new pg.Client({ connectionString: url!, options: `-c search_path=${schema}` });
    await client.connect();
    // A large scope and a small one (the planner may walk the primary key for a scope that is most of
    // the table; for a small one only the scope's index avoids reading everyone's rows), three keys
    // per domain. The key zone's triggers are off for this fixture: it checks plans, not the feed.
    await client.query('alter table dkim_keys disable trigger user');
    await client.query(`
      insert into identities (account_id, region, name, kind, verification_status, dkim_enabled, dkim_status, created_at)
      select case when g % 100 = 0 then '000000000000' else '111111111111' end, 'us-east-1', 'd' || g || '.example',
             case when g % 10 = 0 then 'EmailAddress' else 'Domain' end, 'Success', 1, 'Success', g
      from generate_series(1, 20000) as g`);
    await client.query(`
      insert into dkim_keys (identity_id, token, position, bits, public_key, sealed_private_key, state, created_at)
      select i.id, md5(i.id::text || ':' || p), p, 2048, 'pub', 'v1:sealed', 'active', 0
      from identities i cross join generate_series(0, 2) as p where i.kind = 'Domain'`);
    await client.query('alter table dkim_keys enable trigger user');
    // VACUUM as autovacuum does after inserts: it marks the pages all-visible, which index-only scans need.
    await client.query('vacuum analyze');
  });

  it('ListIdentities without a type reads its page in id order from an index, with no sort', async () => {
    for (const afterId of [0, 15000]) {
      // The small scope: 200 identities among 20,000.
      const text = await plan(LIST_ALL, ['000000000000', 'us-east-1', afterId, 101]);
      assert.match(text, /Index (Only )?Scan using identities_scope_id/);
      assert.doesNotMatch(text, /Sort/);
    }
  });

  it('ListIdentities of one type too', async () => {
    const text = await plan(LIST_KIND, ['000000000000', 'us-east-1', 0, 'Domain', 101]);
    assert.match(text, /Index (Only )?Scan using identities_scope_(kind_)?id/);
    assert.doesNotMatch(text, /Sort/);
  });

  it('the key zone is read in pages of the table in its own order, and a key found by the token index', async () => {
    const page = await plan(KEYS_PAGE, [30000, 2000]);
    assert.match(page, /Index Scan using dkim_keys_pkey/);
    assert.doesNotMatch(page, /Sort/);
    assert.match(await plan(FIND_KEY, ['8']), /Index (Only )?Scan using dkim_keys_token_(key|public_key)/);
  });

  it("a domain's tokens are read through the index that holds them, in position order", async () => {
    const text = await plan(DKIM_TOKENS, ['111111111111', 'us-east-1', 'Domain', 'd1.example']);
    assert.match(text, /Index (Only )?Scan using dkim_keys_identity_position_token/);
    assert.doesNotMatch(text, /Seq Scan/);
  });

  it("the DNS cache's first keys are read in table order, newest first, with no sort", async () => {
    const text = await plan(RECENT_KEYS, [5000]);
    assert.match(text, /Index Scan Backward using dkim_keys_pkey/);
    assert.doesNotMatch(text, /Sort/);
    const next = await plan(RECENT_KEYS_BEFORE, [30000, 500]);
    assert.match(next, /Index Scan Backward using dkim_keys_pkey/);
    assert.doesNotMatch(next, /Sort/);
  });

  it("the DNS cache's misses read together are found in the index that holds their public keys, not in the table", async () => {
    const tokens = (await client.query('select token from dkim_keys order by id desc limit 3')).rows.map((r: { token: string }) => r.token);
    const text = await plan(KEYS_BY_TOKEN_ARRAY_SQL, [tokens]);
    assert.match(text, /Index Only Scan using dkim_keys_token_public_key/);
    assert.doesNotMatch(text, /Seq Scan/);
    // And it finds them.
    const rows = (await client.query(KEYS_BY_TOKEN_ARRAY_SQL, [[...tokens, 'absent']])).rows as { token: string }[];
    assert.deepEqual(rows.map((r) => r.token).sort(), [...tokens].sort());
  });

  it('the expiry of address links reads the links that ended since it last ran, not every link or identity', async () => {
    // 20,000 links to the fixture's 2,000 addresses, ended long ago and seen, but for 20.
    await client.query(`
      insert into email_verifications (token_hash, account_id, region, address, created_at, expires_at, used_at, expiry_handled)
      select 'h' || i.id || '-' || g, i.account_id, i.region, i.name, g, g + 1000, null, case when i.id % 100 = 0 and g = 10 then 0 else 1 end
      from identities i cross join generate_series(1, 10) as g where i.kind = 'EmailAddress'`);
    await client.query('vacuum analyze email_verifications');
    const text = await plan(EXPIRE_ADDRESSES, ['Failed', 'EmailAddress', 'Pending', 5000, 5000]);
    assert.match(text, /Index (Only )?Scan using email_verifications_expiry_unhandled/);
    assert.doesNotMatch(text, /Seq Scan on (identities|email_verifications)/);
    const seen = await plan(EXPIRY_SEEN, [1, 5000]);
    assert.match(seen, /(Bitmap )?Index (Only )?Scan (using|on) email_verifications_expiry_unhandled/);
    assert.doesNotMatch(seen, /Seq Scan/);
  });

  it("the outbox's purge, the daily quota's count and GetSendStatistics read by index, not every message", async () => {
    // 20,000 messages over 20,000 minutes in two scopes (their per-minute counts kept by 0020's trigger).
    await client.query(`
      insert into outbox_messages (message_id, account_id, region, kind, source, envelope_from, recipients, recipient_count,
                                   subject, tags, raw_base64, created_at, delivery_status)
      select 'm' || g, case when g % 2 = 0 then '111111111111' else '222222222222' end, 'us-east-1', 'email', 's@example.com',
             's@example.com', '["r@example.com"]', 1, 'x', '[]', repeat('x', 2000), g * 60000::bigint, 'delivered'
      from generate_series(1, 20000) as g`);
    await client.query('vacuum analyze outbox_messages');
    await client.query('vacuum analyze outbox_counts_by_minute');
    const messages = await plan(PURGE_MESSAGES, [60000 * 10, 'pending']);
    assert.match(messages, /(Bitmap )?Index (Only )?Scan (using|on) outbox_created/);
    assert.doesNotMatch(messages, /Seq Scan/);
    assert.match(await plan(PURGE_COUNTS, [10]), /(Bitmap )?Index (Only )?Scan (using|on) outbox_counts_by_minute_minute/);
    const minutes = await plan(COUNT_MINUTES, ['111111111111', 'us-east-1', 19000]);
    assert.match(minutes, /(Bitmap )?Index (Only )?Scan (using|on) outbox_counts_by_minute_(pkey|minute)/);
    const first = await plan(COUNT_FIRST_MINUTE, ['111111111111', 'us-east-1', 60000 * 19000, 60000 * 19001]);
    // One minute either way: of this scope by its time index, or of every scope by the purge's.
    assert.match(first, /(Bitmap )?Index (Only )?Scan (using|on) outbox_(scope_time|created)/);
    assert.doesNotMatch(first, /Seq Scan/);
    // The scope's minutes by its key; over two weeks of this fixture's two scopes, half the counts,
    // the planner may read them all: the counts, never the messages.
    const activity = await plan(SEND_ACTIVITY, ['111111111111', 'us-east-1', 19000, 0]);
    assert.match(activity, /(Bitmap )?Index (Only )?Scan (using|on) outbox_counts_by_minute_(pkey|minute)/);
    assert.doesNotMatch(activity, /Seq Scan|outbox_messages/);
    assert.doesNotMatch(await plan(SEND_ACTIVITY, ['111111111111', 'us-east-1', 20000 - 14 * 1440, 0]), /outbox_messages/);
  });

  it("detection's claims find the flagged identities through the partial index, not by reading every identity", async () => {
    await client.query(`update identities set detection_dirty = 1 where id % 1000 = 0`);
    await client.query('analyze identities');
    const text = await plan(FLAGGED, [5000]);
    assert.match(text, /Index (Only )?Scan using identities_detection_dirty/);
    assert.doesNotMatch(text, /Seq Scan/);
    await client.end();
  });
});
