/**
 * Two builds of Signet's HTTP API side by side: this checkout's and another's (`--other DIR`, a copy of
 * the repository at an earlier commit, built), each serving SigV4-verified GetIdentityDkimAttributes
 * (POST / with a form body, the bootstrap account's key, no throttle), wrk rounds alternating between
 * them in one run so that both see the same machine load. For "the API's figures do not drop by more
 * than 5%" (issue 14): absolute req/s on a shared machine move by more than that between runs.
 *
 *   npm run build && node --import tsx bench/api-ab.ts --other /path/to/other/checkout [--rounds 8] [--seconds 3] [--connections 16]
 *
 * Prints each round and the median of the paired ratios this/other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { callSigned, signForm, type AccessKey } from '../test/helpers/sign.ts';
import { SIGNET_BIN } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';
import { requireWrk, wrkLoad, wrkScript } from './wrk.ts';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '16' },
  },
});
requireWrk();
if (!values.other) {
  console.error('needs --other DIR (another checkout of Signet, built)');
  process.exit(2);
}

interface Served {
  url: string;
  proc: ChildProcess;
  script: string;
}

const body = 'Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=bench.example.com&Identities.member.2=other.example.com';

/**
 * Starts `bin serve` with only the flags both builds know; the SMTP listeners, which the earlier
 * build lacks, are turned off in this one so that both processes do the same work.
 */
async function serve(bin: string, dataDir: string, extra: readonly string[]): Promise<Served> {
  const args = [bin, 'serve', '--port', '0', '--dns-port', '0', '--data-dir', dataDir, '--dkim-zone', 'dkim.bench.test'];
  args.push('--key-bits', '1024', '--key-pool-size', '6', '--no-detection', '--no-throttle', '--log-level', 'warn', ...extra);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 300; i++) {
    const url = /signet listening on (http:\/\/[^\s]+)/.exec(out)?.[1];
    // The earlier build printed the bootstrap key on stdout, this one on stderr: both are read here.
    const created = /signet created account \d{12} with access key (AKIA[A-Z2-7]{16})\n\s+secret access key: (\S{40})/.exec(out);
    if (url && created) {
      const key: AccessKey = { accessKeyId: created[1]!, secretAccessKey: created[2]! };
      for (const d of ['bench.example.com', 'other.example.com']) {
        const r = await callSigned(url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${d}`, key);
        if (r.status !== 200) throw new Error(r.body);
      }
      const check = await callSigned(url, body, key);
      if (check.status !== 200) throw new Error(check.body);
      const script = wrkScript(dataDir, 'request', { method: 'POST', path: '/', headers: await signForm(url, body, key), body });
      return { url, proc, script };
    }
    if (proc.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`${bin} did not start:\n${out}`);
}

const dataThis = tempDir('bench-api-ab-this');
const dataOther = tempDir('bench-api-ab-other');
const mine = await serve(SIGNET_BIN, dataThis.path, ['--no-smtp']);
const other = await serve(join(values.other, 'bin', 'signet'), dataOther.path, []);
const rates = { this: [] as number[], other: [] as number[] };
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    // The order alternates too: neither build always runs first.
    const order = round % 2 === 0 ? (['other', 'this'] as const) : (['this', 'other'] as const);
    for (const which of order) {
      const target = which === 'this' ? mine : other;
      rates[which].push(wrkLoad(target.url, target.script, values.seconds!, values.connections!));
    }
    console.log(
      `round ${round + 1}: other ${fmt(rates.other.at(-1)!, 0)} req/s, this ${fmt(rates.this.at(-1)!, 0)} req/s, ratio ${fmt(rates.this.at(-1)! / rates.other.at(-1)!, 3)}`,
    );
  }
} finally {
  for (const { proc } of [mine, other]) {
    proc.kill('SIGTERM');
    await once(proc, 'exit');
  }
  dataThis.remove();
  dataOther.remove();
}
const paired = median(rates.this.map((r, i) => r / rates.other[i]!));
console.log(
  `other ${fmt(median(rates.other), 0)} req/s, this ${fmt(median(rates.this), 0)} req/s (medians of ${values.rounds}): median of paired ratios this/other ${fmt(paired, 3)}`,
);
