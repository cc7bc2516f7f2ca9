/**
 * Issue 16: rotating 10,000 domains' keys at once (keys from the pool) must lower neither the DNS
 * query rate nor the SendRawEmail rate by more than 20%, measured in the same run.
 *
 *   npm run build && node --import tsx bench/key-rotation.ts [--domains 10000] [--seconds 5] [--rounds 3] [--clients 4]
 *
 * One `signet serve --dev` over a data folder holding 10,000 fixture domains (dkim-fixture.ts: the
 * benchmark measures rotation, not RSA generation) plus one real domain that sends. Each round runs
 * dnsperf over all 30,000 tokens and signed SendRawEmail calls side by side for `--seconds`, first
 * with no rotation (the reference), then right after every fixture domain was asked to rotate in one
 * statement (as 10,000 `signet dkim rotate` calls would, without their HTTP): the key-ring worker
 * activates each next key and puts a fresh pool key behind each never-signed token, 20,000
 * transactions whose key changes reach the DNS cache through the change feed. The dev clock is moved
 * past the next keys' TTL first. The worker paces itself (KeyRingWorker's dutyCycle), so the rates are
 * measured while the rotation is under way; its pace is printed too.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { startSendingServer } from './sending-server.ts';
import { verifyDevDomain } from '../test/helpers/dev-domain.ts';
import { findProgram } from '../test/helpers/dns-peers.ts';
import { callSigned } from '../test/helpers/sign.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { writeDkimFixture } from './dkim-fixture.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    domains: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: '4' },
  },
});
const dnsperf = findProgram('dnsperf');
if (!dnsperf) {
  console.error('needs dnsperf (Debian package dnsperf)');
  process.exit(2);
}
const ZONE = 'dkim.amazonses.com';
const SENDER = 'sender.bench.test';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };
const count = Number(values.domains);
const seconds = Number(values.seconds);
const clients = Number(values.clients);

const data = tempDir('bench-rotation');
const domains = await writeDkimFixture(data.path, count, (i) => `r${i}.bench.test`);
const tokens = domains.flatMap((d) => d.tokens);
for (let i = tokens.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
}
const queryFile = join(data.path, 'queries.txt');
writeFileSync(queryFile, `${tokens.map((t) => `${t}.${ZONE} TXT`).join('\n')}\n`);

const server = await startSendingServer(data.path);
const dnsPort = Number(/signet dns listening on [^\s]+:(\d+)/.exec(server.output())![1]);
const db = new BetterSqlite3(join(data.path, SQLITE_FILE));
try {
  await verifyDevDomain(server.url, SENDER);
  const senderId = (db.prepare(`SELECT id FROM identities WHERE name = ?`).get(SENDER) as { id: number }).id;
  const fixtureKey = db.prepare(`SELECT public_key FROM dkim_keys WHERE token = ?`).get(tokens[0]) as { public_key: string };
  const addPoolKeys = db.prepare(`INSERT INTO key_pool (bits, public_key, sealed_private_key, created_at) VALUES (2048, ?, 'v1:not-a-real-sealed-key', 0)`);
  const pending = db.prepare(`SELECT COUNT(*) AS n FROM dkim_key_rings WHERE rotate_requested_at IS NOT NULL`);
  const body = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n'.repeat(52);
  const raw = `From: Sender <sender@${SENDER}>\r\nTo: someone@example.net\r\nSubject: bench\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body}`;
  const sendBody = `Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${encodeURIComponent(Buffer.from(raw).toString('base64'))}`;
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const clock = async (advance?: string) => {
    const r = await fetch(`${server.url}/_signet/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(advance ? { advance } : {}),
    });
    return ((await r.json()) as { nowMs: number }).nowMs;
  };

  /** dnsperf and SendRawEmail side by side for `seconds`: queries/s and messages/s. */
  async function measure(): Promise<{ qps: number; sends: number }> {
    const dns = new Promise<number>((resolve, reject) => {
      const p = spawn(dnsperf!, ['-s', '127.0.0.1', '-p', String(dnsPort), '-d', queryFile, '-l', String(seconds), '-c', '2', '-q', '200'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('exit', () => {
        const m = /Queries per second:\s+([\d.]+)/.exec(out);
        if (m) resolve(Number(m[1]));
        else reject(new Error(`dnsperf: ${out}`));
      });
    });
    const end = performance.now() + seconds * 1000;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) {
          const r = await callSigned(server.url, sendBody, KEY, 'us-east-1', agent);
          if (r.status !== 200) throw new Error(`answered ${r.status}: ${r.body}`);
          done++;
        }
      }),
    );
    const sends = done / ((performance.now() - started) / 1000);
    return { qps: await dns, sends };
  }

  const base = { qps: [] as number[], sends: [] as number[] };
  const rotating = { qps: [] as number[], sends: [] as number[] };
  const rounds = Number(values.rounds);
  // Every next key has been served for a TTL; the pool holds a fresh key per domain.
  await clock('2h');
  db.transaction(() => {
    for (let i = 0; i < count; i++) addPoolKeys.run(fixtureKey.public_key);
  })();
  for (let round = 0; round < rounds; round++) {
    const b = await measure();
    base.qps.push(b.qps);
    base.sends.push(b.sends);
    console.log(`reference ${round + 1}: ${fmt(b.qps, 0)} q/s, ${fmt(b.sends, 0)} sends/s`);
  }
  const now = await clock();
  const started = performance.now();
  db.prepare(`UPDATE dkim_key_rings SET rotate_requested_at = ?, due_at = ? WHERE identity_id <> ?`).run(now, now, senderId);
  for (let round = 0; round < rounds; round++) {
    const r = await measure();
    const left = (pending.get() as { n: number }).n;
    rotating.qps.push(r.qps);
    rotating.sends.push(r.sends);
    console.log(`while rotating ${round + 1}: ${fmt(r.qps, 0)} q/s, ${fmt(r.sends, 0)} sends/s; ${count - left} of ${count} domains rotated`);
    if (left === 0) console.log('  (the rotation was over before this measurement ended)');
  }
  const left = (pending.get() as { n: number }).n;
  const perSecond = (count - left) / ((performance.now() - started) / 1000);
  agent.destroy();
  const dnsRatio = median(rotating.qps) / median(base.qps);
  const sendRatio = median(rotating.sends) / median(base.sends);
  console.log(`${count} domains, ${tokens.length} tokens, ${values.rounds} rounds of ${seconds}s, medians`);
  console.log(`DNS: ${fmt(median(base.qps), 0)} q/s without rotation, ${fmt(median(rotating.qps), 0)} q/s while rotating: ratio ${fmt(dnsRatio)}`);
  console.log(`SendRawEmail: ${fmt(median(base.sends), 0)}/s without rotation, ${fmt(median(rotating.sends), 0)}/s while rotating: ratio ${fmt(sendRatio)}`);
  console.log(
    `rotation pace (activation, then a fresh pool key behind the never-signed token): ${fmt(perSecond, 1)} domains/s, ${count} domains in about ${fmt(count / perSecond / 60, 1)} min`,
  );
  const met = dnsRatio >= 0.8 && sendRatio >= 0.8;
  console.log(`goal: both ratios >= 0.80: ${met ? 'MET' : 'NOT MET'}`);
} finally {
  db.close();
  await server.stop();
  data.remove();
}
