/**
 * What a DNS cache miss costs on SQLite (issue 17): the synchronous key read of
 * open-sqlite-store.ts readOnlyKeyLookup, taken apart, on a store bench/scale.ts seeded (migrated to
 * 0019 by this build: seeded by it, or opened once by its `signet serve`):
 *
 *   node --import tsx bench/scale.ts --domains 100000 --data-dir DIR --seed-only
 *   node --import tsx bench/dns-key-read.ts --data-dir DIR [--covering-index]
 *
 * Random tokens of the store, each read once per variant, on a read-only connection (a read-write one
 * is held open beside it, as the server's store is, so that the WAL index is shared memory):
 * - reference: each read a statement of its own (a read transaction each), the token's unique index
 *   and then the table row, SQLite's default page cache: the read two rounds ago;
 * - one read transaction per 32 reads (readOnlyKeyLookup shares one per event-loop turn);
 * - and the 16 MB page cache (KEY_LOOKUP_CACHE_KIB);
 * - with --covering-index (writes to the store: builds migration 0016's index of (token, public_key)
 *   again, and drops it at the end; about 50 s at 1M, and the file keeps its 1.6 GB of pages free for
 *   reuse): that index alone, the read before
 *   migration 0019. SQLite keeps an index's whole entries in its interior pages, about 8 keys a page,
 *   so a read at 1M fetches two or three pages that the 16 MB cache does not hold;
 * - the read now (KEY_LOOKUP_SQL): migration 0019's rowid table of keys by slot, whose interior pages
 *   hold integers alone and stay in the cache, so that a read fetches one leaf page;
 * - the read now with the whole file memory-mapped (PRAGMA mmap_size): no pread system call a page
 *   missed. SQLite caps the map at SQLITE_MAX_MMAP_SIZE, 2 GB in better-sqlite3's build, so at a
 *   million domains (a 15 GB file) most of the table lies past the map;
 * - the token's unique index alone, no public key: what walking an index costs.
 * Prints the inner pages (SQLite's dbstat) of the slot table and of 0016's index, when built. The key
 * table is read once into the operating system's page cache first, as bench/scale.ts does
 * before its DNS rounds (and the 0016 index, when built, is fresh in it).
 * Prints microseconds per read and the ratio of the read now to the reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { firstSlot } from '../src/storage/migrations/0019-sqlite-dns-key-slots.ts';
import { KEY_BY_TOKEN_SQL, KEY_LOOKUP_SQL } from '../src/storage/sqlite/open-sqlite-store.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { tokenOf } from './scale-seed.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    reads: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    'covering-index': { type: 'boolean', default: false },
  },
});
if (values['data-dir'] === undefined) {
  console.error('usage: node --import tsx bench/dns-key-read.ts --data-dir DIR [--covering-index] (a store bench/scale.ts --seed-only filled)');
  process.exit(2);
}
const file = join(values['data-dir'], SQLITE_FILE);
const domains = (JSON.parse(readFileSync(join(values['data-dir'], 'scale-seeded.json'), 'utf8')) as { domains: number }).domains;
const tokens = Array.from({ length: Number(values.reads) }, () => tokenOf(Math.floor(Math.random() * 3 * domains)));
const COVERING_INDEX = 'bench_dkim_keys_token_public_key';
const COVERING_SQL = `select "token", "public_key" from "dkim_keys" indexed by ${COVERING_INDEX} where "token" = ?`;
const TOKEN_ONLY = 'select "token" from "dkim_keys" where "token" = ?';

const writer = new BetterSqlite3(file);
writer.prepare('select count(*) from key_zone_version').get();
{
  const t = performance.now();
  writer.prepare('select count(*), sum(length("public_key")) from "dkim_key_slots"').get();
  console.log(`key table read into the page cache in ${fmt((performance.now() - t) / 1000, 1)} s`);
}
if (values['covering-index']) {
  const t = performance.now();
  writer.exec(`create index if not exists ${COVERING_INDEX} on "dkim_keys" ("token", "public_key")`);
  console.log(`migration 0016's index built in ${fmt((performance.now() - t) / 1000, 1)} s`);
}
// The inner pages a lookup walks, which the read connection's 16 MB cache holds or not (SQLite's dbstat).
for (const name of ['dkim_key_slots', ...(values['covering-index'] ? [COVERING_INDEX] : [])]) {
  const inner = writer
    .prepare<[string], { pages: number; bytes: number; keys: number }>(
      `select count(*) as pages, sum(pgsize) as bytes, avg(ncell) as keys from dbstat where name = ? and pagetype = 'internal'`,
    )
    .get(name)!;
  console.log(`${name}: ${inner.pages} inner pages (${fmt(inner.bytes / 2 ** 20, 1)} MB), ${fmt(inner.keys, 1)} keys a page`);
}

function perRead(sql: string, batch: number, cacheKib: number | null, mmapBytes = 0): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    if (cacheKib !== null) db.pragma(`cache_size = -${cacheKib}`);
    if (mmapBytes > 0) db.pragma(`mmap_size = ${mmapBytes}`);
    const find = db.prepare<unknown[], unknown>(sql);
    const named = sql === KEY_LOOKUP_SQL; // named parameters: @slot and @token
    const begin = db.prepare('BEGIN');
    const commit = db.prepare('COMMIT');
    const t0 = performance.now();
    for (let i = 0; i < tokens.length; i += batch) {
      if (batch > 1) begin.run();
      for (let j = i; j < Math.min(i + batch, tokens.length); j++) {
        if (find.get(named ? { slot: firstSlot(tokens[j]!), token: tokens[j] } : tokens[j]) === undefined) throw new Error(`${tokens[j]} not found`);
      }
      if (batch > 1) commit.run();
    }
    return ((performance.now() - t0) * 1000) / tokens.length;
  } finally {
    db.close();
  }
}

const READ_NOW = 'the read now: the slot table (0019), 32 per transaction, 16 MB';
const REFERENCE = 'reference: a read transaction each, table row, 2 MB cache';
const variants = {
  [REFERENCE]: () => perRead(KEY_BY_TOKEN_SQL, 1, null),
  'one read transaction per 32 reads': () => perRead(KEY_BY_TOKEN_SQL, 32, null),
  'and a 16 MB page cache': () => perRead(KEY_BY_TOKEN_SQL, 32, 16 * 1024),
  ...(values['covering-index'] ? { "and 0016's (token, public_key) index alone: the read before": () => perRead(COVERING_SQL, 32, 16 * 1024) } : {}),
  [READ_NOW]: () => perRead(KEY_LOOKUP_SQL, 32, 16 * 1024),
  'the read now, the whole file memory-mapped': () => perRead(KEY_LOOKUP_SQL, 32, 16 * 1024, 2 ** 40),
  'token index alone, no public key (32 per transaction, 16 MB)': () => perRead(TOKEN_ONLY, 32, 16 * 1024),
};
const results = new Map<string, number[]>();
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, run] of Object.entries(variants)) {
      const us = run();
      results.set(name, [...(results.get(name) ?? []), us]);
    }
  }
} finally {
  if (values['covering-index']) writer.exec(`drop index if exists ${COVERING_INDEX}`);
  writer.close();
}
console.log(`${domains} domains (${3 * domains} keys), ${tokens.length} random reads per variant, median of ${values.rounds} rounds`);
for (const [name, runs] of results) console.log(`  ${name}: ${fmt(median(runs))} µs a read (${runs.map((r) => fmt(r)).join(', ')})`);
console.log(`ratio, the read now / the reference: ${fmt(median(results.get(READ_NOW)!) / median(results.get(REFERENCE)!))}`);
