/**
 * Replays the AWS CLI v2 `aws sesv2` golden captures (test/fixtures/golden-v2, copied from
 * shared/golden-v2) with `./bin/signet` in place of `aws`: same command line (ports substituted),
 * same environment and sandbox as its capture.sh, the same deterministic SES v2 stub (plain and
 * `--auto-verify`), in capture order because later cases see the state earlier ones made. Each case
 * must give byte-identical stdout and the same exit code, stderr equal with `signet` for the program
 * name (except the cases in STDERR_DIFFERS), and the requests the stub logged must match the
 * captured ones: method, path with its query, body, Content-Type and the (normalised) Authorization
 * header, SignedHeaders included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CAPTURE_PORTS_V2,
  caseArgv,
  caseEnv,
  expectedStderr,
  GOLDEN_V2,
  havePython,
  loadCases,
  makeSandbox,
  readLog,
  removeSandbox,
  runSignet,
  startStub,
  type GoldenCase,
  type RunResult,
  type Server,
} from './helpers/cli-golden.ts';
import { findAwsCliV2, peerOrSkip } from './helpers/peers.ts';

/** Cases that cannot be replayed as captured, and why. */
const EXCLUDED: Record<string, string> = {};

/**
 * Cases whose stderr cannot be equal, and why (stdout, exit code and requests are still compared).
 * `signet sesv2 <unknown operation>` lists the same choices and close matches as the AWS CLI, so
 * no case is listed today.
 */
const STDERR_DIFFERS: Record<string, (actual: string) => void> = {};

function normalizeAuth(v: string | undefined): string | undefined {
  return v?.replace(/\/\d{8}\//, '/<YYYYMMDD>/').replace(/Signature=[0-9a-f]+/, 'Signature=<64 hex>');
}

const ci = process.env['CI'] === 'true';
const python = havePython();
const cases = loadCases(GOLDEN_V2);
let sandbox = '';
const servers: Partial<Record<'stub' | 'stubv', Server>> = {};
const identical: string[] = [];
const failed: string[] = [];

/** The files capture.sh's write_config puts in the sandbox (the KEY is the captures' fake BYODKIM key). */
function writeV2Files(dir: string): void {
  const key = 'MIICEXAMPLE+fake/DKIM+signing/key/for/signet/golden/tests/AAAQ==';
  const aws = join(dir, 'home', '.aws');
  writeFileSync(join(aws, 'config'), '[default]\noutput = table\n');
  writeFileSync(join(aws, 'config-wire'), '[default]\ncli_timestamp_format = wire\n');
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
  const list = Array.from({ length: 51 }, (_, i) => `"r${i + 1}@example.org"`).join(',');
  writeFileSync(join(work, 'dest51.json'), `{"ToAddresses": [${list}]}\n`);
}

before(async () => {
  sandbox = makeSandbox();
  writeV2Files(sandbox);
  if (python === null) return;
  const script = join(GOLDEN_V2, 'stub_sesv2.py');
  servers.stub = await startStub(python, sandbox, 'stub', [], script);
  servers.stubv = await startStub(python, sandbox, 'stubv', ['--auto-verify'], script);
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  if (sandbox) removeSandbox(sandbox);
  process.stdout.write(
    `\nsesv2 golden replay: ${identical.length} identical / ${cases.length} cases (${Object.keys(EXCLUDED).length} excluded)` +
      (failed.length ? `; failing: ${failed.join(', ')}` : '') +
      '\n',
  );
});

interface Logged {
  method: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}

function compare(c: GoldenCase, r: RunResult, ports: Record<string, number>, sent: Logged[]): void {
  assert.equal(r.stdout.toString('utf8'), c.stdout.toString('utf8'), `${c.name}: stdout`);
  assert.ok(r.stdout.equals(c.stdout), `${c.name}: stdout bytes`);
  assert.equal(r.status, c.exitCode, `${c.name}: exit code (stderr: ${r.stderr})`);
  const differs = STDERR_DIFFERS[c.name];
  if (differs) differs(r.stderr);
  else assert.equal(r.stderr, expectedStderr(c, ports, sandbox, CAPTURE_PORTS_V2), `${c.name}: stderr`);
  const view = (q: Logged, auth: string | undefined) => ({
    method: q.method,
    path: q.path,
    body: q.body,
    contentType: q.headers['Content-Type'],
    auth,
    token: q.headers['X-Amz-Security-Token'],
  });
  const got = sent.map((q) => view(q, normalizeAuth(q.headers['Authorization'])));
  const want = (c.requests ?? []).map((q) => view(q as unknown as Logged, (q as unknown as Logged).headers['Authorization']));
  assert.deepEqual(got, want, `${c.name}: requests`);
}

test('golden replay of the AWS CLI v2 `aws sesv2` captures', { timeout: 15 * 60_000 }, async (t) => {
  if (python === null) {
    if (ci) assert.fail('python3 is needed for the stub server (CI=true)');
    t.skip('python3 not found: the stub server cannot run');
    return;
  }
  const ports: Record<string, number> = { stub: servers.stub!.port, stubv: servers.stubv!.port };
  for (const c of cases) {
    await t.test(c.name, async (st) => {
      if (EXCLUDED[c.name]) return st.skip(EXCLUDED[c.name]);
      const logs = [servers.stub!, servers.stubv!].map((s) => ({ s, n: readLog(s.log!).length }));
      const r = await runSignet(caseArgv(c, ports, CAPTURE_PORTS_V2), caseEnv(c, sandbox, ports, CAPTURE_PORTS_V2), join(sandbox, 'work'));
      const sent = logs.flatMap(({ s, n }) =>
        readLog(s.log!)
          .slice(n)
          .map((l) => JSON.parse(l) as Logged),
      );
      try {
        compare(c, r, ports, sent);
        identical.push(c.name);
      } catch (err) {
        failed.push(c.name);
        throw err;
      }
    });
  }
});

/**
 * Command lines with no capture: the identity-policy operations (the stub does not serve them) and
 * non-ASCII values (json.dumps escapes them as \uXXXX, surrogate pairs included). signet must send
 * what /usr/bin/aws sends for the same command line, to the same stub, and print the same answer.
 */
const UNCAPTURED_COMMANDS = [
  ['create-email-identity', '--email-identity', 'unicode.example', '--tags', '[{"Key":"k","Value":"café 😀"}]', '--output', 'text'],
  // Shorthand stops at the emoji (awscli's value pattern): the error names the whole character.
  ['create-email-identity', '--email-identity', 'unicode2.example', '--tags', 'Key=k,Value=café😀'],
  ['get-email-identity', '--email-identity', 'unicode.example', '--query', 'Tags'],
  ['create-email-identity-policy', '--email-identity', 'a+b@example.com', '--policy-name', 'p1', '--policy', '{"Version":"2012-10-17","Statement":[]}'],
  ['get-email-identity-policies', '--email-identity', 'example.com', '--output', 'text'],
  ['update-email-identity-policy', '--email-identity', 'example.com', '--policy-name', 'p1', '--policy', '{"Version":"2012-10-17"}', '--output', 'table'],
  ['delete-email-identity-policy', '--email-identity', 'example.com', '--policy-name', 'p/1'],
  ['create-email-identity-policy', '--email-identity', 'example.com', '--policy-name', 'p1'],
  ['create-email-identity-policy', '--generate-cli-skeleton'],
];

test('identity-policy operations and non-ASCII values: signet sesv2 sends and prints what aws sesv2 does', { timeout: 5 * 60_000 }, async (t) => {
  const aws = findAwsCliV2();
  const peer = peerOrSkip('AWS CLI v2 (/usr/bin/aws)', aws, 'the policy operations are compared with it');
  if (peer.skip || python === null) return t.skip(peer.skip || 'python3 not found: the stub server cannot run');
  // One fresh stub per side: the commands change state (a create twice is AlreadyExists).
  const script = join(GOLDEN_V2, 'stub_sesv2.py');
  const stubs = { aws: await startStub(python, sandbox, 'extra-aws', [], script), signet: await startStub(python, sandbox, 'extra-signet', [], script) };
  t.after(() => Promise.all([stubs.aws.stop(), stubs.signet.stop()]));
  for (const command of UNCAPTURED_COMMANDS) {
    await t.test(command.slice(0, 2).join(' '), async () => {
      const argvFor = (stub: Server) => ['sesv2', ...command, '--endpoint-url', `http://127.0.0.1:${stub.port}`];
      const env = caseEnv({ envSet: [], envUnset: [] } as unknown as GoldenCase, sandbox, {}, CAPTURE_PORTS_V2);
      const sentBy = async (stub: Server, run: (argv: string[]) => Promise<RunResult>) => {
        const n = readLog(stub.log!).length;
        const r = await run(argvFor(stub));
        return {
          r,
          sent: readLog(stub.log!)
            .slice(n)
            .map((l) => JSON.parse(l) as Logged),
        };
      };
      const a = await sentBy(stubs.aws, (argv) => runBinary(aws!, argv, env));
      const g = await sentBy(stubs.signet, (argv) => runSignet(argv, env, join(sandbox, 'work')));
      assert.equal(g.r.stdout.toString(), a.r.stdout.toString());
      assert.equal(g.r.status, a.r.status);
      assert.equal(
        g.r.stderr,
        a.r.stderr
          .replace(/^aws: error: /gm, 'signet: error: ')
          .replace(/^usage: aws /gm, 'usage: signet ')
          .replace(/^ {2}aws /gm, '  signet '),
      );
      const view = (q: Logged) => ({
        method: q.method,
        path: q.path,
        body: q.body,
        contentType: q.headers['Content-Type'],
        auth: normalizeAuth(q.headers['Authorization']),
      });
      assert.deepEqual(g.sent.map(view), a.sent.map(view));
    });
  }
});

test('an operation signet does not serve is named, with the ones it does (ses and sesv2)', async () => {
  for (const [svc, op, offers] of [
    ['sesv2', 'list-contacts', 'create-email-identity, get-email-identity, list-email-identities'],
    ['ses', 'list-templates', 'verify-domain-dkim, verify-domain-identity'],
  ] as const) {
    const r = await runSignet([svc, op], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(sandbox, 'home') }, join(sandbox, 'work'));
    assert.equal(r.status, 252);
    assert.equal(r.stdout.toString(), '');
    assert.ok(r.stderr.startsWith(`\nsignet does not implement "${svc} ${op}"; it offers: ${offers}`), r.stderr);
  }
});

function runBinary(bin: string, argv: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(bin, argv, { env, cwd: join(sandbox, 'work'), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}
