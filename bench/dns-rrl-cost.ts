/**
 * What response-rate limiting adds per UDP answer, in the same process and run: the fast path's answer
 * alone against the same answer followed by `ResponseRateLimiter.verdict`, over 10,000 names from 256
 * sources (never limited: a bucket per name, as in bench/dns-qps.ts), alternating rounds.
 *
 *   node --import tsx bench/dns-rrl-cost.ts [--rounds 7] [--packets 200000]
 *
 * The figure to compare is the added nanoseconds against the time per packet bench/dns-qps.ts shows
 * (1 / its queries per second per process): that fraction is what RRL may take off the benchmark.
 */
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { fastAnswerer, txtRdata } from '../src/dns/answer-query.ts';
import { keyZone } from '../src/dns/key-zone.ts';
import { DEFAULT_RRL_RATE, DEFAULT_RRL_SLIP } from '../src/config/dkim-config.ts';
import { ResponseRateLimiter } from '../src/dns/response-rate-limiter.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, packets: { type: 'string', default: '200000' } } });
const ZONE = 'dkim.bench.test';
const zone = keyZone(ZONE, {}, 0);
const tokens = Array.from({ length: 10_000 }, (_, i) => `t${String(i).padStart(31, '0')}`);
const rdata = txtRdata(['v=DKIM1; k=rsa; p=' + 'A'.repeat(200), 'A'.repeat(192)]); // a 2048-bit key's size
const fast = fastAnswerer(zone, () => rdata);
const queries = tokens.map((t, i) => dnsPacket.encode({ type: 'query', id: i, questions: [{ type: 'TXT', name: `${t}.${ZONE}` }] }));
const sources = Array.from({ length: 256 }, () => `127.0.0.1`); // one source, as dnsperf
const packets = Number(values.packets);

function round(withRrl: boolean): number {
  // A fresh limiter per round, as a server that just started: its table fills during the round.
  const rrl = new ResponseRateLimiter({ ratePerSecond: DEFAULT_RRL_RATE, slip: DEFAULT_RRL_SLIP });
  let sent = 0;
  let now = performance.now();
  const start = process.hrtime.bigint();
  for (let i = 0; i < packets; i++) {
    const reply = fast(queries[i % queries.length]!, 'udp')!;
    // The server reads the clock every few milliseconds, not per answer (answerOnUdpSocket).
    if ((i & 255) === 0) now = performance.now();
    if (!withRrl || rrl.verdict(sources[i & 255]!, reply, now) === 'send') sent++;
  }
  const ns = Number(process.hrtime.bigint() - start) / packets;
  if (sent !== packets) throw new Error(`${packets - sent} answers limited: the bench must measure the cost, not the limit`);
  return ns;
}

round(false);
round(true);
const off: number[] = [];
const on: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  off.push(round(false));
  on.push(round(true));
}
const added = median(on) - median(off);
console.log(
  `fast path ${fmt(median(off), 0)} ns per answer, with RRL ${fmt(median(on), 0)} ns (medians of ${values.rounds} rounds): RRL adds ${fmt(added, 0)} ns per UDP answer`,
);
for (const qps of [20_000, 40_000, 60_000])
  console.log(`  at ${qps} q/s per process (${fmt(1e9 / qps / 1000, 1)} us per packet): ${fmt((100 * added * qps) / 1e9, 1)}% of the time`);
