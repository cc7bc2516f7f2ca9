/**
 * The golden replay against `signet serve` (issue 4: "the output differs only in tokens and ids"):
 * the stub-backed AWS CLI v2 captures whose operations the server implements, run with
 * `./bin/signet` against `./bin/signet serve --dev` instead of the Python stub, in capture order
 * (later cases see the identities earlier ones made, as they did on the stub). stdout is compared
 * after replacing DKIM tokens, verification tokens, NextTokens and MessageIds with placeholders in
 * both outputs (test/helpers/cli-serve-normalize.ts); exit codes and stderr exactly, except where
 * listed. The servers:
 *   main      the `stub-` cases (identities start Pending: `--no-detection`, as the stub without --auto-verify)
 *   verified  the `stubv-` cases (the stub's --auto-verify): example.com is made Success first, through
 *             the dev sandbox (its DKIM CNAMEs published, one detection check)
 *   throttled the three throttling cases: one call per ~17 minutes, the bucket emptied beforehand
 *   pending   the ~60 s waiter on a Pending identity, beside the others
 * Needs nothing but the built `bin/signet` (`npm run build`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  baseEnv,
  caseArgv,
  caseEnv,
  expectedStderr,
  loadCases,
  makeSandbox,
  removeSandbox,
  runSignet,
  type GoldenCase,
  type RunResult,
} from './helpers/cli-golden.ts';
import { normalizeTokens } from './helpers/cli-serve-normalize.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';

/** The operations `signet serve` implements, by their CLI names (`wait identity-exists` polls GetIdentityVerificationAttributes). */
const IMPLEMENTED = new Set([
  'verify-domain-dkim',
  'verify-domain-identity',
  'verify-email-identity',
  'list-identities',
  'delete-identity',
  'get-identity-dkim-attributes',
  'set-identity-dkim-enabled',
  'get-identity-verification-attributes',
  'get-identity-mail-from-domain-attributes',
  'get-send-quota',
  'wait',
]);
/** Included only when the server answers a SendRawEmail (probed below): sending is being built. */
const SENDING = new Set(['send-email', 'send-raw-email']);

/** Stub-backed cases that are not replayed against signet serve, and why. */
const EXCLUDED: Record<string, string> = {
  'stub-vdd-error500': "error500.example is the stub's test hook for a 500 InternalFailure; signet serve has no way to fail on demand",
};

/** The stub's test hook `throttle.example`: replayed against a server that really throttles. */
const THROTTLED = new Set(['stub-vdd-throttling', 'stub-env-max-attempts-1', 'stub-env-retry-standard-max-5']);

const serviceError = (r: RunResult, text: string) => {
  assert.equal(r.stdout.toString(), '');
  assert.equal(r.status, 254, r.stderr);
  assert.equal(r.stderr, `\n${text}\n`);
};
/**
 * Cases where signet serve answers differently from the stub, and what it must do instead. The
 * differences in the first three are server behaviour the report of this replay lists for the
 * server's owners to judge (the stub's choices are not SES's word either).
 */
const OWN_BEHAVIOUR: Record<string, { why: string; check: (r: RunResult, c: GoldenCase) => void }> = {
  'stub-gida-comma-list': {
    why: '`--identities example.com,example.net` is one identity named `example.com,example.net`: the stub omits it as unknown, signet serve refuses it as malformed (which SES does is not captured)',
    check: (r) =>
      serviceError(
        r,
        'An error occurred (InvalidParameterValue) when calling the GetIdentityDkimAttributes operation: Invalid identity example.com,example.net.',
      ),
  },
  'stubv-send-raw-email-raw-format': {
    why: "the raw message `Subject: hi` has no From header: the stub sends it (Source is given), signet serve refuses it in SES's words",
    check: (r) => serviceError(r, "An error occurred (InvalidParameterValue) when calling the SendRawEmail operation: Missing required header 'From'."),
  },
  'stubv-send-raw-email-cli-input-json': {
    why: 'the same message without a From header, given by --cli-input-json',
    check: (r) => serviceError(r, "An error occurred (InvalidParameterValue) when calling the SendRawEmail operation: Missing required header 'From'."),
  },
  'stubv-get-send-quota': {
    why: 'counts the recipients of the messages sent before it: two fewer than the stub, which sent the two messages without a From header',
    check: (r, c) => {
      assert.equal(r.status, 0, r.stderr);
      // Without sending (not replayed yet), nothing was sent.
      const sent = sendingWorks ? '7.0' : '0.0';
      assert.equal(r.stdout.toString(), c.stdout.toString().replace('"SentLast24Hours": 9.0', `"SentLast24Hours": ${sent}`));
    },
  },
  ...Object.fromEntries(
    (
      [
        ['stub-get-send-quota-json', '"SentLast24Hours": 0.0', '"SentLast24Hours": 1.0'],
        ['stub-get-send-quota-text', '200.0\t1.0\t0.0', '200.0\t1.0\t1.0'],
        ['stub-get-send-quota-table', '|  0.0              |', '|  1.0              |'],
      ] as const
    ).map(([name, stub, signet]) => [
      name,
      {
        why: 'counts the verification mail stub-verify-email-identity sent before it: Signet counts its own verification mail against the sending quota (issue 14), the stub sends none',
        check: (r: RunResult, c: GoldenCase) => {
          assert.equal(r.status, 0, r.stderr);
          assert.ok(c.stdout.toString().includes(stub), 'the capture is as this check expects');
          assert.equal(r.stdout.toString(), c.stdout.toString().replace(stub, signet));
        },
      },
    ]),
  ),
  'stub-vdd-read-timeout': {
    why: "slow.* is the stub's hook to answer after 5 s; signet answers at once, so the 1 s read timeout is not hit (the identity is made, as on the stub, whose answer came after the CLI gave up)",
    check: (r) => {
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout.toString()).DkimTokens.length, 3);
    },
  },
};

/** Cases whose stderr must differ from the stub's (stdout and exit code are still compared). */
const STDERR_DIFFERS: Record<string, { why: string; check: (actual: string) => void }> = {
  'stub-debug': {
    why: 'the --debug log (timestamps, object ids; the capture keeps only its line count)',
    check: (a) => assert.match(a, / - MainThread - .* - DEBUG - /),
  },
};

const cases = loadCases().filter((c) => c.server === 'stub' || c.server === 'stubv');

function operationOf(c: GoldenCase): string {
  return c.argv[c.argv.indexOf('ses') + 1] ?? '';
}

let sandbox = '';
let dataRoot = '';
const servers: Partial<Record<'main' | 'verified' | 'throttled' | 'pending', RunningSignet>> = {};
const identical: string[] = [];
const own: string[] = [];
const failed: string[] = [];
const skipped: string[] = [];

async function start(name: string, args: string[]): Promise<RunningSignet> {
  // No key pool to fill at start (four servers on a shared machine): keys are made on demand, and
  // 1024-bit ones are quicker to make; neither shows in what the command line prints.
  // --auto-verify none: identities follow SES's lifecycle, as on the stub (dev mode verifies addresses at once by default).
  const s = await startSignet([
    '--dev',
    '--auto-verify',
    'none',
    '--dns-port',
    '0',
    '--key-pool-size',
    '0',
    '--key-bits',
    '1024',
    '--data-dir',
    join(dataRoot, name),
    ...args,
  ]);
  servers[name as keyof typeof servers] = s;
  return s;
}

before(async () => {
  sandbox = makeSandbox();
  dataRoot = mkdtempSync(join(tmpdir(), 'signet-serve-replay-'));
  // allSettled: the servers that did start are stopped in after() even when one fails to.
  const started = await Promise.allSettled([
    start('main', ['--no-throttle']),
    start('verified', ['--no-throttle']),
    start('pending', ['--no-throttle']),
    // One call, then ~17 minutes until the next: every call of the three cases is throttled.
    // --throttle: dev mode throttles only when asked (main's dev-mode defaults).
    start('throttled', ['--throttle', '--throttle-rate', '0.001', '--throttle-burst', '1']),
  ]);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  if (sandbox) removeSandbox(sandbox);
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  process.stdout.write(
    `\nserve replay: ${identical.length} identical after normalization / ${cases.length} stub-backed cases` +
      ` (${own.length} checked for signet's own behaviour, ${skipped.length} not replayed)` +
      (failed.length ? `; failing: ${failed.join(', ')}` : '') +
      '\n',
  );
});

const work = () => join(sandbox, 'work');

/** A call outside the captured cases (seeding, probing), with the base environment. */
async function call(server: RunningSignet, ...argv: string[]): Promise<RunResult> {
  return runSignet(['ses', ...argv, '--endpoint-url', server.url], baseEnv(sandbox), work());
}

async function post(server: RunningSignet, path: string, domain: string): Promise<unknown> {
  const res = await fetch(`${server.url}${path}?domain=${encodeURIComponent(domain)}`, { method: 'POST' });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

/** Raw NextTokens of the capture -> signet's, learnt from earlier cases, for the cases that reuse one. */
const tokenMap = new Map<string, string>();

function substituteTokens(argv: string[]): string[] {
  return argv.map((a) => tokenMap.get(a) ?? a);
}

/** The NextTokens the stub printed in any case, and those signet printed so far. */
let sendingWorks = false;
let lastSendAt = 0;
const stubTokens = new Set(
  cases.flatMap((c) => [...normalizeTokens(c.stdout.toString('utf8')).values].filter(([p]) => p.startsWith('<NextToken-')).map(([, v]) => v)),
);
const signetTokens = new Set<string>();

function compare(c: GoldenCase, r: RunResult, ports: Record<string, number>): void {
  const want = normalizeTokens(c.stdout.toString('utf8'), stubTokens);
  const got = normalizeTokens(r.stdout.toString('utf8'), signetTokens);
  for (const [p, raw] of got.values) if (p.startsWith('<NextToken-')) signetTokens.add(raw);
  assert.equal(got.text, want.text, `${c.name}: stdout (normalized; exit ${r.status}, stderr: ${r.stderr})`);
  for (const [p, raw] of want.values) if (p.startsWith('<NextToken-')) tokenMap.set(raw, got.values.get(p)!);
  assert.equal(r.status, c.exitCode, `${c.name}: exit code (stderr: ${r.stderr})`);
  const differs = STDERR_DIFFERS[c.name];
  if (differs) differs.check(r.stderr);
  else assert.equal(normalizeTokens(r.stderr).text, normalizeTokens(expectedStderr(c, ports, sandbox)).text, `${c.name}: stderr`);
}

test('golden replay against signet serve', { timeout: 10 * 60_000 }, async (t) => {
  const { main, verified, throttled, pending } = servers as Required<typeof servers>;
  const ports = { stub: main.port, stubv: verified.port };

  // The stub with --auto-verify holds verified identities: example.com, verified through the sandbox.
  const seed = await call(verified, 'verify-domain-dkim', '--domain', 'example.com');
  assert.equal(seed.status, 0, seed.stderr);
  await post(verified, '/_signet/publish-dkim-records', 'example.com');
  const checked = (await post(verified, '/_signet/check', 'example.com')) as { verificationStatus: string };
  assert.equal(checked.verificationStatus, 'Success');

  // Empty the throttled server's bucket (one per operation, as SES's per-operation rate).
  assert.equal((await call(throttled, 'verify-domain-dkim', '--domain', 'example.com')).status, 0);

  // Sending is replayed once the server does it: a message from an unverified sender must be refused.
  const probe = await call(
    pending,
    'send-raw-email',
    '--raw-message',
    `Data=${Buffer.from('From: a@unverified.example\r\nTo: b@example.org\r\nSubject: s\r\n\r\nb\r\n').toString('base64')}`,
  );
  sendingWorks = probe.status === 254 && probe.stderr.includes('(MessageRejected)');
  const sendingWhy = `SendEmail/SendRawEmail are not answered by signet serve yet (probe: exit ${probe.status}, ${probe.stderr.trim()})`;

  // The ~60 s waiter on a Pending identity runs beside the others, on its own server.
  const waiter = cases.find((c) => c.name === 'stub-wait-identity-exists-pending');
  let waiterRun: Promise<RunResult> | null = null;
  const waiterPorts = { stub: pending.port, stubv: verified.port };
  if (waiter) {
    const s = await call(pending, 'verify-domain-dkim', '--domain', 'example.com');
    assert.equal(s.status, 0, s.stderr);
    waiterRun = runSignet(caseArgv(waiter, waiterPorts), caseEnv(waiter, sandbox, waiterPorts), work());
  }

  for (const c of cases) {
    if (c === waiter) continue;
    await t.test(c.name, async (st) => {
      const op = operationOf(c);
      const why =
        EXCLUDED[c.name] ??
        (SENDING.has(op) && !sendingWorks ? sendingWhy : !IMPLEMENTED.has(op) && !SENDING.has(op) ? `signet serve does not implement ${op}` : undefined);
      if (why) {
        skipped.push(c.name);
        return st.skip(why);
      }
      const p = THROTTLED.has(c.name) ? { stub: throttled.port, stubv: verified.port } : ports;
      // The server keeps SES's MaxSendRate of 1 message a second (the stub does not): the sending
      // cases are a second apart, as a real client within its quota would be.
      if (SENDING.has(op)) await new Promise((res) => setTimeout(res, Math.max(0, lastSendAt + 1100 - Date.now())));
      const r = await runSignet(substituteTokens(caseArgv(c, p)), caseEnv(c, sandbox, p), work());
      if (SENDING.has(op)) lastSendAt = Date.now();
      try {
        const mine = OWN_BEHAVIOUR[c.name];
        if (mine) {
          st.diagnostic(`signet's own behaviour: ${mine.why}`);
          mine.check(r, c);
          own.push(c.name);
          return;
        }
        compare(c, r, p);
        identical.push(c.name);
      } catch (err) {
        failed.push(c.name);
        throw err;
      }
    });
  }
  if (waiter && waiterRun) {
    await t.test(waiter.name, async () => {
      const r = await waiterRun!;
      try {
        compare(waiter, r, waiterPorts);
        identical.push(waiter.name);
      } catch (err) {
        failed.push(waiter.name);
        throw err;
      }
    });
  }
});
