/**
 * Two builds of Signet's DNS server side by side: this checkout's and another's (`--other DIR`, a copy
 * of the repository at an earlier commit, built), over the same data and query file, dnsperf rounds
 * alternating between them in one run, so that both see the same machine load. For changes to the
 * UDP path, where bench/dns-qps.ts's figure against NSD moves by more than the change on a busy machine.
 *
 *   npm run build && node --import tsx bench/dns-qps-ab.ts --other /path/to/other/checkout [--rounds 8] [--seconds 5] [--args '--dns-rrl-rate 0']
 *
 * `--args` are passed to this checkout's server only. Prints each round and the medians.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findProgram } from '../test/helpers/dns-peers.ts';
import { SIGNET_BIN } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { writeDkimFixture } from './dkim-fixture.ts';
import { runDnsperf } from './dnsperf.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    keys: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '8' },
    args: { type: 'string', default: '' },
  },
});
const ZONE = 'dkim.bench.test';
const dnsperf = findProgram('dnsperf');
if (!dnsperf || !values.other) {
  console.error('needs dnsperf (Debian package dnsperf) and --other DIR');
  process.exit(2);
}

async function serve(bin: string, dataDir: string, extra: readonly string[]): Promise<{ port: number; proc: ChildProcess }> {
  const args = [
    bin,
    'serve',
    '--port',
    '0',
    '--dns-port',
    '0',
    '--data-dir',
    dataDir,
    '--dkim-zone',
    ZONE,
    '--key-pool-size',
    '0',
    '--no-detection',
    '--log-level',
    'warn',
    ...extra,
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 300; i++) {
    const match = /signet dns listening on [^\s]+:(\d+)/.exec(out);
    if (match) return { port: Number(match[1]), proc };
    if (proc.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`${bin} did not start:\n${out}`);
}

// One data folder per server (SQLite files are not shared between two servers here), each written by
// its own checkout's fixture code: an earlier build cannot open a later schema (its migrator refuses
// migrations it does not know). The same number of keys each; each server gets its own query file.
const dataThis = tempDir('bench-ab-this');
const dataOther = tempDir('bench-ab-other');
const keys = Number(values.keys);
type WriteFixture = typeof writeDkimFixture;
const otherFixture = (await import(pathToFileURL(join(resolve(values.other), 'bench', 'dkim-fixture.ts')).href)) as { writeDkimFixture: WriteFixture };
async function queriesFor(dataDir: string, write: WriteFixture): Promise<string> {
  const domains = await write(dataDir, Math.ceil(keys / 3), (i) => `d${i}.bench.test`);
  const tokens = domains.flatMap((d) => d.tokens).slice(0, keys);
  const file = join(dataDir, 'queries.txt');
  writeFileSync(file, tokens.map((t) => `${t}.${ZONE} TXT`).join('\n') + '\n');
  return file;
}
const queryFiles = { this: await queriesFor(dataThis.path, writeDkimFixture), other: await queriesFor(dataOther.path, otherFixture.writeDkimFixture) };

const extra = values.args!.split(' ').filter(Boolean);
const mine = await serve(SIGNET_BIN, dataThis.path, extra);
const other = await serve(join(values.other, 'bin', 'signet'), dataOther.path, []);
const rates = { this: [] as number[], other: [] as number[] };
for (let round = 0; round < Number(values.rounds); round++) {
  // The order alternates too: neither build always runs first.
  const order = round % 2 === 0 ? (['other', 'this'] as const) : (['this', 'other'] as const);
  for (const which of order) {
    console.log(`round ${round + 1}: ${which}`);
    rates[which].push(await runDnsperf(dnsperf!, which === 'this' ? mine.port : other.port, queryFiles[which], values.seconds!, values.clients!));
  }
}
for (const { proc } of [mine, other]) {
  proc.kill('SIGTERM');
  await once(proc, 'exit');
}
dataThis.remove();
dataOther.remove();
const ratio = median(rates.this) / median(rates.other);
const paired = median(rates.this.map((r, i) => r / rates.other[i]!));
console.log(
  `other ${fmt(median(rates.other), 0)} q/s, this${extra.length ? ` (${extra.join(' ')})` : ''} ${fmt(median(rates.this), 0)} q/s (medians of ${values.rounds}): this/other = ${fmt(ratio, 3)}, median of paired ratios ${fmt(paired, 3)}`,
);
