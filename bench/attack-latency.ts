/**
 * What one hostile client costs everyone else (issue 14, finding 3): the p50 of another account's
 * GetSendQuota and of a DNS query, quiet and while one client keeps sending rejected bodies, in the
 * same run. Two attacks, each from one client over 2 connections:
 * - `oversize`: 41 MB SendRawEmail bodies, over the limit;
 * - `rejected`: 39 MB SendRawEmail bodies, SigV4-signed by a real account, within the limit and
 *   refused (the message has no From header), so the server reads, verifies and parses each.
 *
 *   npm run build && node --import tsx bench/attack-latency.ts [--seconds 8] [--bin PATH/TO/bin/signet]
 *
 * `--bin` runs another build (for example the previous commit's, checked out elsewhere) under the
 * same load, for a before/after figure. The figure is the ratio attack p50 / quiet p50.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { run } from '../test/helpers/peers.ts';
import { callSigned, signForm, type AccessKey } from '../test/helpers/sign.ts';
import { SIGNET_BIN } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, bin: { type: 'string', default: SIGNET_BIN }, attack: { type: 'string' } },
});

/**
 * The attacker runs in a process of its own (this file with `--attack JSON`), so that writing 40 MB
 * bodies does not delay the measuring client's own event loop: two connections, sending until killed.
 */
if (values.attack !== undefined) {
  const { url, headers, size, prefix } = JSON.parse(values.attack) as { url: string; headers: Record<string, string>; size: number; prefix: string };
  const body = Buffer.alloc(size, 0x51);
  body.write(prefix);
  const once = () =>
    new Promise<void>((resolve) => {
      const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(size) } }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
      req.end(body);
    });
  let sent = 0;
  process.on('SIGTERM', () => {
    process.stdout.write(`${sent}\n`);
    process.exit(0);
  });
  await Promise.all(
    [0, 1].map(async () => {
      for (;;) {
        await once();
        sent++;
      }
    }),
  );
}
const seconds = Number(values.seconds);
const bin = values.bin!;
const ZONE = 'dkim.signet.test';

const data = tempDir('bench-attack');
const child = spawn(
  process.execPath,
  [
    bin,
    'serve',
    '--port',
    '0',
    '--dns-port',
    '0',
    '--dkim-zone',
    ZONE,
    '--no-detection',
    '--data-dir',
    data.path,
    '--key-bits',
    '1024',
    '--key-pool-size',
    '3',
    '--log-level',
    'warn',
    '--no-throttle',
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let output = '';
child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
for (let i = 0; i < 300 && !/signet listening on/.test(output); i++) await new Promise((r) => setTimeout(r, 100));
const url = /signet listening on (http:\/\/\S+)/.exec(output)?.[1];
const dnsPort = Number(/signet dns listening on [^:]+:(\d+)/.exec(output)?.[1]);
const created = /access key (AKIA[A-Z2-7]{16})\n\s+secret access key: (\S{40})/.exec(output);
if (!url || !dnsPort || !created) throw new Error(`server did not start:\n${output}`);
const victim: AccessKey = { accessKeyId: created[1]!, secretAccessKey: created[2]! };
const admin = (...args: string[]) => JSON.parse(run(process.execPath, [bin, 'admin', ...args, '--data-dir', data.path], {}).stdout);
const attackerId = admin('create-account').AccountId as string;
const attackerKey = admin('create-access-key', '--account-id', attackerId).AccessKey;
const attacker: AccessKey = { accessKeyId: attackerKey.AccessKeyId, secretAccessKey: attackerKey.SecretAccessKey };

const dns = createSocket('udp4');
await new Promise<void>((r) => dns.bind(0, '127.0.0.1', r));
let dnsId = 0;
function dnsOnce(): Promise<number> {
  dnsId = (dnsId + 1) & 0xffff;
  const id = dnsId;
  const started = performance.now();
  const packet = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'TXT', name: `nothing.${ZONE}` }] });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      dns.off('message', on);
      resolve(2000);
    }, 2000);
    const on = (msg: Buffer) => {
      if (msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      dns.off('message', on);
      resolve(performance.now() - started);
    };
    dns.on('message', on);
    dns.send(packet, dnsPort, '127.0.0.1');
  });
}

const quotaBody = 'Action=GetSendQuota&Version=2010-12-01';
async function quotaOnce(): Promise<number> {
  const started = performance.now();
  const r = await callSigned(url!, quotaBody, victim);
  if (r.status !== 200) throw new Error(r.body);
  return performance.now() - started;
}

async function sample(durationMs: number): Promise<{ quota: number[]; dns: number[] }> {
  const quota: number[] = [];
  const dnsTimes: number[] = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    quota.push(await quotaOnce());
    dnsTimes.push(await dnsOnce());
    await new Promise((r) => setTimeout(r, 10));
  }
  return { quota, dns: dnsTimes };
}

async function attacked(name: string, headers: Record<string, string>, size: number): Promise<void> {
  const spec = JSON.stringify({ url, headers, size, prefix: 'Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=' });
  const attacker = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--attack', spec], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  attacker.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise((r) => setTimeout(r, 1500));
  const under = await sample(seconds * 1000);
  attacker.kill('SIGTERM');
  await new Promise((r) => attacker.once('exit', r));
  report(`${name} (${out.trim() || '?'} attack requests)`, under);
}

let quiet: { quota: number; dns: number } = { quota: NaN, dns: NaN };
function report(what: string, s: { quota: number[]; dns: number[] }): void {
  const q = median(s.quota);
  const d = median(s.dns);
  const ratio = Number.isNaN(quiet.quota) ? '' : `; ratio to quiet: GetSendQuota ${fmt(q / quiet.quota)}, DNS ${fmt(d / quiet.dns)}`;
  console.log(`${what}: other account's GetSendQuota p50 ${fmt(q)} ms, DNS p50 ${fmt(d)} ms (${s.quota.length} samples)${ratio}`);
}

try {
  const base = await sample(seconds * 1000);
  quiet = { quota: median(base.quota), dns: median(base.dns) };
  report(`quiet (${bin})`, base);

  await attacked('oversize 41 MB bodies', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 41 * 1024 * 1024);

  // 39 MB within the limit, signed once (replays are valid within 15 minutes): the message, 'AAA...'
  // with no header at all, is refused after the body is read, verified and parsed.
  const rejected = Buffer.alloc(39 * 1024 * 1024, 0x51); // 'Q': base64 of 0x41 0x04 0x10 ...
  rejected.write('Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=');
  const signed = await signForm(url, rejected, attacker);
  const check = await new Promise<number>((resolve) => {
    const req = httpRequest(url!, { method: 'POST', headers: { ...signed, 'content-length': String(rejected.length) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.end(rejected);
  });
  console.log(`(a rejected body is answered ${check})`);
  await attacked('rejected 39 MB signed bodies', signed, rejected.length);
} finally {
  dns.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  data.remove();
}
