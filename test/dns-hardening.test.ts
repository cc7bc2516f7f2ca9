/**
 * What one hostile client can take of `signet serve`'s DNS server (issue 14): a TCP client that
 * pipelines queries and never reads (finding 1), connections that trickle a byte at a time or say
 * nothing (findings 7 and 2), and a UDP flood from one source (finding 11: response-rate limiting).
 * Each runs against the built server in its own process, on loopback, with bounded loops. Linux
 * accepts any 127.0.0.0/8 address as a local source: 127.0.x.y stand for different clients.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import { dkimTokens, findProgram, signetDnsPort } from './helpers/dns-peers.ts';
import { peerOrSkip, runAsync } from './helpers/peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const DEV_ZONE = 'dkim.amazonses.com';
const MB = 1024 * 1024;

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function tcpFrame(message: Buffer): Buffer {
  const out = Buffer.alloc(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

function query(id: number, name: string, type: 'TXT' | 'SOA'): Buffer {
  return dnsPacket.encode({ type: 'query', id, questions: [{ type, name }] });
}

/** Connects from `localAddress` (127.0.0.x: each a different client on Linux loopback). */
function tcpConnect(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the socket closes, or false after `ms` (never rejects: a reset emits 'error' first). */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed || socket.closed) return Promise.resolve(true);
  return Promise.race([new Promise<boolean>((resolve) => socket.once('close', () => resolve(true))), sleep(ms).then(() => false)]);
}

/** One query over a fresh TCP connection from `localAddress`: the decoded answer. */
async function tcpQuery(port: number, localAddress: string, name: string, type: 'TXT' | 'SOA', timeoutMs = 3000): Promise<dnsPacket.Packet> {
  const socket = await tcpConnect(port, localAddress);
  socket.on('error', () => {});
  try {
    socket.write(tcpFrame(query(4242, name, type)));
    let got = Buffer.alloc(0);
    const deadline = sleep(timeoutMs).then(() => null);
    for (;;) {
      const chunk = await Promise.race([
        new Promise<Buffer | null>((resolve) => {
          socket.once('data', resolve);
          socket.once('close', () => resolve(null));
        }),
        deadline,
      ]);
      if (chunk === null) throw new Error(`no TCP answer from ${localAddress} within ${timeoutMs} ms`);
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) return dnsPacket.decode(got.subarray(2, 2 + got.readUInt16BE(0)));
    }
  } finally {
    socket.destroy();
  }
}

/** A `signet serve` (built, own process) for the enclosing describe: started before its tests, stopped after. */
function serverFor(prefix: string, args: readonly string[]): { readonly server: RunningSignet; readonly port: number } {
  const data = tempDir(prefix);
  const state = { server: undefined as unknown as RunningSignet, port: 0 };
  before(async () => {
    state.server = await startSignet(['--data-dir', data.path, '--log-level', 'warn', ...args]);
    state.port = signetDnsPort(state.server.output());
  });
  after(async () => {
    await state.server?.stop();
    data.remove();
  });
  return state;
}

describe('DNS over TCP: a client that pipelines queries and never reads the answers', { timeout: 90_000 }, () => {
  const signet = serverFor('dns-hardening-mem', ['--dev', '--no-throttle', '--key-bits', '2048', '--key-pool-size', '3']);

  it('leaves the server under 200 MB for 10 s, and other clients answered', async () => {
    const { server, port } = signet;
    const token = (await dkimTokens(server.url, 'mem.example.test'))[0]!;
    const pid = server.process.pid!;
    const name = `${token}.${DEV_ZONE}`;
    const start = rssBytes(pid);
    const client = await tcpConnect(port, '127.0.0.1');
    client.on('error', () => {});
    client.pause(); // never reads an answer
    // 1,000 queries for a 2048-bit key (each answer ~9x its query) per write.
    const batch = Buffer.concat(Array.from({ length: 1000 }, (_, i) => tcpFrame(query(i, name, 'TXT'))));
    let maxRss = start;
    let written = 0;
    const end = Date.now() + 10_000;
    let nextProbe = Date.now() + 2000;
    let probes = 0;
    while (Date.now() < end) {
      if (!client.writableNeedDrain) {
        client.write(batch);
        written += 1000;
      }
      await sleep(client.writableNeedDrain ? 50 : 1);
      maxRss = Math.max(maxRss, rssBytes(pid));
      if (Date.now() >= nextProbe) {
        // The server still answers others meanwhile.
        const answer = await tcpQuery(port, '127.0.0.2', name, 'TXT');
        assert.equal(answer.answers?.length, 1);
        probes++;
        nextProbe = Date.now() + 2000;
      }
    }
    client.destroy();
    console.log(
      `# RSS ${Math.round(start / MB)} MB at start, at most ${Math.round(maxRss / MB)} MB while ${written} queries were pipelined unread; ${probes} other queries answered`,
    );
    assert.ok(probes >= 3);
    assert.ok(maxRss < 200 * MB, `RSS reached ${Math.round(maxRss / MB)} MB`);
  });
});

describe('a --dev server: slow and silent TCP connections, and no UDP rate limiting', { timeout: 120_000 }, () => {
  const signet = serverFor('dns-hardening-dev', ['--dev', '--key-pool-size', '0']);

  it('closes connections that trickle a message a byte at a time within the message bound (5 s), takes at most 16 per client, and answers others meanwhile', async () => {
    const { port } = signet;
    const tricklers: Socket[] = [];
    for (let i = 0; i < 40; i++) {
      const socket = await tcpConnect(port, '127.0.0.1').catch(() => null);
      if (socket === null) continue;
      socket.on('error', () => {});
      socket.write(Buffer.from([0, 40])); // a 40-byte message follows... one byte a second
      tricklers.push(socket);
    }
    const trickle = setInterval(() => {
      for (const s of tricklers) if (s.writable) s.write(Buffer.from([0]));
    }, 1000);
    try {
      const started = Date.now();
      await sleep(1000);
      const openAfterOne = tricklers.filter((s) => !s.closed).length;
      assert.ok(openAfterOne <= 16, `${openAfterOne} connections from one client open`);
      // Another client is answered while they trickle.
      const answer = await tcpQuery(port, '127.0.0.2', DEV_ZONE, 'SOA');
      assert.equal(answer.answers?.[0]?.type, 'SOA');
      // Every trickler closed within the 5 s message bound (and some slack), though bytes kept coming.
      const closed = await Promise.all(tricklers.map((s) => closedWithin(s, Math.max(0, 8000 - (Date.now() - started)))));
      assert.equal(closed.filter((c) => !c).length, 0, 'trickling connections still open after 8 s');
      // And the trickling client may connect again.
      const again = await tcpQuery(port, '127.0.0.1', DEV_ZONE, 'SOA');
      assert.equal(again.answers?.[0]?.type, 'SOA');
    } finally {
      clearInterval(trickle);
      for (const s of tricklers) s.destroy();
    }
  });

  it('holds at most 256 connections that say nothing, from many clients, and frees them after the idle time', async () => {
    const { server, port } = signet;
    const pid = server.process.pid!;
    const before = openDescriptors(pid);
    const silent: Socket[] = [];
    // 30 clients x 10 connections: each client under its own limit, together over the total.
    for (let c = 1; c <= 30; c++) {
      for (let i = 0; i < 10; i++) {
        const socket = await tcpConnect(port, `127.0.1.${c}`).catch(() => null);
        if (socket === null) continue;
        socket.on('error', () => {});
        silent.push(socket);
      }
    }
    try {
      await sleep(1000);
      const open = silent.filter((s) => !s.closed).length;
      const descriptors = openDescriptors(pid) - before;
      console.log(`# ${silent.length} silent connections made, ${open} held open by the server, its descriptors +${descriptors}`);
      assert.ok(open <= 256, `${open} silent connections open`);
      assert.ok(descriptors <= 256 + 8, `server descriptors grew by ${descriptors}`);
      // Released after the idle time (10 s), without a byte sent.
      const closed = await Promise.all(silent.map((s) => closedWithin(s, 14_000)));
      assert.equal(closed.filter((c) => !c).length, 0);
      const answer = await tcpQuery(port, '127.0.1.1', DEV_ZONE, 'SOA');
      assert.equal(answer.answers?.[0]?.type, 'SOA');
    } finally {
      for (const s of silent) s.destroy();
    }
  });

  it('answers a UDP burst from one source in full, never truncated (RRL is off in --dev)', async () => {
    const { port } = signet;
    const client = await boundUdp('127.0.0.1');
    try {
      const burst = await udpBurst(client, port, DEV_ZONE, 2000, 1000);
      assert.equal(burst.slipped, 0);
      // UDP may lose some on a loaded machine; RRL would have held it near 400.
      assert.ok(burst.full > 1000, `${burst.full} answers`);
    } finally {
      client.close();
    }
  });
});

/** Sends `count` SOA queries from `socket` over `ms`, paced; counts full answers and truncated (slip) ones. */
async function udpBurst(socket: UdpSocket, port: number, name: string, count: number, ms: number): Promise<{ full: number; slipped: number }> {
  let full = 0;
  let slipped = 0;
  const onMessage = (msg: Buffer) => {
    const packet = dnsPacket.decode(msg) as dnsPacket.Packet & { flag_tc?: boolean };
    if (packet.flag_tc) {
      slipped++;
      assert.equal(packet.answers?.length ?? 0, 0);
    } else if ((packet.answers?.length ?? 0) > 0) full++;
  };
  socket.on('message', onMessage);
  const message = query(1, name, 'SOA');
  const perTick = Math.ceil(count / (ms / 5));
  for (let sent = 0; sent < count; sent += perTick) {
    for (let i = 0; i < perTick; i++) socket.send(message, port, '127.0.0.1');
    await sleep(5);
  }
  await sleep(500); // the last answers
  socket.off('message', onMessage);
  return { full, slipped };
}

async function boundUdp(address: string): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return socket;
}

const digBin = findProgram('dig');
const { skip: noDig } = peerOrSkip('dig', digBin, 'Debian package dnsutils');

describe('DNS over UDP: response-rate limiting', { timeout: 90_000 }, () => {
  const ZONE = 'dkim.rrl.signet.test';
  // Outside --dev: RRL is on by default (200 answers/s per source /24 and answer, slip 2).
  const signet = serverFor('dns-hardening-rrl', ['--dkim-zone', ZONE, '--key-pool-size', '0']);

  it('limits a burst from one source to its rate, every second dropped answer a TC=1 slip; another source is answered meanwhile', { skip: noDig }, async () => {
    const { port } = signet;
    const flooder = await boundUdp('127.0.0.1');
    try {
      const started = Date.now();
      // 6,000 queries over 1.5 s (4,000/s) from 127.0.0.1, while dig asks from 127.0.1.2: another
      // source prefix (RRL counts IPv4 sources per /24, so 127.0.0.2 would share 127.0.0.1's buckets).
      const [burst, other] = await Promise.all([
        udpBurst(flooder, port, ZONE, 6000, 1500),
        sleep(500).then(() => runAsync(digBin!, ['@127.0.0.1', '-p', String(port), '-b', '127.0.1.2', '+time=2', '+tries=1', '+norecurse', 'SOA', ZONE], {})),
      ]);
      const seconds = (Date.now() - started) / 1000;
      console.log(`# ${burst.full} full answers and ${burst.slipped} slips for 6000 queries in ${seconds.toFixed(1)} s`);
      // One second's burst (200) and 200/s after it, with room for the pacing's imprecision.
      assert.ok(burst.full <= 200 + 200 * seconds + 50, `${burst.full} full answers`);
      assert.ok(burst.slipped >= 500, `${burst.slipped} slips`);
      assert.match(other.stdout, /status: NOERROR/);
      assert.match(other.stdout, /ANSWER: 1,/);
      assert.doesNotMatch(other.stdout, /flags:[^;]* tc/);
    } finally {
      flooder.close();
    }
  });
});
