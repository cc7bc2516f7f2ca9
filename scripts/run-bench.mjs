// Runs the benchmarks under bench/ one after another (not a test: each prints its figures and a ratio
// against a reference measured in the same run). Builds dist/ first: most start `bin/signet serve`.
//   npm run bench                       every benchmark, with the arguments below
//   npm run bench -- NAME [NAME...]     only these (a name is the file name without its extension)
//   npm run bench -- NAME ARGS...       one benchmark, with these arguments instead of the ones below
//   npm run bench -- --list             the table
// The arguments are the README's: short enough for a shared machine, long enough for stable medians.
// A benchmark whose peer is missing (wrk, dnsperf, NSD, PostgreSQL, AWS CLI v2) fails with its reason;
// the others still run, and the exit code says whether all of them finished.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const BENCHMARKS = [
  { name: 'sign-throughput', args: ['--rounds', '5'], about: 'DKIM signer vs raw RSA vs mailauth' },
  { name: 'verify-domain-dkim-latency', args: ['--calls', '500', '--runs', '3'], about: 'p50/p99 of VerifyDomainDkim, pool pre-filled' },
  { name: 'key-pool-refill', args: ['--keys', '40', '--rounds', '3'], about: 'pool refill vs openssl genrsa 2048' },
  { name: 'sigv4-overhead', args: ['--seconds', '3', '--rounds', '11'], about: 'SigV4 on vs dev mode (needs wrk)' },
  { name: 'https-overhead', args: ['--seconds', '3', '--rounds', '7'], about: 'the API over HTTPS vs plain HTTP (needs wrk)' },
  { name: 'cli-startup', args: ['12'], about: 'signet ses vs aws ses vs node -e 0 (needs AWS CLI v2)' },
  { name: 'cli-startup-sesv2', args: ['12'], about: 'signet sesv2 vs aws sesv2 vs node -e 0 (needs AWS CLI v2)' },
  { name: 'send-raw-email-http', args: ['--seconds', '4', '--rounds', '2'], about: 'SendRawEmail over HTTP into the outbox' },
  { name: 'dns-qps', args: ['--seconds', '8'], about: 'dnsperf: Signet vs NSD, 10,000 keys (needs dnsperf, nsd)' },
  { name: 'detection-checks', args: [], about: 'detection checks per second (needs nsd)' },
  { name: 'postgres-vs-sqlite', args: [], about: 'backends, one vs three nodes (needs PostgreSQL)' },
  { name: 'sesv2-create-latency', args: ['--calls', '500', '--runs', '3'], about: 'p50/p99 of v2 CreateEmailIdentity, pool pre-filled' },
  { name: 'sesv2-get-vs-v1', args: ['--seconds', '3', '--rounds', '11'], about: 'v2 GetEmailIdentity vs v1 GetIdentityDkimAttributes req/s (needs wrk)' },
  { name: 'smtp-throughput', args: ['--seconds', '5', '--rounds', '3'], about: 'SMTP vs SendRawEmail over HTTP; end of DATA to 250' },
  { name: 'embedded-startup', args: ['21'], about: "the README's first command on an existing data folder vs node -e 0" },
  { name: 'attack-latency', args: ['--seconds', '8'], about: "another account's API and DNS p50 while one client sends rejected 40 MB bodies" },
  { name: 'udp-batch', args: [], about: 'dnsperf: the batch UDP socket vs dgram, a trivial responder (needs dnsperf)' },
  { name: 'dns-rrl-cost', args: ['--rounds', '7'], about: 'nanoseconds response-rate limiting adds per UDP answer' },
  { name: 'key-rotation', args: ['--seconds', '5', '--rounds', '3'], about: 'DNS q/s and SendRawEmail/s while 10,000 domains rotate vs none (needs dnsperf)' },
  {
    name: 'zone-transfer',
    args: ['--changes', '1000', '--seconds', '5', '--rounds', '3'],
    about: 'change to NSD secondary p50/p99 (NOTIFY+IXFR); DNS q/s with transfers vs idle (needs nsd, dnsperf)',
  },
  { name: 'dev-server-per-test', args: ['--tests', '10'], about: 'a test file starting one serve --dev per test vs moto_server (needs moto)' },
  { name: 'dns-cache-hit-rate', args: [], about: 'share of a Zipf mix the DNS cache answers from memory, by --dns-cache-keys' },
  { name: 'dns-cache-memory', args: [], node: ['--expose-gc'], about: 'resident memory a key costs in the DNS cache' },
  // Benchmarks that need something only their caller has (another checkout, a store bench/scale.ts
  // seeded): they run only when named with their arguments: npm run bench -- api-ab --other OTHER_CHECKOUT
  { name: 'api-ab', args: null, usage: '--other DIR', about: "this build's SigV4 API req/s vs another's (needs wrk)" },
  { name: 'dns-qps-ab', args: null, usage: '--other DIR', about: "this build's DNS q/s vs another's (needs dnsperf)" },
  { name: 'scale-dns-ab', args: null, usage: '--data-dir DIR --other BIN', about: "DNS q/s on a seeded store: this build vs another's (needs dnsperf)" },
  { name: 'dns-key-batch-read', args: null, usage: '--data-dir DIR', about: "PostgreSQL: a cache miss's read by batch size, IN list vs array" },
  { name: 'dns-key-read', args: null, usage: '--data-dir DIR', about: "SQLite: a cache miss's read taken apart" },
  {
    name: 'detection-dns-latency',
    args: null,
    usage: '--data-dir DIR [--other BIN]',
    about: 'DNS answer latency while detection catches up on a copy of a seeded SQLite store, vs without detection',
  },
  {
    name: 'metrics-scrape',
    args: null,
    usage: '--data-dir DIR [--other BIN]',
    about: "the slowest DNS answer while /metrics counts a seeded SQLite store's identities, vs those counts read synchronously",
  },
  {
    name: 'scale',
    args: ['--domains', '10000'],
    about: 'every cost at N domains (10,000: smoke run; --domains 100000 / 1000000, --engine postgres; needs dnsperf, nsd)',
  },
];

// Modules the benchmarks import, not benchmarks.
const HELPERS = new Set(['dkim-fixture', 'stats', 'dnsperf', 'wrk', 'scale-seed', 'scale-queries', 'sending-server', 'seeded-store']);
const unlisted = readdirSync('bench')
  .map((f) => f.replace(/\.(ts|mjs)$/, ''))
  .filter((n) => !HELPERS.has(n) && !BENCHMARKS.some((b) => b.name === n));
if (unlisted.length > 0) {
  console.error(`bench/ has benchmarks that scripts/run-bench.mjs does not list: ${unlisted.join(', ')} (add them to BENCHMARKS or HELPERS)`);
  process.exit(2);
}

function fileOf(name) {
  for (const ext of ['.ts', '.mjs']) {
    const path = join('bench', `${name}${ext}`);
    if (existsSync(path)) return path;
  }
  throw new Error(`bench/${name}.ts or .mjs not found`);
}

const argv = process.argv.slice(2);
if (argv.includes('--list')) {
  for (const b of BENCHMARKS) console.log(`${b.name.padEnd(28)} ${b.about}\n${' '.repeat(29)}${fileOf(b.name)} ${b.args?.join(' ') ?? b.usage}`);
  process.exit(0);
}
const known = new Set(BENCHMARKS.map((b) => b.name));
// The leading words that name benchmarks select them; anything after is that one benchmark's arguments.
let split = 0;
while (split < argv.length && known.has(argv[split])) split++;
const names = argv.slice(0, split);
const extraArgs = split < argv.length ? argv.slice(split) : null;
if (extraArgs && names.length !== 1) {
  console.error(
    names.length === 0
      ? `unknown benchmark ${argv[0]}; one of: ${[...known].join(', ')}`
      : 'arguments for a benchmark need exactly one benchmark name before them: npm run bench -- NAME --flag value',
  );
  process.exit(2);
}
const selected = names.length === 0 ? BENCHMARKS.filter((b) => b.args !== null) : BENCHMARKS.filter((b) => names.includes(b.name));
const unrunnable = selected.find((b) => b.args === null && extraArgs === null);
if (unrunnable) {
  console.error(`${unrunnable.name} needs its arguments: npm run bench -- ${unrunnable.name} ${unrunnable.usage}`);
  process.exit(2);
}

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const results = [];
for (const bench of selected) {
  const file = fileOf(bench.name);
  const args = [...(bench.node ?? []), ...(file.endsWith('.ts') ? ['--import', 'tsx'] : []), file, ...(extraArgs ?? bench.args)];
  console.log(`\n== ${bench.name}: node ${args.join(' ')}`);
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
  const seconds = (performance.now() - start) / 1000;
  const status = run.status ?? (run.signal ? `signal ${run.signal}` : 1);
  results.push({ name: bench.name, ok: status === 0, seconds, status });
}

console.log('\n== benchmarks');
for (const r of results) console.log(`${r.ok ? 'done  ' : 'FAILED'} ${r.name.padEnd(28)} ${r.seconds.toFixed(1)} s${r.ok ? '' : ` (exit ${r.status})`}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
