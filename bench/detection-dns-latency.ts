/**
 * What detection catching up costs the DNS server in the same process (issue 17): `signet serve` on a
 * large store with checks due (bench/scale.ts seeds them due within the hour, so an hour later most
 * are), detection on, its lookups answered at once by a resolver in this process (NXDOMAIN), and a
 * UDP client asking Signet one question every 2 ms, and an HTTP client sending GetIdentityDkimAttributes
 * for a random seeded domain one after another (as bench/scale.ts's API step, whose server runs with
 * `--no-detection`). Prints the DNS answers' p50/p99/p99.9/max and the API requests' p50/p99/max (after
 * the server's first 3 s) and detection's checks per second. The reference, in the same run: the same
 * server with `--no-detection`; with `--other`, another build measured the same way.
 *
 *   npm run build && node --import tsx bench/detection-dns-latency.ts --data-dir DIR [--seconds 30] [--rounds 2] [--schedule as-seeded|catch-up|steady] [--other OTHER/bin/signet]
 *
 * Detection writes statuses into DIR's store: use a copy of a seeded store (its `signet.db` with an
 * empty WAL, `master.key`, `credentials`, `scale-seeded.json`), not the one bench/scale.ts measures.
 *
 * `--schedule` sets when the store's checks fall due, before each run:
 * - `as-seeded` (the default): left as they are (bench/scale.ts's seed: rechecks spread over the hour
 *   after the seed, so on a store seeded an hour or more ago most are due, and detection catches up);
 * - `catch-up`: every scheduled check due now (detection runs flat out, at its duty cycle);
 * - `steady`: spread evenly over the next hour, as the default one-hour recheck interval keeps them
 *   once caught up: the load of re-checking every verified domain hourly, about N / 3,600 checks/s.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { SIGNET_BIN } from '../test/helpers/signet-server.ts';
import { SCALE_ZONE } from './scale-seed.ts';
import { askApiInTurn, askEvery2ms, seededSqliteStore, serveOnStore } from './seeded-store.ts';
import { fmt, median, percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '2' },
    other: { type: 'string' },
    schedule: { type: 'string', default: 'as-seeded' },
  },
});
const SCHEDULES = ['as-seeded', 'catch-up', 'steady'];
if (!SCHEDULES.includes(values.schedule!)) {
  console.error(`--schedule: one of ${SCHEDULES.join(', ')}`);
  process.exit(2);
}
const store = seededSqliteStore(values['data-dir'], 'needs --data-dir DIR (a copy of a SQLite store seeded by bench/scale.ts --seed-only)');
const SECONDS = Number(values.seconds);
const WARM_UP_MS = 3000;

// Detection's resolver: every question answered at once, NXDOMAIN, so that what is measured is
// Signet's own work per check, not a resolver's latency.
const resolver = createSocket('udp4');
resolver.on('message', (msg, rinfo) => {
  try {
    const q = dnsPacket.decode(msg);
    resolver.send(
      dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | 3, questions: q.questions }),
      rinfo.port,
      rinfo.address,
    );
  } catch {
    // Not a DNS message: no answer.
  }
});
resolver.bind(0, '127.0.0.1');
await once(resolver, 'listening');

interface Run {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly lost: number;
  readonly api: { readonly p50: number; readonly p99: number; readonly max: number; readonly count: number };
  readonly checksPerSecond: number;
}

/** Sets when the store's scheduled checks fall due (`--schedule`), and frees any lease a run left. */
function schedule(): void {
  if (values.schedule === 'as-seeded') return;
  const db = new BetterSqlite3(join(store.dataDir, 'signet.db'));
  try {
    const now = Date.now();
    // steady: the seed's own spread (bench/scale-seed.ts: i * 7919 mod an hour), from now.
    const due = values.schedule === 'catch-up' ? `${now}` : `${now} + ((identity_id * 7919) % 3600000)`;
    db.prepare(`update detection_checks set next_check_at = ${due}, claimed_until = null where next_check_at is not null`).run();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function run(bin: string, detection: boolean): Promise<Run> {
  schedule();
  const server = await serveOnStore(bin, store.dataDir, ['--resolver', `127.0.0.1:${resolver.address().port}`, ...(detection ? [] : ['--no-detection'])]);
  const dns = await askEvery2ms(server.dnsPort, `${store.token}.${SCALE_ZONE}`);
  const api = askApiInTurn(server.url, store.key, store.domains);
  try {
    const started = performance.now();
    const checks = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      let total = 0;
      for (const m of text.matchAll(/^signet_detection_checks_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
      return total;
    };
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const checksBefore = await checks();
    const from = performance.now();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const checksPerSecond = ((await checks()) - checksBefore) / ((performance.now() - from) / 1000);
    const askedUntil = performance.now();
    // The last answers arrive a moment after the last question.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const latencies = dns.answers.filter((a) => a.sent - started >= WARM_UP_MS && a.sent < askedUntil).map((a) => a.ms);
    const asked = dns.asked.filter((t) => t - started >= WARM_UP_MS && t < askedUntil).length;
    await api.stop();
    const failure = api.failure();
    if (failure !== null) throw failure;
    const apiMs = api.answers.filter((a) => a.sent - started >= WARM_UP_MS && a.sent < askedUntil).map((a) => a.ms);
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      p999: percentile(latencies, 99.9),
      max: Math.max(...latencies),
      lost: asked - latencies.length,
      api: { p50: percentile(apiMs, 50), p99: percentile(apiMs, 99), max: Math.max(...apiMs), count: apiMs.length },
      checksPerSecond,
    };
  } finally {
    dns.stop();
    await api.stop();
    await server.stop();
  }
}

const configs: Array<{ name: string; bin: string; detection: boolean }> = [{ name: 'this build', bin: SIGNET_BIN, detection: true }];
if (values.other !== undefined) configs.push({ name: 'other build', bin: values.other, detection: true });
configs.push({ name: 'no detection', bin: SIGNET_BIN, detection: false });
const runs = new Map<string, Run[]>(configs.map((c) => [c.name, []]));
const show = (r: Run) =>
  `DNS answers p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99, 1)} ms, p99.9 ${fmt(r.p999, 1)} ms, max ${fmt(r.max, 1)} ms, ${r.lost} unanswered; ` +
  `GetIdentityDkimAttributes p50 ${fmt(r.api.p50)} ms, p99 ${fmt(r.api.p99, 1)} ms, max ${fmt(r.api.max, 1)} ms (${r.api.count} requests); ` +
  `detection ${fmt(r.checksPerSecond, 0)} checks/s`;
for (let round = 0; round < Number(values.rounds); round++) {
  for (const c of configs) {
    const r = await run(c.bin, c.detection);
    runs.get(c.name)!.push(r);
    console.log(`round ${round + 1}, ${c.name}: ${show(r)}`);
  }
}
resolver.close();
console.log(`\n${store.domains} domains, checks ${values.schedule}, ${SECONDS} s a run after ${WARM_UP_MS / 1000} s, medians of ${values.rounds} rounds:`);
for (const c of configs) {
  const rs = runs.get(c.name)!;
  const m = (pick: (r: Run) => number) => median(rs.map(pick));
  console.log(
    `${c.name}: ${show({
      p50: m((r) => r.p50),
      p99: m((r) => r.p99),
      p999: m((r) => r.p999),
      max: m((r) => r.max),
      lost: m((r) => r.lost),
      api: { p50: m((r) => r.api.p50), p99: m((r) => r.api.p99), max: m((r) => r.api.max), count: m((r) => r.api.count) },
      checksPerSecond: m((r) => r.checksPerSecond),
    })}`,
  );
}
