/**
 * Replays the AWS CLI v2 golden captures with `./bin/signet` in place of `aws`: same command line
 * (ports substituted), same environment and sandbox as capture.sh, same servers (the stub, the stub
 * with --auto-verify, the stub over TLS, moto), in capture order because later cases see the state
 * earlier ones made. Each case must give byte-identical stdout and the same exit code; stderr must
 * match too, with `signet` for the program name, except for the cases listed in STDERR_DIFFERS; the
 * request bodies must match the captured `.requests.jsonl` byte for byte.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  baseEnv,
  caseArgv as argvOf,
  caseEnv as envOf,
  expectedStderr as stderrOf,
  haveMoto,
  havePython,
  loadCases,
  makeSandbox,
  readLog,
  removeSandbox,
  runSignet,
  startMoto,
  startStub,
  type GoldenCase,
  type RunResult,
  type Server,
} from './helpers/cli-golden.ts';

/** Cases that cannot be replayed as captured, and why. */
const EXCLUDED: Record<string, string> = {
  version: '`--version` prints the program and runtime versions (aws-cli/2.9.19 Python/3.11.2 ...); signet prints its own',
  'unknown-service':
    "`signet sesx` is an unknown signet command (src/main/cli.ts lists signet's own commands); the AWS CLI lists its ~300 other services there, which signet does not offer",
};

/** Cases where signet deliberately does what newer AWS CLIs do instead of 2.9.19 (checked below). */
const HONOURS_ENDPOINT_ENV = new Set(['env-endpoint-url', 'env-endpoint-url-ses']);

/** Cases whose stderr cannot be equal, and why (stdout and exit code are still compared). */
const STDERR_DIFFERS: Record<string, (actual: string) => void> = {
  // The --debug log: timestamps, object ids and Python module names.
  'stub-debug': (a) => assert.match(a, / - MainThread - .* - DEBUG - /),
  // urllib3 prints its own file path and line (`<python-lib>/urllib3/connectionpool.py:1065:`) and
  // the `warnings.warn(` source line; signet prints the warning text alone.
  'tls-no-verify-ssl': (a) => assert.match(a, /InsecureRequestWarning: Unverified HTTPS request is being made to host '127\.0\.0\.1'/),
};

function normalizeAuth(v: string | undefined): string | undefined {
  return v?.replace(/\/\d{8}\//, '/<YYYYMMDD>/').replace(/Signature=[0-9a-f]+/, 'Signature=<64 hex>');
}

const ci = process.env['CI'] === 'true';
const python = havePython();
const motoOk = python !== null && haveMoto(python);
const cases = loadCases();
let sandbox = '';
const servers: Partial<Record<'moto' | 'stub' | 'stubv' | 'tls', Server>> = {};
const identical: string[] = [];
const failed: string[] = [];

before(async () => {
  sandbox = makeSandbox();
  if (python === null) return;
  servers.stub = await startStub(python, sandbox, 'stub');
  servers.stubv = await startStub(python, sandbox, 'stubv', ['--auto-verify']);
  servers.tls = await startStub(python, sandbox, 'tls', ['--certfile', join(sandbox, 'cert.pem'), '--keyfile', join(sandbox, 'key.pem')]);
  if (motoOk) servers.moto = await startMoto(python);
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  if (sandbox) removeSandbox(sandbox);
  const total = cases.length;
  const excluded = Object.keys(EXCLUDED).length;
  process.stdout.write(
    `\ngolden replay: ${identical.length} identical / ${total} cases (${excluded} excluded, ${HONOURS_ENDPOINT_ENV.size} deliberately different)` +
      (failed.length ? `; failing: ${failed.join(', ')}` : '') +
      '\n',
  );
});

const caseEnv = (c: GoldenCase, ports: Record<string, number>) => envOf(c, sandbox, ports);
const caseArgv = argvOf;

function compare(c: GoldenCase, r: RunResult, ports: Record<string, number>, newRequests: Record<string, unknown>[] | null): void {
  assert.equal(r.stdout.toString('utf8'), c.stdout.toString('utf8'), `${c.name}: stdout`);
  assert.ok(r.stdout.equals(c.stdout), `${c.name}: stdout bytes`);
  assert.equal(r.status, c.exitCode, `${c.name}: exit code (stderr: ${r.stderr})`);
  const differs = STDERR_DIFFERS[c.name];
  if (differs) differs(r.stderr);
  else assert.equal(r.stderr, stderrOf(c, ports, sandbox), `${c.name}: stderr`);
  if (newRequests !== null && c.requests !== null) {
    const got = newRequests.map((q) => {
      const h = q['headers'] as Record<string, string>;
      return { method: q['method'], path: q['path'], body: q['body'], auth: normalizeAuth(h['Authorization']), token: h['X-Amz-Security-Token'] };
    });
    const want = c.requests.map((q) => {
      const h = (q as unknown as { headers: Record<string, string> }).headers;
      return { method: q.method, path: q.path, body: q.body, auth: h['Authorization'], token: h['X-Amz-Security-Token'] };
    });
    assert.deepEqual(got, want, `${c.name}: requests`);
  } else if (newRequests !== null && newRequests.length > 0 && c.requests === null && c.server !== 'moto' && c.server !== 'tls') {
    assert.fail(`${c.name}: sent ${newRequests.length} request(s), the AWS CLI sent none`);
  }
}

test('golden replay of the AWS CLI v2 captures', { timeout: 15 * 60_000 }, async (t) => {
  if (python === null) {
    if (ci) assert.fail('python3 is needed for the stub server (CI=true)');
    t.skip('python3 not found: the stub server cannot run');
    return;
  }
  const ports: Record<string, number> = {
    moto: servers.moto?.port ?? 1,
    stub: servers.stub!.port,
    stubv: servers.stubv!.port,
    tls: servers.tls!.port,
  };
  // The ~60 s waiter runs beside the others, against its own stub holding the same Pending identity.
  const pending = cases.find((c) => c.name === 'stub-wait-identity-exists-pending');
  let pendingRun: Promise<{ r: RunResult; reqs: Record<string, unknown>[]; ports: Record<string, number> }> | null = null;
  const pendingStub = pending ? await startStub(python, sandbox, 'stub-pending') : null;
  if (pending && pendingStub) {
    const p2 = { ...ports, stub: pendingStub.port };
    const seed = await runSignet(
      ['ses', 'verify-domain-dkim', '--domain', 'example.com', '--endpoint-url', `http://127.0.0.1:${pendingStub.port}`],
      baseEnv(sandbox),
      join(sandbox, 'work'),
    );
    assert.equal(seed.status, 0, seed.stderr);
    const before = readLog(pendingStub.log!).length;
    pendingRun = runSignet(caseArgv(pending, p2), caseEnv(pending, p2), join(sandbox, 'work')).then((r) => ({
      r,
      reqs: readLog(pendingStub.log!)
        .slice(before)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
      ports: p2,
    }));
  }
  for (const c of cases) {
    if (c === pending) continue;
    await t.test(c.name, async (st) => {
      if (EXCLUDED[c.name]) return st.skip(EXCLUDED[c.name]);
      if (c.server === 'moto' && !servers.moto) {
        if (ci) assert.fail('moto is needed (CI=true): python3 -m pip install moto[server]');
        return st.skip('moto is not installed for python3');
      }
      const logs = [servers.stub!, servers.stubv!].map((s) => ({ s, n: readLog(s.log!).length }));
      const r = await runSignet(caseArgv(c, ports), caseEnv(c, ports), join(sandbox, 'work'));
      const reqs = logs.flatMap(({ s, n }) =>
        readLog(s.log!)
          .slice(n)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      );
      try {
        if (HONOURS_ENDPOINT_ENV.has(c.name)) {
          // AWS CLI 2.9.19 ignores AWS_ENDPOINT_URL(_SES) and fails to reach AWS (255); signet, like
          // later AWS CLIs (and v1), sends to it: the stub answers.
          assert.equal(r.status, 0, r.stderr);
          assert.match(r.stdout.toString(), /"DkimTokens"/);
          return;
        }
        compare(c, r, ports, c.server === 'moto' || c.server === 'tls' ? null : reqs);
        identical.push(c.name);
      } catch (err) {
        failed.push(c.name);
        throw err;
      }
    });
  }
  if (pending && pendingRun) {
    await t.test(pending.name, async () => {
      const { r, reqs, ports: p2 } = await pendingRun!;
      await pendingStub!.stop();
      try {
        compare(pending, r, p2, reqs);
        identical.push(pending.name);
      } catch (err) {
        failed.push(pending.name);
        throw err;
      }
    });
  }
});
