/**
 * Detection checks per second for 10,000 pending domains whose CNAMEs NSD serves on loopback.
 *
 *   node --import tsx bench/detection-checks.ts [--domains 10000] [--batch 500]
 *
 * Signet: the worker's own step (claim a batch through the store, three CNAME lookups per domain
 * through node:dns, the lifecycle, one transaction writing the batch) until nothing is due; every
 * domain must end `Success`. Reference, same run: bare node:dns CNAME lookups of the same names at
 * the same concurrency, divided by three: the ceiling the resolver sets. Goal: >= 1,000 checks/s.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { DEFAULT_DETECTION_POLICY, dkimSelectorName } from '../src/core/index.ts';
import { runDueDetectionChecks } from '../src/app/run-detection-check.ts';
import { createNodeResolver } from '../src/dns/node-resolver.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { findProgram, freeDnsPort, startNsd, zoneFile } from '../test/helpers/dns-peers.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { writeDkimFixture } from './dkim-fixture.ts';
import { fmt } from './stats.ts';

const { values } = parseArgs({ options: { domains: { type: 'string', default: '10000' }, batch: { type: 'string', default: '500' } } });
const count = Number(values.domains);
const batch = Number(values.batch);
const ZONE = 'dkim.bench.test';
const nsdBin = findProgram('nsd');
if (!nsdBin) {
  console.error('needs nsd (Debian package nsd)');
  process.exit(2);
}

const data = tempDir('bench-detect');
const nsdDir = tempDir('bench-detect-nsd');
const domains = await writeDkimFixture(data.path, count, (i) => `d${i}.bench.test`);
const lines = domains.flatMap((d) => d.tokens.map((t) => `${dkimSelectorName(t, d.domain)}. IN CNAME ${t}.${ZONE}.`));
const port = await freeDnsPort();
// Every check also asks the absent `_amazonses.DOMAIN` TXT: NSD's rate limiting would drop those NXDOMAINs.
const nsd = await startNsd(nsdBin, nsdDir.path, port, { 'bench.test': zoneFile('bench.test', lines) }, { rateLimit: false });
const resolver = createNodeResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 2000 });

// Reference: the same lookups, same concurrency (batch × 3 in flight), nothing else.
const names = domains.flatMap((d) => d.tokens.map((t) => dkimSelectorName(t, d.domain)));
let t0 = performance.now();
for (let i = 0; i < names.length; i += batch * 3) {
  const results = await Promise.all(names.slice(i, i + batch * 3).map((n) => resolver.cname(n)));
  if (results.some((r) => !r.ok)) throw new Error('a reference lookup failed');
}
const lookupsPerSecond = names.length / ((performance.now() - t0) / 1000);

const store = await openSqliteStorage(join(data.path, SQLITE_FILE));
const deps = {
  store: store.detection,
  resolver,
  clock: { now: () => Date.now() },
  zone: ZONE,
  policy: DEFAULT_DETECTION_POLICY,
  leaseMs: 60_000,
};
t0 = performance.now();
let checked = 0;
for (let round = 0; round < count; round++) {
  const n = await runDueDetectionChecks(deps, batch);
  if (n === 0) break;
  checked += n;
}
const seconds = (performance.now() - t0) / 1000;
await store.close();
const db = new BetterSqlite3(join(data.path, SQLITE_FILE), { readonly: true });
const success = (db.prepare(`SELECT COUNT(*) AS n FROM identities WHERE dkim_status = 'Success'`).get() as { n: number }).n;
db.close();
await nsd.stop();
data.remove();
nsdDir.remove();

const rate = checked / seconds;
console.log(`${checked} checks of ${count} domains in ${fmt(seconds)} s, ${success} Success`);
console.log(`reference: ${fmt(lookupsPerSecond, 0)} bare CNAME lookups/s = ceiling ${fmt(lookupsPerSecond / 3, 0)} checks/s`);
console.log(
  `Signet: ${fmt(rate, 0)} checks/s = ${fmt(rate / (lookupsPerSecond / 3))} of the ceiling (goal >= 1000 checks/s) ${rate >= 1000 && success === count ? 'MET' : 'NOT MET'}`,
);
