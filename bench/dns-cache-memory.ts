/**
 * Resident memory a key costs in the DNS key cache (issue 17): the real KeyZoneCache filled with
 * `--keys` keys of 2048-bit size through its synchronous read path (each read returning fresh strings,
 * as a store read does), against the same process before; RSS, V8 heap and external memory per key,
 * after a full garbage collection. Only the cache's public `get` is used, so the script measures an
 * older checkout too (`node --expose-gc --import tsx OTHER/bench/dns-cache-memory.ts`, with this file
 * copied there).
 *
 *   node --expose-gc --import tsx bench/dns-cache-memory.ts [--keys 200000]
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DnsKeyStore } from '../src/app/detection-ports.ts';
import { KeyZoneCache } from '../src/dns/key-zone-cache.ts';

const { values } = parseArgs({ options: { keys: { type: 'string', default: '200000' } } });
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const keys = Number(values.keys);
const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const fresh = (text: string) => Buffer.from(text, 'latin1').toString('latin1');
const store = {
  keyZoneSeq: async () => 0,
  recentKeys: async () => ({ keys: [], last: 0 }),
  // Fresh flat strings each read, as a row read from SQLite gives: nothing shared between entries.
  findKeyNow: (token: string) => ({ token: fresh(token), publicKey: fresh(publicKey) }),
} as unknown as DnsKeyStore;

gc();
gc();
const before = process.memoryUsage();
const cache = new KeyZoneCache(store, { maxEntries: keys, readMissesNow: true });
for (let i = 0; i < keys; i++) cache.get(fresh(i.toString(36).padStart(32, '0')));
gc();
gc();
const after = process.memoryUsage();
const per = (k: 'rss' | 'heapUsed' | 'external') => ((after[k] - before[k]) / keys).toFixed(0);
console.log(`${cache.size} keys held: ${per('rss')} bytes of RSS a key (V8 heap ${per('heapUsed')}, external ${per('external')})`);
