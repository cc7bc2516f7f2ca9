/**
 * What SigV4 verification costs: requests per second with verification on (`signet serve`) against
 * dev mode (`signet serve --dev`, no verification), in the same run. `--api v1` (default) measures
 * GetIdentityDkimAttributes (POST / with a form body); `--api v2` measures SES v2 GetEmailIdentity
 * (GET /v2/email/identities/{id}, signed as aws-sdk-js-v3 signs it: double-encoded canonical path,
 * x-amz-content-sha256 and the amz-sdk-* headers).
 *
 *   npm run build && node --import tsx bench/sigv4-overhead.ts [--api v1|v2] [--seconds 3] [--rounds 11] [--connections 16]
 *
 * Load comes from wrk, replaying one request signed once. Each round measures both servers, in
 * alternating order; the figure is the median of the rounds' ratios.
 * Goal: verification costs at most 10% of throughput (ratio >= 0.90).
 */
import { parseArgs } from 'node:util';
import { callSigned, signForm } from '../test/helpers/sign.ts';
import { signedV2, type V2Request } from '../test/helpers/sign-v2.ts';
import { startSignet, type RunningSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';
import { requireWrk, wrkLoad, wrkScript } from './wrk.ts';
// CPU seconds from /proc (Linux): requests per CPU second is the figure a busy machine disturbs
// least, as other processes take wall time from the server, not CPU time per request.
import { processCpuSeconds as cpuSeconds } from './cpu-time.ts';

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: 'v1' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '11' },
    connections: { type: 'string', default: '16' },
  },
});
requireWrk();
if (values.api !== 'v1' && values.api !== 'v2') throw new Error('--api is v1 or v2');
const body = 'Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=bench.example.com&Identities.member.2=other.example.com';

async function prepare(dev: boolean): Promise<{ server: RunningSignet; script: string; dir: { remove(): void } }> {
  const dir = tempDir(dev ? 'bench-dev' : 'bench-sigv4');
  const server = await startSignet([
    '--data-dir',
    dir.path,
    '--key-bits',
    '1024',
    '--key-pool-size',
    '6',
    '--no-throttle',
    // No detection on either: it checks a pending domain's DNS in the background, and in dev mode the
    // sandbox verifies it at once, so the two servers would not be doing the same work besides SigV4.
    '--no-detection',
    '--log-level',
    'warn',
    ...(dev ? ['--dev'] : []),
  ]);
  const key = dev ? { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } : server.credentials!;
  for (const d of ['bench.example.com', 'other.example.com']) {
    const r = await callSigned(server.url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${d}`, key);
    if (r.status !== 200) throw new Error(r.body);
  }
  let request: V2Request;
  if (values.api === 'v2') {
    request = await signedV2(server.url, key, 'GET', '/v2/email/identities/bench.example.com');
  } else {
    request = { method: 'POST', path: '/', headers: await signForm(server.url, body, key), body };
    const check = await callSigned(server.url, body, key);
    if (check.status !== 200) throw new Error(check.body);
  }
  return { server, script: wrkScript(dir.path, 'request', request), dir };
}

const sigv4 = await prepare(false);
const dev = await prepare(true);
const on: number[] = [];
const off: number[] = [];
/** Requests per CPU second of each server, per round. */
const onPerCpu: number[] = [];
const offPerCpu: number[] = [];
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const order = round % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
    for (const which of order) {
      const target = which === 'on' ? sigv4 : dev;
      const pid = target.server.process.pid!;
      const cpuBefore = cpuSeconds(pid);
      const rate = wrkLoad(target.server.url, target.script, values.seconds!, values.connections!);
      const perCpu = (rate * Number(values.seconds)) / (cpuSeconds(pid) - cpuBefore);
      (which === 'on' ? on : off).push(rate);
      (which === 'on' ? onPerCpu : offPerCpu).push(perCpu);
    }
    console.log(
      `round ${round}: SigV4 ${fmt(on.at(-1)!, 0)} req/s, dev mode ${fmt(off.at(-1)!, 0)} req/s, ratio ${fmt(on.at(-1)! / off.at(-1)!)};` +
        ` per CPU second ${fmt(onPerCpu.at(-1)!, 0)} and ${fmt(offPerCpu.at(-1)!, 0)}, ratio ${fmt(onPerCpu.at(-1)! / offPerCpu.at(-1)!)}`,
    );
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
const cpuRatio = median(onPerCpu.map((r, i) => r / offPerCpu[i]!));
const what = values.api === 'v2' ? 'SES v2 GetEmailIdentity (GET)' : 'GetIdentityDkimAttributes';
console.log(
  `${what}, ${values.connections} connections, ${values.seconds} s x ${values.rounds} rounds: medians SigV4 ${fmt(median(on), 0)} req/s,` +
    ` dev ${fmt(median(off), 0)} req/s; median of the rounds' ratios ${fmt(ratio)} (goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'});` +
    ` requests per server CPU second: median ratio ${fmt(cpuRatio)} (the same cost, less exposed to other load on the machine)`,
);
