/**
 * Two builds of Signet's DNS server on the same seeded store (SQLite or PostgreSQL), alternated: for a
 * change to the path that reads keys not in memory, whose effect at scale bench/scale.ts's figure
 * against NSD (which moves between rounds on a busy machine) can hide. Each pair runs this checkout's
 * `signet serve` and then the other build's, each with dnsperf for `--seconds` after a 3 s warm-up,
 * on the store bench/scale.ts --seed-only filled (the other build must read its schema: a store this
 * checkout migrated further than the other build knows is refused by it).
 *
 *   npm run build && node --import tsx bench/scale-dns-ab.ts --data-dir DIR --other OTHER/bin/signet [--mix uniform|skewed] [--pairs 3]
 *
 * `--here-args` and `--other-args` add `signet serve` flags to one side (space-separated): with
 * `--other bin/signet`, the same build under two settings, such as `--dns-cache-keys`.
 *
 * Prints each pair and the medians, with each side's share of questions its key cache answered from
 * memory (`/metrics`' signet_dns_key_lookups_total, over the warm-up and the measured run), and the
 * CPU time of the measured run where /proc shows it: the server's process (all its threads) and, on
 * PostgreSQL running on this machine, PostgreSQL's processes, also per key read from the store: on
 * two cores shared with dnsperf, what the misses cost PostgreSQL is CPU the server and dnsperf lack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findProgram } from '../test/helpers/dns-peers.ts';
import { SIGNET_BIN } from '../test/helpers/signet-server.ts';
import { sample } from '../test/helpers/metrics-sample.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { postgresCpuMs, processCpuMs } from './cpu-time.ts';
import { runDnsperf } from './dnsperf.ts';
import { writeScaleQueries } from './scale-queries.ts';
import { serveOnStore } from './seeded-store.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    other: { type: 'string' },
    mix: { type: 'string', default: 'uniform' },
    pairs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    clients: { type: 'string', default: '4' },
    'here-args': { type: 'string', default: '' },
    'other-args': { type: 'string', default: '' },
  },
});
const dnsperf = findProgram('dnsperf');
if (!dnsperf || values['data-dir'] === undefined || values.other === undefined) {
  console.error('needs dnsperf (Debian package dnsperf), --data-dir DIR (seeded by bench/scale.ts) and --other OTHER/bin/signet');
  process.exit(2);
}
const dataDir = values['data-dir'];
const seeded = JSON.parse(readFileSync(join(dataDir, 'scale-seeded.json'), 'utf8')) as { domains: number; databaseUrl: string | null };
const databaseArgs = seeded.databaseUrl === null ? [] : ['--database', seeded.databaseUrl];
const queries = tempDir('bench-scale-dns-ab');

/**
 * The pair's questions: fresh draws for each pair, the same for both sides (dnsperf reads its file
 * from the start, and one file for all would repeat its questions, which a large cache would answer
 * from memory as no real traffic lets it).
 */
async function pairFile(): Promise<string> {
  const files = await writeScaleQueries(queries.path, seeded.domains);
  return values.mix === 'skewed' ? files.skewed : files.uniform;
}

/**
 * `signet serve` of one build as bench/scale.ts runs it for DNS (no RRL, nothing else busy), measured:
 * its rate, and the share of its key lookups answered from memory since it started.
 */
async function measure(bin: string, extra: string, file: string): Promise<Measure> {
  const server = await serveOnStore(bin, dataDir, [...databaseArgs, '--no-detection', ...extra.split(' ').filter(Boolean)]);
  const lookups = async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    return {
      memory: sample(metrics, 'signet_dns_key_lookups_total{source="memory"}') ?? 0,
      store: sample(metrics, 'signet_dns_key_lookups_total{source="store"}') ?? 0,
    };
  };
  try {
    await runDnsperf(dnsperf!, server.dnsPort, file, '3', values.clients!);
    const before = { lookups: await lookups(), server: processCpuMs(server.pid), postgres: postgresCpuMs() };
    const rate = await runDnsperf(dnsperf!, server.dnsPort, file, values.seconds!, values.clients!);
    const after = { lookups: await lookups(), server: processCpuMs(server.pid), postgres: postgresCpuMs() };
    const ms = Number(values.seconds) * 1000;
    const storeReads = after.lookups.store - before.lookups.store;
    const postgresMs = seeded.databaseUrl !== null && before.postgres !== null && after.postgres !== null ? after.postgres - before.postgres : null;
    return {
      rate,
      fromMemory: after.lookups.memory / Math.max(1, after.lookups.memory + after.lookups.store),
      serverCpu: before.server === null || after.server === null ? null : (after.server - before.server) / ms,
      postgresCpu: postgresMs === null ? null : postgresMs / ms,
      postgresUsPerRead: postgresMs === null || storeReads === 0 ? null : (postgresMs * 1000) / storeReads,
    };
  } finally {
    await server.stop();
  }
}

interface Measure {
  readonly rate: number;
  /** Share of key lookups answered from memory since the server started. */
  readonly fromMemory: number;
  /** CPU time over the measured run, in cores (1 = one core all the time); null where /proc lacks it. */
  readonly serverCpu: number | null;
  readonly postgresCpu: number | null;
  /** PostgreSQL's CPU time per key the server read from the store in the measured run, in µs. */
  readonly postgresUsPerRead: number | null;
}

/** A side's CPU figures, for a pair's line (empty where /proc has none). */
function cpuText(m: Measure): string {
  const parts: string[] = [];
  if (m.serverCpu !== null) parts.push(`server ${pct(m.serverCpu)} of a core`);
  if (m.postgresCpu !== null)
    parts.push(`PostgreSQL ${pct(m.postgresCpu)}${m.postgresUsPerRead === null ? '' : `, ${fmt(m.postgresUsPerRead, 1)} µs a store read`}`);
  return parts.length === 0 ? '' : `; ${parts.join(', ')}`;
}

const rates = { here: [] as number[], other: [] as number[] };
const fromMemory = { here: [] as number[], other: [] as number[] };
const postgresPerRead = { here: [] as number[], other: [] as number[] };
function pct(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}
try {
  for (let pair = 0; pair < Number(values.pairs); pair++) {
    const file = await pairFile();
    const here = await measure(SIGNET_BIN, values['here-args']!, file);
    const other = await measure(values.other, values['other-args']!, file);
    rates.here.push(here.rate);
    rates.other.push(other.rate);
    fromMemory.here.push(here.fromMemory);
    fromMemory.other.push(other.fromMemory);
    if (here.postgresUsPerRead !== null) postgresPerRead.here.push(here.postgresUsPerRead);
    if (other.postgresUsPerRead !== null) postgresPerRead.other.push(other.postgresUsPerRead);
    console.log(
      `pair ${pair + 1}: this checkout ${fmt(here.rate, 0)} q/s (${pct(here.fromMemory)} from memory${cpuText(here)}), other ${fmt(other.rate, 0)} q/s (${pct(other.fromMemory)}${cpuText(other)})`,
    );
  }
} finally {
  queries.remove();
}
console.log(
  `${seeded.domains} domains, ${values.mix} mix: this checkout ${fmt(median(rates.here), 0)} q/s, other ${fmt(median(rates.other), 0)} q/s (medians of ${values.pairs}): ${fmt(median(rates.here) / median(rates.other))}x; from memory ${pct(median(fromMemory.here))} against ${pct(median(fromMemory.other))}${
    postgresPerRead.here.length === 0 || postgresPerRead.other.length === 0
      ? ''
      : `; PostgreSQL's CPU a store read ${fmt(median(postgresPerRead.here), 1)} against ${fmt(median(postgresPerRead.other), 1)} µs`
  }`,
);
