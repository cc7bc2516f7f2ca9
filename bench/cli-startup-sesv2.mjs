// Start-up benchmark of `signet sesv2` (issue 18; not a test): wall time of
//   ./bin/signet sesv2 get-email-identity --email-identity example.com --endpoint-url URL
// against /usr/bin/aws (AWS CLI v2) sesv2 get-email-identity to the same running `signet serve`, of a
// bare `node -e 0`, and of `signet ses get-identity-dkim-attributes` (v1's command line, the start-up
// level sesv2 is to keep), interleaved in one run; medians of RUNS (default 15) each, with the ratios
// the issue asks for (signet/aws <= 0.15, signet/node <= 2).
//   node bench/cli-startup-sesv2.mjs [runs] [baseline-checkout]
// With a baseline (another built checkout, e.g. `git archive HEAD | tar -x -C /tmp/base`, node_modules
// linked, `node scripts/build.mjs`), its bin/signet is timed in the same interleaved rounds, for
// before/after figures on a noisy machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 15);
const baseline = process.argv[3] ? resolve(process.argv[3]) : null;
const aws = '/usr/bin/aws';
if (!existsSync(aws)) {
  console.error('AWS CLI v2 not found at /usr/bin/aws (apt-get install -y awscli)');
  process.exit(1);
}

const port = await new Promise((res) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'signet-bench-'));
const server = spawn(
  process.execPath,
  [
    join(root, 'bin', 'signet'),
    'serve',
    '--port',
    String(port),
    '--data-dir',
    join(dir, 'data'),
    '--key-pool-size',
    '3',
    '--no-throttle',
    '--dns-port',
    '0',
    '--no-smtp',
  ],
  {
    // Not inherited: a server that checks signatures prints the new account's secret access key and
    // SMTP password there once; kept, and shown only if the server fails to start.
    stdio: ['ignore', 'pipe', 'pipe'],
    // The key zone is required by newer `signet serve`; any zone will do for the benchmark.
    env: { ...process.env, SIGNET_DKIM_ZONE: process.env.SIGNET_DKIM_ZONE ?? 'dkim.signet.test' },
  },
);
await new Promise((res, rej) => {
  // The HTTP line, not the first `listening` (the DNS and SMTP listeners print theirs before it).
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    if (out.includes('signet listening on http')) res();
  });
  let err = '';
  server.stderr.on('data', (c) => {
    err += c;
  });
  server.once('exit', (code) => rej(new Error(`signet serve exited ${code}: ${err.replace(/secret access key: \S+|SMTP password[^:]*: \S+/g, '[redacted]')}`)));
});

const endpoint = `http://127.0.0.1:${port}`;
// A server that checks signatures writes the first account's key to <data>/credentials ([signet]).
let key = { id: 'AKIDEXAMPLE', secret: 'secret' };
try {
  const text = readFileSync(join(dir, 'data', 'credentials'), 'utf8');
  key = { id: /aws_access_key_id = (\S+)/.exec(text)[1], secret: /aws_secret_access_key = (\S+)/.exec(text)[1] };
} catch {
  /* an older server that does not check signatures */
}
const env = {
  PATH: process.env.PATH,
  HOME: dir,
  AWS_ACCESS_KEY_ID: key.id,
  AWS_SECRET_ACCESS_KEY: key.secret,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
};
const getArgs = ['sesv2', 'get-email-identity', '--email-identity', 'example.com', '--endpoint-url', endpoint];
const commands = {
  node: [process.execPath, ['-e', '0']],
  signet: [process.execPath, [join(root, 'bin', 'signet'), ...getArgs]],
  v1: [process.execPath, [join(root, 'bin', 'signet'), 'ses', 'get-identity-dkim-attributes', '--identities', 'example.com', '--endpoint-url', endpoint]],
  aws: [aws, getArgs],
};
if (baseline) commands.baseline = [process.execPath, [join(baseline, 'bin', 'signet'), ...getArgs]];

function timeOnce([cmd, args]) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

try {
  // The identity the command reads, made once; then a warm-up round.
  timeOnce([process.execPath, [join(root, 'bin', 'signet'), 'sesv2', 'create-email-identity', '--email-identity', 'example.com', '--endpoint-url', endpoint]]);
  for (const c of Object.values(commands)) timeOnce(c);
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [name, c] of Object.entries(commands)) samples[name].push(timeOnce(c));
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  console.log(`runs per command: ${runs} (interleaved), server: signet serve on ${endpoint}`);
  console.log(`node -e 0                                  median ${m.node.toFixed(1)} ms`);
  console.log(`signet sesv2 get-email-identity            median ${m.signet.toFixed(1)} ms`);
  console.log(`signet ses get-identity-dkim-attributes    median ${m.v1.toFixed(1)} ms`);
  console.log(`aws sesv2 get-email-identity (CLI v2)      median ${m.aws.toFixed(1)} ms`);
  if (baseline) console.log(`baseline signet (${baseline})  median ${m.baseline.toFixed(1)} ms  (${(m.baseline / m.node).toFixed(2)} x node)`);
  console.log(`signet / aws  = ${(m.signet / m.aws).toFixed(3)}  (goal <= 0.15)`);
  console.log(`signet / node = ${(m.signet / m.node).toFixed(2)}  (goal <= 2)`);
  console.log(`sesv2 / ses   = ${(m.signet / m.v1).toFixed(2)}  (start-up kept at signet ses's level: about 1)`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
