/**
 * What a `/metrics` scrape costs the server's other work on a large SQLite store (issue 17): its
 * overview counts every identity by status. Read on the store's own connection, that scan held the
 * event loop (and every DNS answer and API request) for its whole length.
 *
 *   npm run build && node --import tsx bench/metrics-scrape.ts --data-dir DIR [--rounds 3] [--other OTHER/bin/signet]
 *
 * DIR is a store bench/scale.ts seeded (`--seed-only`). Each round starts `signet serve` on it, asks
 * one DNS question every 2 ms from a UDP client, scrapes `/metrics` once (the first scrape: its counts
 * read afresh) and then again (within the time a slow read is kept), and prints the slowest DNS
 * answer while idle and while the first scrape ran. The reference, measured in the same run: the
 * store's overview opened in this process, its queries' own time (DetectionOverview.readMs: what the
 * server's loop was held for when they ran on the store's connection), and with `--other`, another
 * build measured the same way.
 */
import { parseArgs } from 'node:util';
import { openStorage } from '../src/storage/open-storage.ts';
import { SIGNET_BIN } from '../test/helpers/signet-server.ts';
import { SCALE_ZONE } from './scale-seed.ts';
import { askEvery2ms, seededSqliteStore, serveOnStore } from './seeded-store.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    rounds: { type: 'string', default: '3' },
    other: { type: 'string' },
  },
});
const store = seededSqliteStore(values['data-dir'], 'needs --data-dir DIR (a SQLite store seeded by bench/scale.ts --seed-only)');

// The store's own overview, opened here: its `readMs` is how long its queries took by themselves,
// which is how long they held the server's loop when they ran on the store's connection.
const local = await openStorage({ databaseUrl: null, dataDir: store.dataDir });
async function overviewQueriesMs(): Promise<number> {
  return (await local.detection.overview(Date.now(), 300_000)).readMs;
}

interface Round {
  readonly idleMaxMs: number;
  readonly scrapeMaxMs: number;
  readonly freshScrapeMs: number;
  readonly keptScrapeMs: number;
}

/** One round on `bin`: serve, probe DNS, scrape twice. */
async function round(bin: string): Promise<Round> {
  const server = await serveOnStore(bin, store.dataDir, ['--no-detection']);
  const dns = await askEvery2ms(server.dnsPort, `${store.token}.${SCALE_ZONE}`);
  try {
    const idleFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const scrapeFrom = performance.now();
    await (await fetch(`${server.url}/metrics`)).text();
    const scrapeTo = performance.now();
    await (await fetch(`${server.url}/metrics`)).text();
    const keptScrapeMs = performance.now() - scrapeTo;
    // The answers to questions asked while the scrape ran arrive up to a moment after it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const maxOf = (from: number, to: number) => Math.max(0, ...dns.answers.filter((a) => a.sent >= from && a.sent < to).map((a) => a.ms));
    return { idleMaxMs: maxOf(idleFrom + 500, scrapeFrom), scrapeMaxMs: maxOf(scrapeFrom, scrapeTo), freshScrapeMs: scrapeTo - scrapeFrom, keptScrapeMs };
  } finally {
    dns.stop();
    await server.stop();
  }
}

const builds: Array<[string, string]> = [['this build', SIGNET_BIN]];
if (values.other !== undefined) builds.push(['other build', values.other]);
const results = new Map<string, Round[]>(builds.map(([name]) => [name, []]));
const reference: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  reference.push(await overviewQueriesMs());
  console.log(`round ${r + 1}: the store's counts by themselves: ${fmt(reference.at(-1)!, 0)} ms`);
  for (const [name, bin] of builds) {
    const got = await round(bin);
    results.get(name)!.push(got);
    console.log(
      `round ${r + 1}, ${name}: slowest DNS answer idle ${fmt(got.idleMaxMs, 1)} ms, during the scrape ${fmt(got.scrapeMaxMs, 1)} ms; scrape ${fmt(got.freshScrapeMs, 0)} ms, again ${fmt(got.keptScrapeMs, 1)} ms`,
    );
  }
}
await local.close();
console.log(`\n${store.domains} domains, medians of ${values.rounds} rounds; the store's counts by themselves: ${fmt(median(reference), 0)} ms`);
for (const [name] of builds) {
  const rounds = results.get(name)!;
  const scrapeMax = median(rounds.map((x) => x.scrapeMaxMs));
  console.log(
    `${name}: slowest DNS answer idle ${fmt(median(rounds.map((x) => x.idleMaxMs)), 1)} ms, during a scrape ${fmt(scrapeMax, 1)} ms (${fmt(scrapeMax / median(reference))}x the counts by themselves); scrape ${fmt(median(rounds.map((x) => x.freshScrapeMs)), 0)} ms, again ${fmt(median(rounds.map((x) => x.keptScrapeMs)), 1)} ms`,
  );
}
