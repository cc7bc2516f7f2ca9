// Start-up benchmark of the README's first command on an existing data folder (not a test):
//   ./bin/signet ses verify-domain-dkim --domain example.com     (no endpoint: the embedded store)
// against a bare `node -e 0`, interleaved in one run; medians of RUNS (default 21) each, and the
// ratio the composition-root issue asks for (signet / node <= 2).
//   node bench/embedded-startup.mjs [runs] [baseline-checkout]
// With a baseline (another built checkout, e.g. `git worktree add /tmp/base <rev>`, node_modules
// copied, `node scripts/build.mjs`), its bin/signet is timed in the same rounds on its own data folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 21);
const baseline = process.argv[3] ? resolve(process.argv[3]) : null;
const dir = mkdtempSync(join(tmpdir(), 'signet-bench-'));
const envFor = (data) => ({
  PATH: process.env.PATH,
  HOME: dir,
  SIGNET_DATA_DIR: join(dir, data),
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
});
const readme = (checkout, data) => [process.execPath, [join(checkout, 'bin', 'signet'), 'ses', 'verify-domain-dkim', '--domain', 'example.com'], envFor(data)];
const commands = { node: [process.execPath, ['-e', '0'], envFor('none')], signet: readme(root, 'data') };
if (baseline) commands.baseline = readme(baseline, 'baseline-data');

function timeOnce([cmd, args, env]) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  // The first call makes the data folder, the master key and the domain's keys; the measured ones find them.
  for (const c of Object.values(commands)) timeOnce(c);
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [name, c] of Object.entries(commands)) samples[name].push(timeOnce(c));
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  console.log(`runs per command: ${runs} (interleaved), existing data folder, no endpoint`);
  console.log(`node -e 0                                   median ${m.node.toFixed(1)} ms`);
  console.log(`signet ses verify-domain-dkim (embedded)    median ${m.signet.toFixed(1)} ms`);
  if (baseline) console.log(`baseline (${baseline})  median ${m.baseline.toFixed(1)} ms  (${(m.baseline / m.node).toFixed(2)} x node)`);
  console.log(`signet / node = ${(m.signet / m.node).toFixed(2)}  (goal <= 2)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
