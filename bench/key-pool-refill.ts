/**
 * Key pool refill rate against `openssl genrsa` on the same cores, in the same run.
 *
 *   node --import tsx bench/key-pool-refill.ts [--keys 40] [--rounds 3] [--bits 2048]
 *
 * Reference: `openssl genrsa BITS` run `cores` at a time until `keys` keys exist (one process per
 * key, as an operator would script it). Signet: a KeyPool with concurrency `cores` filling a SQLite
 * store from empty to `keys` (generation, sealing with AES-256-GCM, and the store commit included).
 * Rounds alternate the two so that machine noise hits both; RSA prime search varies a lot per key,
 * so compare medians. Goal: Signet at least 90% of openssl's keys per second.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { generateDkimKeyPair } from '../src/dkim/generate-key-pair.ts';
import { KeyPool } from '../src/dkim/key-pool.ts';
import { dkimKeyContext, SecretBox } from '../src/secrets/secret-box.ts';
import { openSqliteStore } from '../src/storage/sqlite/open-sqlite-store.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: { keys: { type: 'string', default: '40' }, rounds: { type: 'string', default: '3' }, bits: { type: 'string', default: '2048' } },
});
const keys = Number(values.keys);
const bits = Number(values.bits);
const cores = availableParallelism();

async function opensslRate(): Promise<number> {
  const start = performance.now();
  let started = 0;
  const worker = async () => {
    while (started < keys) {
      started += 1;
      await new Promise<void>((resolve, reject) => {
        const child = spawn('openssl', ['genrsa', String(bits)], { stdio: ['ignore', 'ignore', 'ignore'] });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`openssl exited ${code}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: cores }, worker));
  return keys / ((performance.now() - start) / 1000);
}

async function poolRate(): Promise<number> {
  const dir = tempDir('bench-pool');
  const store = await openSqliteStore(join(dir.path, 'signet.db'));
  const box = new SecretBox(randomBytes(32));
  const pool = new KeyPool(store, {
    bits,
    target: keys,
    concurrency: cores,
    generate: generateDkimKeyPair,
    seal: (pair) => box.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)),
    clock: { now: () => Date.now() },
  });
  const start = performance.now();
  pool.start();
  while ((await store.countPoolKeys(bits)) < keys) await pool.waitForKeys(0);
  const rate = keys / ((performance.now() - start) / 1000);
  await pool.stop();
  await store.close();
  dir.remove();
  return rate;
}

const openssl: number[] = [];
const signet: number[] = [];
for (let round = 1; round <= Number(values.rounds); round++) {
  const order = round % 2 === 1 ? ['openssl', 'signet'] : ['signet', 'openssl'];
  for (const which of order) {
    if (which === 'openssl') openssl.push(await opensslRate());
    else signet.push(await poolRate());
  }
  console.log(`round ${round}: openssl genrsa ${fmt(openssl.at(-1)!)} keys/s, signet key pool ${fmt(signet.at(-1)!)} keys/s`);
}
const ratio = median(signet) / median(openssl);
console.log(
  `RSA-${bits}, ${keys} keys per measurement, ${cores} cores: medians openssl ${fmt(median(openssl))} keys/s,` +
    ` signet ${fmt(median(signet))} keys/s, ratio ${fmt(ratio)} (goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'})`,
);
