/**
 * What SigV4 verification costs: GetIdentityDkimAttributes requests per second with verification on
 * (`signet serve`) against dev mode (`signet serve --dev`, no verification), in the same run.
 *
 *   npm run build && node --import tsx bench/sigv4-overhead.ts [--seconds 3] [--rounds 11] [--connections 16]
 *
 * Load comes from wrk (Debian package `wrk`), replaying one request signed once: the server verifies
 * the signature on every request (replays inside the 15-minute window are valid, as at AWS). Each
 * round measures both servers, in alternating order; the figure is the median of the rounds' ratios.
 * Goal: verification costs at most 10% of throughput (ratio >= 0.90).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { callSigned, signForm } from '../test/helpers/sign.ts';
import { startSignet, type RunningSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '11' }, connections: { type: 'string', default: '16' } },
});
if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk is required: apt-get install -y wrk');
  process.exit(2);
}
const body = 'Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=bench.example.com&Identities.member.2=other.example.com';

async function prepare(dev: boolean): Promise<{ server: RunningSignet; script: string; dir: { remove(): void } }> {
  const dir = tempDir(dev ? 'bench-dev' : 'bench-sigv4');
  const server = await startSignet(['--data-dir', dir.path, '--key-bits', '1024', '--key-pool-size', '6', '--no-throttle', '--log-level', 'warn', ...(dev ? ['--dev'] : [])]);
  const key = dev ? { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } : server.credentials!;
  for (const d of ['bench.example.com', 'other.example.com']) {
    const r = await callSigned(server.url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${d}`, key);
    if (r.status !== 200) throw new Error(r.body);
  }
  const headers = await signForm(server.url, body, key);
  const check = await callSigned(server.url, body, key);
  if (check.status !== 200) throw new Error(check.body);
  const script = join(dir.path, 'request.lua');
  const lua = Object.entries(headers)
    .filter(([k]) => k !== 'host')
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n${lua}\n` +
    // Count non-200 answers, so a broken signature cannot pass for throughput.
    'bad = 0\nresponse = function(status) if status ~= 200 then bad = bad + 1 end end\n' +
    'done = function() io.write("non200 ", bad, "\\n") end\n');
  return { server, script, dir };
}

function load(server: RunningSignet, script: string): number {
  const out = spawnSync('wrk', ['-t', '1', '-c', values.connections!, '-d', `${values.seconds}s`, '-s', script, server.url], { encoding: 'utf8' });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]);
  const bad = Number(/non200 (\d+)/.exec(out.stdout)?.[1] ?? 'NaN');
  if (!(rate > 0) || bad !== 0) throw new Error(`wrk failed or saw errors:\n${out.stdout}${out.stderr}`);
  return rate;
}

const sigv4 = await prepare(false);
const dev = await prepare(true);
const on: number[] = [];
const off: number[] = [];
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const order = round % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
    for (const which of order) (which === 'on' ? on : off).push(load(which === 'on' ? sigv4.server : dev.server, which === 'on' ? sigv4.script : dev.script));
    console.log(`round ${round}: SigV4 ${fmt(on.at(-1)!, 0)} req/s, dev mode ${fmt(off.at(-1)!, 0)} req/s, ratio ${fmt(on.at(-1)! / off.at(-1)!)}`);
  }
} finally {
  await sigv4.server.stop();
  await dev.server.stop();
  sigv4.dir.remove();
  dev.dir.remove();
}
// Each round measures both servers back to back, so the ratio within a round is the least exposed to
// the machine's drift (other load comes and goes over seconds); the median of those is the figure.
const ratio = median(on.map((r, i) => r / off[i]!));
console.log(
  `GetIdentityDkimAttributes, ${values.connections} connections, ${values.seconds} s x ${values.rounds} rounds: medians SigV4 ${fmt(median(on), 0)} req/s,` +
    ` dev ${fmt(median(off), 0)} req/s; median of the rounds' ratios ${fmt(ratio)} (goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'})`,
);
