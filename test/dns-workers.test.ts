/**
 * `signet serve --dns-workers N`: N processes answer UDP queries on the one socket, each from its own
 * copy of the key zone. What must hold whichever process a query lands on: every worker answers keys
 * made after it started, a deleted identity's keys are gone from all of them before DeleteIdentity
 * answers, a worker that dies is replaced, and none outlives the server.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { dkimTokens, sesCall, signetDnsPort } from './helpers/dns-peers.ts';
import { UDP_SEND_QUEUE_FLAG } from '../src/main/udp-send-queue.ts';
import { YOUNG_GENERATION_FLAG } from '../src/main/young-generation.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const ZONE = 'dkim.signet.test';
/** Queries per name per round: each from its own socket (port), so the kernel spreads them over the processes. */
const QUERIES = 40;

function workerPids(serverPid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(serverPid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there is no child
  }
  return out
    .split('\n')
    .filter((line) => line.includes('_dns-worker'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** RCODEs of QUERIES concurrent queries for `name`, each from its own socket. */
async function askMany(port: number, name: string): Promise<{ rcodes: string[]; keys: Set<string> }> {
  const answers = await Promise.all(
    Array.from(
      { length: QUERIES },
      (_, i) =>
        new Promise<{ rcode: string; key: string }>((resolve, reject) => {
          const socket = createSocket('udp4');
          const timer = setTimeout(() => {
            socket.close();
            reject(new Error(`no answer for ${name}`));
          }, 2000);
          socket.on('message', (msg) => {
            clearTimeout(timer);
            socket.close();
            const packet = dnsPacket.decode(msg) as unknown as { rcode: string; answers: { type: string; data: Buffer[] }[] };
            const txt = packet.answers.find((a) => a.type === 'TXT');
            resolve({ rcode: packet.rcode, key: txt ? Buffer.concat(txt.data).toString() : '' });
          });
          const query = dnsPacket.encode({
            type: 'query',
            id: i,
            questions: [{ type: 'TXT', name }],
            additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never],
          });
          socket.send(query, port, '127.0.0.1');
        }),
    ),
  );
  return { rcodes: answers.map((a) => a.rcode), keys: new Set(answers.map((a) => a.key)) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, get: () => T, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = get();
    if (ok(value)) return value;
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Timeouts: a worker left running keeps the server from exiting; that must fail, not hang the run.
describe('signet serve --dns-workers 3', { timeout: 60_000 }, () => {
  const data = tempDir('dns-workers');
  let server: RunningSignet;
  let port: number;

  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--no-throttle',
      '--dev',
      '--dkim-zone',
      ZONE,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '6',
      '--log-level',
      'warn',
      '--dns-workers',
      '3',
    ]);
    port = signetDnsPort(server.output());
  });

  after(async () => {
    // Normally all gone by now (the last test stops the server); not so after a failure.
    const left = server ? workerPids(server.process.pid!) : [];
    server?.process.kill('SIGKILL');
    for (const pid of left) if (alive(pid)) process.kill(pid, 'SIGKILL');
    data.remove();
  });

  it('runs two worker processes beside the server, and says so', () => {
    assert.match(server.output(), /\(udp in 3 processes, tcp\)/);
    assert.equal(workerPids(server.process.pid!).length, 2);
  });

  it('runs the server and its workers with the young generation capped (--max-semi-space-size=16) and the UDP send queue, the server in place', (t) => {
    const flags = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    for (const pid of workerPids(server.process.pid!)) {
      assert.ok(flags(pid).includes(YOUNG_GENERATION_FLAG), `worker ${pid}: ${flags(pid).join(' ')}`);
      assert.ok(flags(pid).includes(UDP_SEND_QUEUE_FLAG), `worker ${pid}: ${flags(pid).join(' ')}`);
    }
    // The server starts itself again with the flag through process.execve (Node 22.15+, 23.11+, 24):
    // the same PID, the one the test spawned. Node 20 has none, and its V8's default is the cap.
    if (typeof (process as { execve?: unknown }).execve !== 'function') {
      t.diagnostic(`the server's own flag not checked: Node ${process.version} has no process.execve`);
      return;
    }
    assert.ok(flags(server.process.pid!).includes(YOUNG_GENERATION_FLAG), flags(server.process.pid!).join(' '));
    assert.ok(flags(server.process.pid!).includes(UDP_SEND_QUEUE_FLAG), flags(server.process.pid!).join(' '));
  });

  it('answers keys made after the workers started, the same key from every process', async () => {
    const tokens = await dkimTokens(server.url, 'workers.example.test');
    for (const token of tokens) {
      const { rcodes, keys } = await askMany(port, `${token}.${ZONE}`);
      assert.deepEqual(new Set(rcodes), new Set(['NOERROR']));
      assert.equal(keys.size, 1, 'every process answers the same record');
      assert.match([...keys][0]!, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$/);
    }
  });

  it('has a deleted identity keys gone from every process when DeleteIdentity answers', async () => {
    const tokens = await dkimTokens(server.url, 'deleted.example.test');
    for (const token of tokens) assert.deepEqual(new Set((await askMany(port, `${token}.${ZONE}`)).rcodes), new Set(['NOERROR']));
    await sesCall(server.url, 'Action=DeleteIdentity&Identity=deleted.example.test');
    for (const token of tokens) assert.deepEqual(new Set((await askMany(port, `${token}.${ZONE}`)).rcodes), new Set(['NXDOMAIN']));
  });

  it('replaces a worker that dies, and keeps answering meanwhile', async () => {
    const [victim, survivor] = workerPids(server.process.pid!);
    process.kill(victim!, 'SIGKILL');
    const tokens = await dkimTokens(server.url, 'workers.example.test');
    assert.deepEqual(new Set((await askMany(port, `${tokens[0]}.${ZONE}`)).rcodes), new Set(['NOERROR']));
    const pids = await waitFor(
      'worker processes',
      () => workerPids(server.process.pid!),
      (p) => p.length === 2 && !p.includes(victim!),
    );
    assert.ok(pids.includes(survivor!));
    assert.match(server.output(), new RegExp(`DNS worker ${victim} exited \\(SIGKILL\\)`));
    // The new one has the zone too.
    assert.deepEqual(new Set((await askMany(port, `${tokens[1]}.${ZONE}`)).rcodes), new Set(['NOERROR']));
  });

  it('leaves no worker behind when the server stops', async () => {
    const pids = workerPids(server.process.pid!);
    assert.equal(pids.length, 2);
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000).unref());
    assert.equal(await Promise.race([server.stop(), timeout]), 0);
    for (const pid of pids)
      await waitFor(
        `worker ${pid}`,
        () => alive(pid),
        (a) => !a,
        5000,
      );
  });
});

describe('signet serve --dns-workers 2, a worker that does not apply a zone change', { timeout: 60_000 }, () => {
  it('is killed before DeleteIdentity answers, and replaced', async () => {
    const data = tempDir('dns-workers-stuck');
    const server = await startSignet([
      '--data-dir',
      data.path,
      '--dev',
      '--no-throttle',
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--log-level',
      'warn',
      '--dns-workers',
      '2',
    ]);
    const [stuck] = workerPids(server.process.pid!);
    try {
      const port = signetDnsPort(server.output());
      const tokens = await dkimTokens(server.url, 'stuck.example.test');
      // Stopped, it holds the zone as it was and would answer from it once it runs again.
      process.kill(stuck!, 'SIGSTOP');
      const started = Date.now();
      await sesCall(server.url, 'Action=DeleteIdentity&Identity=stuck.example.test');
      assert.ok(Date.now() - started < 10_000);
      assert.equal(alive(stuck!), false, 'the worker that did not answer was killed');
      assert.match(server.output(), /did not apply a key zone change within 2000 ms/);
      for (const token of tokens) assert.deepEqual(new Set((await askMany(port, `${token}.dkim.amazonses.com`)).rcodes), new Set(['NXDOMAIN']));
      await waitFor(
        'a replacement',
        () => workerPids(server.process.pid!),
        (p) => p.length === 1 && p[0] !== stuck,
      );
    } finally {
      if (alive(stuck!)) process.kill(stuck!, 'SIGKILL');
      const left = workerPids(server.process.pid!);
      server.process.kill('SIGKILL');
      for (const pid of left) if (alive(pid)) process.kill(pid, 'SIGKILL');
      data.remove();
    }
  });
});

describe('signet serve --dns-workers 2, stopped while a worker is being replaced', { timeout: 60_000 }, () => {
  it('stops that worker too, and exits', async () => {
    const data = tempDir('dns-workers-stop');
    const server = await startSignet(['--data-dir', data.path, '--dev', '--key-pool-size', '0', '--log-level', 'warn', '--dns-workers', '2']);
    try {
      const [victim] = workerPids(server.process.pid!);
      process.kill(victim!, 'SIGKILL');
      // The replacement is forked a second later; stop as soon as it exists, before it is ready.
      const [replacement] = await waitFor(
        'a replacement',
        () => workerPids(server.process.pid!),
        (p) => p.length === 1 && p[0] !== victim,
        5000,
      );
      const stopped = server.stop();
      const timeout = new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000).unref());
      assert.equal(await Promise.race([stopped, timeout]), 0);
      await waitFor(
        `worker ${replacement}`,
        () => alive(replacement!),
        (a) => !a,
        5000,
      );
    } finally {
      server.process.kill('SIGKILL');
      data.remove();
    }
  });
});

describe('signet serve --dns-workers', () => {
  it('refuses a count that is not auto or 1 to 64', async () => {
    const data = tempDir('dns-workers-bad');
    try {
      await assert.rejects(startSignet(['--data-dir', data.path, '--dev', '--dns-workers', '0']), /--dns-workers must be auto or 1 to 64, not "0"/);
    } finally {
      data.remove();
    }
  });
});
