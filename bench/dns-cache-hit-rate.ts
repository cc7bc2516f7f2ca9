/**
 * What share of DNS questions the key cache answers from memory (issue 17), by its size: the real
 * KeyZoneCache (LRU with its doorkeeper) over a store of 3 keys per domain that answers every read at
 * once, asked bench/scale-queries.ts's Zipf mix (s = 1, over all tokens). Two ways to ask:
 * - fresh draws, as traffic comes and as the benchmarks now ask;
 * - the benchmark's old way: each round the same first questions of one file (dnsperf reads its file
 *   from the start), interleaved with a uniform round as bench/scale.ts runs them.
 * - after a start: the cache started on the store, which loads the newest keys into it (as `signet
 *   serve` does after every start or restart), then fresh draws, the first questions and the next
 *   ones; the newest keys are the last the seeder wrote, which the mix asks no more than any other.
 * No timing: counts of the cache's own hits and store reads.
 *
 *   node --import tsx bench/dns-cache-hit-rate.ts [--domains 1000000] [--sizes 50000,120000,200000,400000]
 */
import { parseArgs } from 'node:util';
import type { DnsKeyStore } from '../src/app/detection-ports.ts';
import { KeyZoneCache } from '../src/dns/key-zone-cache.ts';

const { values } = parseArgs({
  options: {
    domains: { type: 'string', default: '1000000' },
    sizes: { type: 'string', default: '50000,120000,200000,400000' },
    // Questions a round of the old way, per mix (about 8 s of dnsperf at the rates measured).
    'round-questions': { type: 'string', default: '300000' },
  },
});
const tokens = 3 * Number(values.domains);
const perRound = Number(values['round-questions']);
const prime = 1_000_003;
/** bench/scale-queries.ts's Zipf draw: a token index. */
const zipf = () => ((Math.min(tokens, Math.floor(Math.exp(Math.random() * Math.log(tokens + 1)))) - 1) * prime) % tokens;
const uniform = () => Math.floor(Math.random() * tokens);
const tokenOf = (i: number) => i.toString(36).padStart(32, '0');
const PUBLIC_KEY = 'MIIB'.padEnd(392, 'A');
const store = {
  findKeyNow: (token: string) => ({ token, publicKey: PUBLIC_KEY }),
  keyZoneSeq: async () => 0,
  recentKeys: async () => ({ keys: [], last: 0 }),
} as unknown as DnsKeyStore;
/** The same store, whose newest keys (positions 1-based, as the stores' ids) the start's load reads. */
const storeWithHistory = {
  ...store,
  recentKeys: async (limit: number, before?: number) => {
    const end = before === undefined ? tokens : before - 1;
    const from = Math.max(0, end - limit);
    const keys = [];
    for (let i = end - 1; i >= from; i--) keys.push({ token: tokenOf(i), publicKey: PUBLIC_KEY });
    return { keys, last: end > from ? from + 1 : (before ?? 0) };
  },
} as unknown as DnsKeyStore;

/** Share of `count` questions from `next` answered from memory. */
function ask(cache: KeyZoneCache, count: number, next: (q: number) => number): number {
  const before = cache.hits;
  for (let q = 0; q < count; q++) cache.get(tokenOf(next(q)));
  return (cache.hits - before) / count;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const fileSkewed = Int32Array.from({ length: perRound }, zipf);
const fileUniform = Int32Array.from({ length: perRound }, uniform);
for (const size of values.sizes!.split(',').map(Number)) {
  const fresh = new KeyZoneCache(store, { maxEntries: size, readMissesNow: true });
  ask(fresh, 1_000_000, zipf); // to a steady state
  const steady = ask(fresh, 2_000_000, zipf);
  const old = new KeyZoneCache(store, { maxEntries: size, readMissesNow: true });
  const rounds: string[] = [];
  for (let round = 0; round < 5; round++) {
    ask(old, perRound, (q) => fileUniform[q]!);
    rounds.push(pct(ask(old, perRound, (q) => fileSkewed[q]!)));
  }
  const started = new KeyZoneCache(storeWithHistory, { maxEntries: size, readMissesNow: true });
  await started.start();
  await started.loaded;
  started.stop();
  const windows = [ask(started, 500_000, zipf), ask(started, 500_000, zipf), ask(started, 1_000_000, zipf)];
  console.log(`${size} keys: fresh draws ${pct(steady)} from memory; one file, rounds 1 to 5: ${rounds.join(', ')}`);
  console.log(
    `  after a start (the newest ${size} keys loaded): questions 1 to 500,000 ${pct(windows[0]!)}, to 1,000,000 ${pct(windows[1]!)}, to 2,000,000 ${pct(windows[2]!)}`,
  );
}
