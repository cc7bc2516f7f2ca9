/**
 * `aws sesv2` and `signet sesv2` against `signet serve --dev` (issue 18): every server-backed case
 * of the `aws sesv2` captures (test/fixtures/golden-v2) is run twice, with the AWS CLI v2
 * (/usr/bin/aws) against one server and with `./bin/signet` against a twin of it (same flags, same
 * seed, fresh data folder), in capture order, because later cases see what earlier ones made. Both
 * must print the same stdout and exit with the same code, after DKIM tokens, MessageIds, NextTokens
 * and timestamps are replaced by placeholders (the twins make their own); stderr is compared the
 * same way, with `signet` for the program name and the servers' ports hidden.
 * The twins:
 *   main      the `stub-` cases (identities start Pending: no detection)
 *   verified  the `stubv-` cases: example.com verified first, through the dev sandbox
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  baseEnv,
  CAPTURE_PORTS_V2,
  caseArgv,
  caseEnv,
  GOLDEN_V2,
  loadCases,
  makeSandbox,
  removeSandbox,
  runSignet,
  type GoldenCase,
  type RunResult,
} from './helpers/cli-golden.ts';
import { normalizeTokens } from './helpers/cli-serve-normalize.ts';
import { findAwsCliV2, peerOrSkip } from './helpers/peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';

const aws = findAwsCliV2();
const peer = peerOrSkip('AWS CLI v2 (/usr/bin/aws)', aws, 'the replay compares it with signet sesv2 on the same kind of server');

const cases = loadCases(GOLDEN_V2).filter((c) => c.server === 'stub' || c.server === 'stubv');

type Side = 'aws' | 'signet';
type Twin = 'main' | 'verified';
const servers: Partial<Record<`${Twin}-${Side}`, RunningSignet>> = {};
let sandbox = '';
let dataRoot = '';
const identical: string[] = [];
const failed: string[] = [];

/** What differs between two servers by design: tokens and ids (cli-serve-normalize), timestamps, ports. */
function normalize(text: string): string {
  return (
    normalizeTokens(text)
      .text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00/g, '<Timestamp>')
      .replace(/(LastKeyGenerationTimestamp"?:\s*)\d+(?:\.\d+)?/g, '$1<Epoch>')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
      // A bare MessageId (`--output text`, `--query MessageId`): SES's shape, 16 hex, a UUID, -000000.
      .replace(/\b[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{6}\b/g, '<MessageId>')
  );
}

/** The AWS CLI's stderr as signet prints it: `signet` for the program name. */
function asSignet(stderr: string): string {
  return stderr
    .replace(/^usage: aws /gm, 'usage: signet ')
    .replace(/^ {2}aws /gm, '  signet ')
    .replace(/^aws: error: /gm, 'signet: error: ');
}

function writeV2Files(dir: string): void {
  const key = 'MIICEXAMPLE+fake/DKIM+signing/key/for/signet/golden/tests/AAAQ==';
  const awsDir = join(dir, 'home', '.aws');
  writeFileSync(join(awsDir, 'config'), '[default]\noutput = table\n');
  writeFileSync(join(awsDir, 'config-wire'), '[default]\ncli_timestamp_format = wire\n');
  const work = join(dir, 'work');
  writeFileSync(
    join(work, 'content.json'),
    '{"Simple": {"Subject": {"Data": "From a file", "Charset": "UTF-8"}, "Body": {"Html": {"Data": "<h1>Hi</h1>"}}}}\n',
  );
  writeFileSync(
    join(work, 'raw-content.json'),
    '{"Raw": {"Data": "From: sender@example.com\\r\\nTo: rcpt@example.org\\r\\nSubject: raw-in-base64-out\\r\\n\\r\\nbody\\r\\n"}}\n',
  );
  writeFileSync(join(work, 'attrs.json'), `{"DomainSigningSelector": "sel2024", "DomainSigningPrivateKey": "${key}"}\n`);
  writeFileSync(join(work, 'msg.eml'), 'From: sender@example.com\r\nTo: rcpt@example.org\r\nSubject: hi\r\n\r\nbody\r\n');
  writeFileSync(join(work, 'dest51.json'), `{"ToAddresses": [${Array.from({ length: 51 }, (_, i) => `"r${i + 1}@example.org"`).join(',')}]}\n`);
}

before(async () => {
  if (peer.skip) return;
  sandbox = makeSandbox();
  writeV2Files(sandbox);
  dataRoot = mkdtempSync(join(tmpdir(), 'signet-serve-replay-v2-'));
  const names = ['main-aws', 'main-signet', 'verified-aws', 'verified-signet'] as const;
  const started = await Promise.allSettled(
    names.map(async (name) => {
      // No key pool to fill (four servers on a shared machine): keys are made on demand.
      servers[name] = await startSignet([
        '--dev',
        '--dns-port',
        '0',
        '--key-pool-size',
        '0',
        '--key-bits',
        '1024',
        '--no-throttle',
        '--data-dir',
        join(dataRoot, name),
      ]);
    }),
  );
  for (const s of started) if (s.status === 'rejected') throw s.reason;
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  if (sandbox) removeSandbox(sandbox);
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  if (!peer.skip)
    process.stdout.write(
      `\nsesv2 serve replay: ${identical.length} identical (aws vs signet, normalized) / ${cases.length} server-backed cases` +
        (failed.length ? `; failing: ${failed.join(', ')}` : '') +
        '\n',
    );
});

const work = () => join(sandbox, 'work');

/** Runs /usr/bin/aws as capture.sh did: exactly the case's environment (no inherited AWS_*), stdin closed. */
function runAws(argv: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(aws!, argv, { env, cwd: work(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

async function post(server: RunningSignet, path: string, domain: string): Promise<unknown> {
  const res = await fetch(`${server.url}${path}?domain=${encodeURIComponent(domain)}`, { method: 'POST' });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

/** Per side: the capture's NextTokens -> the ones that side's server printed in the same case. */
const tokens: Record<Side, Map<string, string>> = { aws: new Map(), signet: new Map() };

function learnTokens(side: Side, c: GoldenCase, r: RunResult): void {
  const want = /"NextToken": "([^"]+)"/.exec(c.stdout.toString('utf8'));
  const got = /"NextToken": "([^"]+)"/.exec(r.stdout.toString('utf8'));
  if (want && got) tokens[side].set(want[1]!, got[1]!);
}

test('aws sesv2 and signet sesv2 print the same against signet serve', { skip: peer.skip, timeout: 20 * 60_000 }, async (t) => {
  const s = servers as Required<typeof servers>;
  const ports: Record<Side, Record<string, number>> = {
    aws: { stub: s['main-aws'].port, stubv: s['verified-aws'].port },
    signet: { stub: s['main-signet'].port, stubv: s['verified-signet'].port },
  };
  // The stub with --auto-verify holds verified identities: example.com, verified through the sandbox on both twins.
  for (const v of [s['verified-aws'], s['verified-signet']]) {
    const seed = await runSignet(['ses', 'verify-domain-dkim', '--domain', 'example.com', '--endpoint-url', v.url], baseEnv(sandbox), work());
    assert.equal(seed.status, 0, seed.stderr);
    await post(v, '/_signet/publish-dkim-records', 'example.com');
    const checked = (await post(v, '/_signet/check', 'example.com')) as { verificationStatus: string };
    assert.equal(checked.verificationStatus, 'Success');
  }
  let lastSendAt = 0;
  for (const c of cases) {
    await t.test(c.name, async () => {
      const sending = c.argv.includes('send-email');
      // SES's MaxSendRate (1 message a second) holds on signet serve: sends are spaced as a client within its quota.
      if (sending) await new Promise((res) => setTimeout(res, Math.max(0, lastSendAt + 1100 - Date.now())));
      const argvOf = (side: Side) => caseArgv(c, ports[side], CAPTURE_PORTS_V2).map((a) => tokens[side].get(a) ?? a);
      const envOf = (side: Side) => caseEnv(c, sandbox, ports[side], CAPTURE_PORTS_V2);
      const [a, g] = await Promise.all([runAws(argvOf('aws'), envOf('aws')), runSignet(argvOf('signet'), envOf('signet'), work())]);
      if (sending) lastSendAt = Date.now();
      learnTokens('aws', c, a);
      learnTokens('signet', c, g);
      try {
        assert.equal(normalize(g.stdout.toString('utf8')), normalize(a.stdout.toString('utf8')), `${c.name}: stdout (aws stderr: ${a.stderr})`);
        assert.equal(g.status, a.status, `${c.name}: exit code (aws stderr: ${a.stderr}; signet stderr: ${g.stderr})`);
        assert.equal(normalize(g.stderr), normalize(asSignet(a.stderr)), `${c.name}: stderr`);
        identical.push(c.name);
      } catch (err) {
        failed.push(c.name);
        throw err;
      }
    });
  }
});
