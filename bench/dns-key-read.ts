/**
 * What a DNS cache miss costs on SQLite (issue 17): the synchronous key read of
 * open-sqlite-store.ts readOnlyKeyLookup, taken apart, on a store bench/scale.ts seeded:
 *
 *   node --import tsx bench/scale.ts --domains 100000 --data-dir DIR --seed-only
 *   node --import tsx bench/dns-key-read.ts --data-dir DIR
 *
 * Random tokens of the store, each read once per variant, on a read-only connection (a read-write one
 * is held open beside it, as the server's store is, so that the WAL index is shared memory):
 * - reference: each read a statement of its own (a read transaction each), the token's unique index
 *   and then the table row, SQLite's default page cache: the read before this round;
 * - one read transaction per 32 reads (readOnlyKeyLookup shares one per event-loop turn);
 * - and the 16 MB page cache (KEY_LOOKUP_CACHE_KIB);
 * - and the index of (token, public_key) alone (KEY_LOOKUP_SQL, migration 0016): the read now;
 * - the token's index alone, no public key: what walking an index costs.
 * Prints microseconds per read and the ratio of the read now to the reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { KEY_LOOKUP_SQL } from '../src/storage/sqlite/open-sqlite-store.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { tokenOf } from './scale-seed.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, reads: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' } },
});
if (values['data-dir'] === undefined) {
  console.error('usage: node --import tsx bench/dns-key-read.ts --data-dir DIR (a store bench/scale.ts --seed-only filled)');
  process.exit(2);
}
const file = join(values['data-dir'], SQLITE_FILE);
const domains = (JSON.parse(readFileSync(join(values['data-dir'], 'scale-seeded.json'), 'utf8')) as { domains: number }).domains;
const tokens = Array.from({ length: Number(values.reads) }, () => tokenOf(Math.floor(Math.random() * 3 * domains)));
const OLD_SQL = KEY_LOOKUP_SQL.replace(' indexed by "dkim_keys_token_public_key"', '');
const TOKEN_ONLY = 'select "token" from "dkim_keys" where "token" = ?';

const writer = new BetterSqlite3(file);
writer.prepare('select count(*) from key_zone_version').get();

function perRead(sql: string, batch: number, cacheKib: number | null): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    if (cacheKib !== null) db.pragma(`cache_size = -${cacheKib}`);
    const find = db.prepare(sql);
    const begin = db.prepare('BEGIN');
    const commit = db.prepare('COMMIT');
    const t0 = performance.now();
    for (let i = 0; i < tokens.length; i += batch) {
      if (batch > 1) begin.run();
      for (let j = i; j < Math.min(i + batch, tokens.length); j++) if (find.get(tokens[j]) === undefined) throw new Error(`${tokens[j]} not found`);
      if (batch > 1) commit.run();
    }
    return ((performance.now() - t0) * 1000) / tokens.length;
  } finally {
    db.close();
  }
}

const variants = {
  'reference: a read transaction each, table row, 2 MB cache': () => perRead(OLD_SQL, 1, null),
  'one read transaction per 32 reads': () => perRead(OLD_SQL, 32, null),
  'and a 16 MB page cache': () => perRead(OLD_SQL, 32, 16 * 1024),
  'and (token, public_key) index alone: the read now': () => perRead(KEY_LOOKUP_SQL, 32, 16 * 1024),
  'token index alone, no public key (32 per transaction, 16 MB)': () => perRead(TOKEN_ONLY, 32, 16 * 1024),
};
const results = new Map<string, number[]>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, run] of Object.entries(variants)) {
    const us = run();
    results.set(name, [...(results.get(name) ?? []), us]);
  }
}
writer.close();
console.log(`${domains} domains (${3 * domains} keys), ${tokens.length} random reads per variant, median of ${values.rounds} rounds`);
for (const [name, runs] of results) console.log(`  ${name}: ${fmt(median(runs))} µs a read (${runs.map((r) => fmt(r)).join(', ')})`);
const now = median(results.get('and (token, public_key) index alone: the read now')!);
const reference = median(results.get('reference: a read transaction each, table row, 2 MB cache')!);
console.log(`ratio, the read now / the reference: ${fmt(now / reference)}`);
