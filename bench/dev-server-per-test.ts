/**
 * Issue 13, "a light start": a test suite that starts one `signet serve --dev` per test pays the
 * server's start and its first seconds of work on every test. This benchmark runs such a file (N
 * tests, each: start a fresh server on a fresh data folder, a typical SES test's calls through
 * @aws-sdk/client-ses, stop the server) against `signet serve --dev` and against moto's server
 * (`moto_server`, the emulator many Python suites use, from the pyenv Python) in the same run, tests
 * alternating between the two so that both see the same machine load. The goal: the file
 * runs within 2x of the emulator's time. It also prints the server's CPU time per test (user +
 * system, from /proc), the cost that a pool of 30 keys filled at start used to put on every test.
 *
 *   npm run build && node --import tsx bench/dev-server-per-test.ts [--tests 10]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
  ListIdentitiesCommand,
  SESClient,
  SendEmailCommand,
  VerifyDomainDkimCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import { startSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';
import { processCpuSeconds as cpuSeconds } from './cpu-time.ts';

const { values } = parseArgs({ options: { tests: { type: 'string', default: '10' } } });
const tests = Number(values.tests);

const moto = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
if (moto.status !== 0) {
  console.error('moto_server not found: pip install "moto[server]"');
  process.exit(2);
}

interface Server {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startSignetDev(): Promise<Server> {
  const data = tempDir('bench-dev-per-test');
  // `serve --dev` as a suite would start it; only the ports are free ones (no collisions between runs).
  const s = await startSignet(['--dev', '--data-dir', data.path, '--log-level', 'warn']);
  return {
    url: s.url,
    pid: s.process.pid!,
    async stop() {
      await s.stop();
      data.remove();
    },
  };
}

async function startMoto(): Promise<Server> {
  const port = await freePort();
  const proc: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  // moto_server prints nothing on a pipe until Werkzeug flushes: ask until it answers.
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/moto-api/`);
      break;
    } catch {
      if (i > 3000) throw new Error('moto_server did not start');
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return {
    url,
    pid: proc.pid!,
    async stop() {
      proc.kill('SIGTERM');
      if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
    },
  };
}

/** A typical SES test: an address and a domain set up, listed, checked, one message sent. */
async function sesTest(url: string): Promise<void> {
  const ses = new SESClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' } });
  await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'sender@example.com' }));
  await ses.send(new VerifyDomainDkimCommand({ Domain: 'example.com' }));
  await ses.send(new ListIdentitiesCommand({}));
  await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: ['sender@example.com', 'example.com'] }));
  await ses.send(
    new SendEmailCommand({
      Source: 'sender@example.com',
      Destination: { ToAddresses: ['someone@example.org'] },
      Message: { Subject: { Data: 'hello' }, Body: { Text: { Data: 'hello' } } },
    }),
  );
  await ses.send(new GetSendQuotaCommand({}));
  ses.destroy();
}

interface Sample {
  wallMs: number;
  cpuS: number;
}

async function oneTest(start: () => Promise<Server>): Promise<Sample> {
  const t0 = performance.now();
  const server = await start();
  await sesTest(server.url);
  const cpuS = cpuSeconds(server.pid);
  await server.stop();
  return { wallMs: performance.now() - t0, cpuS };
}

const results: Record<'signet' | 'moto', Sample[]> = { signet: [], moto: [] };
// One warm-up each (disk caches, the SDK's first load), not counted.
await oneTest(startSignetDev);
await oneTest(startMoto);
for (let i = 0; i < tests; i++) {
  const order: ('signet' | 'moto')[] = i % 2 === 0 ? ['signet', 'moto'] : ['moto', 'signet'];
  for (const who of order) {
    const sample = await oneTest(who === 'signet' ? startSignetDev : startMoto);
    results[who].push(sample);
    console.log(`test ${i + 1} ${who.padEnd(6)} ${fmt(sample.wallMs)} ms, server CPU ${sample.cpuS.toFixed(2)} s`);
  }
}
const total = (xs: Sample[]) => xs.reduce((sum, s) => sum + s.wallMs, 0);
const signetTotal = total(results.signet);
const motoTotal = total(results.moto);
console.log(
  `signet serve --dev: ${tests} tests in ${fmt(signetTotal)} ms (median ${fmt(median(results.signet.map((s) => s.wallMs)))} ms, server CPU median ${median(results.signet.map((s) => s.cpuS)).toFixed(2)} s)`,
);
console.log(
  `moto_server:        ${tests} tests in ${fmt(motoTotal)} ms (median ${fmt(median(results.moto.map((s) => s.wallMs)))} ms, server CPU median ${median(results.moto.map((s) => s.cpuS)).toFixed(2)} s)`,
);
console.log(`ratio signet/moto (file time): ${(signetTotal / motoTotal).toFixed(2)} (goal <= 2)`);
