/**
 * What a DNS cache miss costs on PostgreSQL by the size of the batch it is read in (issue 17): the
 * cache reads its misses together (key-zone-cache.ts #readBatched, one read at a time so that a batch
 * grows with the load), through DnsKeyStore.findKeys, on a store bench/scale.ts seeded:
 *
 *   node --import tsx bench/scale.ts --engine postgres --domains 100000 --data-dir DIR --seed-only
 *   node --import tsx bench/dns-key-batch-read.ts --data-dir DIR
 *
 * Random tokens of the store, one connection, batches read one after another, for each batch size:
 * - an IN list with a parameter a token (what findKeys sent before, and SQLite's still);
 * - one array parameter, KEYS_BY_TOKEN_ARRAY_SQL (PostgreSQL's findKeys now), an unnamed statement as
 *   Kysely's driver sends it (parsed and planned on each read);
 * - the same as a named (prepared) statement, parsed once per connection.
 * Prints microseconds per key, medians of the rounds: the wall time, and where PostgreSQL runs on this
 * machine the CPU time of the connection's server process (/proc), what the reads cost PostgreSQL
 * apart from the round trips' waiting. Migrate the store first (bench/scale.ts does, as `signet serve`
 * does) for 0018's index.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { KEYS_BY_TOKEN_ARRAY_SQL } from '../src/storage/postgres/open-postgres-store.ts';
import { processCpuMs } from './cpu-time.ts';
import { tokenOf } from './scale-seed.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    sizes: { type: 'string', default: '1,5,50,200' },
    keys: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
if (values['data-dir'] === undefined) {
  console.error('usage: node --import tsx bench/dns-key-batch-read.ts --data-dir DIR (a PostgreSQL store bench/scale.ts --seed-only filled)');
  process.exit(2);
}
const seeded = JSON.parse(readFileSync(join(values['data-dir'], 'scale-seeded.json'), 'utf8')) as { domains: number; databaseUrl: string | null };
if (seeded.databaseUrl === null) {
  console.error('that store is SQLite: bench/dns-key-read.ts measures its reads');
  process.exit(2);
}
const inList = (n: number) => `select "token", "public_key" from "dkim_keys" where "token" in (${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ')})`;
const variants: Record<string, (batch: string[]) => pg.QueryConfig> = {
  'IN list, a parameter a token': (batch) => ({ text: inList(batch.length), values: batch }),
  'one array parameter, unnamed': (batch) => ({ text: KEYS_BY_TOKEN_ARRAY_SQL, values: [batch] }),
  'one array parameter, named': (batch) => ({ name: 'bench_keys_by_tokens', text: KEYS_BY_TOKEN_ARRAY_SQL, values: [batch] }),
};

const client = new pg.Client({ connectionString: seeded.databaseUrl });
await client.connect();
// The server process of this connection: its CPU time (from /proc, where PostgreSQL runs on this
// machine) is what the reads cost PostgreSQL, apart from the round trips' waiting.
const backendPid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
const backendCpuMs = () => processCpuMs(backendPid);
const keys = Number(values.keys);
console.log(`${seeded.domains} domains (${3 * seeded.domains} keys), ${keys} random keys a measure, median of ${values.rounds} rounds`);
for (const size of values.sizes!.split(',').map(Number)) {
  const results = new Map<string, number[]>();
  const serverCpu = new Map<string, number[]>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, make] of Object.entries(variants)) {
      // Drawn before the clock starts: hashing tokens (tokenOf) is not what is measured.
      const tokens = Array.from({ length: keys + size }, () => tokenOf(Math.floor(Math.random() * 3 * seeded.domains)));
      const cpu0 = backendCpuMs();
      const t0 = performance.now();
      for (let done = 0; done < keys; done += size) {
        const batch = tokens.slice(done, done + size);
        const { rows } = await client.query(make(batch));
        if (rows.length === 0) throw new Error('no key found: is this the store bench/scale.ts seeded?');
      }
      results.set(name, [...(results.get(name) ?? []), ((performance.now() - t0) * 1000) / keys]);
      const cpu1 = backendCpuMs();
      if (cpu0 !== null && cpu1 !== null) serverCpu.set(name, [...(serverCpu.get(name) ?? []), ((cpu1 - cpu0) * 1000) / keys]);
    }
  }
  for (const [name, runs] of results) {
    const cpu = serverCpu.get(name);
    const server = cpu === undefined ? '' : `; PostgreSQL's CPU ${fmt(median(cpu))} µs a key`;
    console.log(`  batches of ${size}, ${name}: ${fmt(median(runs))} µs a key (${runs.map((r) => fmt(r)).join(', ')})${server}`);
  }
}
await client.end();
