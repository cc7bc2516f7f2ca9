/**
 * VerifyDomainDkim latency for new domains with the key pool filled beforehand.
 *
 *   node --import tsx bench/verify-domain-dkim-latency.ts [--calls 500] [--runs 3] [--key-bits 1024]
 *
 * Starts `bin/signet serve` (run `npm run build` first; throttling off, SigV4 on) with a pool big enough
 * for every call, waits until it is full, then sends the signed calls one after another over one
 * keep-alive connection and prints
 * p50/p99 round-trip latency per run and the medians over runs. Goal: p99 at most 10 ms. The reference
 * in the same run is GetSendQuota (no store write), the floor of HTTP + parsing on this machine.
 * Key size does not change the request path (keys are copied, not made), so 1024 keeps the fill short.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { join } from 'node:path';
import { signForm, type AccessKey } from '../test/helpers/sign.ts';
import { startSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median, percentile } from './stats.ts';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '500' }, runs: { type: 'string', default: '3' }, 'key-bits': { type: 'string', default: '1024' } },
});
const calls = Number(values.calls);
const runs = Number(values.runs);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

let key: AccessKey = { accessKeyId: '', secretAccessKey: '' };

/** Signs (outside the timed part), then times the round trip: SigV4 verification is on the server's path. */
async function post(url: string, body: string): Promise<{ status: number; ms: number }> {
  const headers = await signForm(url, body, key);
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const results: Array<{ p50: number; p99: number; refP50: number; refP99: number }> = [];
for (let run = 1; run <= runs; run++) {
  const data = tempDir('bench-latency');
  const server = await startSignet([
    '--data-dir',
    data.path,
    '--key-bits',
    values['key-bits']!,
    '--key-pool-size',
    String(calls * 3),
    '--log-level',
    'warn',
    '--no-throttle',
  ]);
  key = server.credentials!;
  const db = new BetterSqlite3(join(data.path, 'signet.db'), { readonly: true });
  const fillStart = Date.now();
  while ((db.prepare('SELECT count(*) AS n FROM key_pool').get() as { n: number }).n < calls * 3) {
    await new Promise((r) => setTimeout(r, 250));
  }
  db.close();
  const fillSeconds = (Date.now() - fillStart) / 1000;
  // Warm-up (JIT, connection), not counted.
  for (let i = 0; i < 20; i++) await post(server.url, 'Action=GetSendQuota&Version=2010-12-01');
  const ref: number[] = [];
  for (let i = 0; i < calls; i++) ref.push((await post(server.url, 'Action=GetSendQuota&Version=2010-12-01')).ms);
  const lat: number[] = [];
  for (let i = 0; i < calls; i++) {
    const r = await post(server.url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=bench-${run}-${i}.example.com`);
    if (r.status !== 200) {
      await server.stop(); // never leave the server behind a failed run
      throw new Error(`status ${r.status}`);
    }
    lat.push(r.ms);
  }
  await server.stop();
  data.remove();
  const row = { p50: percentile(lat, 50), p99: percentile(lat, 99), refP50: percentile(ref, 50), refP99: percentile(ref, 99) };
  results.push(row);
  console.log(
    `run ${run}: pool of ${calls * 3} filled in ${fmt(fillSeconds, 1)} s; VerifyDomainDkim p50 ${fmt(row.p50)} ms p99 ${fmt(row.p99)} ms;` +
      ` GetSendQuota p50 ${fmt(row.refP50)} ms p99 ${fmt(row.refP99)} ms`,
  );
}
const p99 = median(results.map((r) => r.p99));
console.log(
  `median of ${runs} runs, ${calls} calls each: VerifyDomainDkim p50 ${fmt(median(results.map((r) => r.p50)))} ms, p99 ${fmt(p99)} ms` +
    ` (goal <= 10 ms: ${p99 <= 10 ? 'met' : 'NOT met'}); GetSendQuota p99 ${fmt(median(results.map((r) => r.refP99)))} ms;` +
    ` ratio p99 VerifyDomainDkim / GetSendQuota ${fmt(p99 / median(results.map((r) => r.refP99)))}`,
);
agent.destroy();
