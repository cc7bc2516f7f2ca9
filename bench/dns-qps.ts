/**
 * Queries per second for `TXT TOKEN.<zone>` over 10,000 keys: Signet's DNS server against NSD
 * serving the zone file `signet dns export` printed, both measured with dnsperf in the same run.
 *
 *   npm run build && node --import tsx bench/dns-qps.ts [--keys 10000] [--seconds 10] [--clients 4] [--rounds 2] [--processes 1] [--dns-rrl-rate N]
 *
 * Both servers run on loopback with the same query file (every key once, in random order, repeated
 * by dnsperf); rounds alternate the two. `--processes N` runs NSD with server-count N and Signet with
 * --dns-workers N (both default to one process). Goal: Signet at least half of NSD's rate.
 *
 * Both keep their response-rate limiting on, as deployed (NSD's 200/s, Signet's --dns-rrl-rate
 * default): every key is asked about once per pass over 10,000 names, far below either limit per
 * name, so no answer is dropped (dnsperf's "lost" stays 0) and the figure includes RRL's cost per
 * packet. `--dns-rrl-rate 0` measures Signet without it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findProgram, freeDnsPort, startNsd } from '../test/helpers/dns-peers.ts';
import { SIGNET_BIN, startSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { writeDkimFixture } from './dkim-fixture.ts';
import { runDnsperf } from './dnsperf.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    processes: { type: 'string', default: '1' },
    'dns-rrl-rate': { type: 'string' },
  },
});
const ZONE = 'dkim.bench.test';
const dnsperf = findProgram('dnsperf');
const nsdBin = findProgram('nsd');
if (!dnsperf || !nsdBin) {
  console.error('needs dnsperf and nsd (Debian packages dnsperf, nsd)');
  process.exit(2);
}

const data = tempDir('bench-dns');
const nsdDir = tempDir('bench-nsd');
const keys = Number(values.keys);
const domains = await writeDkimFixture(data.path, Math.ceil(keys / 3), (i) => `d${i}.bench.test`);
const tokens = domains.flatMap((d) => d.tokens).slice(0, keys);
for (let i = tokens.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
}
const queryFile = join(data.path, 'queries.txt');
writeFileSync(queryFile, tokens.map((t) => `${t}.${ZONE} TXT`).join('\n') + '\n');

const exported = spawnSync(process.execPath, [SIGNET_BIN, 'dns', 'export', '--dkim-zone', ZONE, '--data-dir', data.path], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (exported.status !== 0) throw new Error(exported.stderr);
const nsdPort = await freeDnsPort();
const processes = Number(values.processes);
const nsd = await startNsd(nsdBin, nsdDir.path, nsdPort, { [ZONE]: exported.stdout }, { serverCount: processes });
const signet = await startSignet([
  '--data-dir',
  data.path,
  '--dkim-zone',
  ZONE,
  '--key-pool-size',
  '0',
  '--no-detection',
  '--log-level',
  'warn',
  '--dns-workers',
  String(processes),
  ...(values['dns-rrl-rate'] === undefined ? [] : ['--dns-rrl-rate', values['dns-rrl-rate']]),
]);
const signetPort = Number(/signet dns listening on [^\s]+:(\d+)/.exec(signet.output())![1]);

console.log(
  `${tokens.length} keys, dnsperf -l ${values.seconds} -c ${values.clients}, zone file ${exported.stdout.length} bytes, ${processes} process(es) each`,
);
const nsdRates: number[] = [];
const signetRates: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  console.log(`round ${round + 1}: NSD`);
  nsdRates.push(await runDnsperf(dnsperf!, nsdPort, queryFile, values.seconds!, values.clients!));
  console.log(`round ${round + 1}: Signet`);
  signetRates.push(await runDnsperf(dnsperf!, signetPort, queryFile, values.seconds!, values.clients!));
}
await signet.stop();
await nsd.stop();
data.remove();
nsdDir.remove();
const ratio = median(signetRates) / median(nsdRates);
console.log(
  `NSD ${fmt(median(nsdRates), 0)} q/s, Signet ${fmt(median(signetRates), 0)} q/s (medians): Signet/NSD = ${fmt(ratio)} (goal >= 0.50) ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`,
);
