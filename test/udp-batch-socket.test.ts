import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { dkimTxtRecordStrings } from '../src/core/index.ts';
import { fastAnswerer, fastMissAnswerer, txtRdata, type KeyLookup, type TxtRdata } from '../src/dns/answer-query.ts';
import { startDnsServer } from '../src/dns/authoritative-server.ts';
import { addressText, BatchUdpSocket, udpBatchAddon, udpBatchLoadError } from '../src/dns/batch-udp-socket.ts';
import { keyZone } from '../src/dns/key-zone.ts';
import { peerOrSkip } from './helpers/peers.ts';

// The batch socket is built by `npm ci` on Linux (native/udp-batch); elsewhere the server uses dgram
// and these tests skip. In CI (Linux) a missing build is an error: serve would fall back unseen.
const addon = udpBatchAddon();
const linuxOnly =
  process.platform === 'linux'
    ? peerOrSkip('the batch UDP socket (native/udp-batch)', addon ? 'built' : null, String(udpBatchLoadError()))
    : { skip: 'Linux only (recvmmsg)' };

async function client(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const socket = createSocket(type);
  await new Promise<void>((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', resolve));
  return socket;
}

function received(socket: Socket, count: number): Promise<Buffer[]> {
  const got: Buffer[] = [];
  return new Promise((resolve) =>
    socket.on('message', (msg) => {
      got.push(msg);
      if (got.length === count) resolve(got);
    }),
  );
}

describe('addressText', () => {
  it('writes Linux socket addresses as Node writes them (IPv4, IPv4-mapped IPv6, IPv6)', () => {
    const le = new Uint8Array(28);
    // sockaddr_in: family (host order), port, address.
    new DataView(le.buffer).setUint16(0, 2, true);
    le.set([0x13, 0x88, 192, 0, 2, 77], 2);
    assert.equal(addressText(le, 0), '192.0.2.77');
    const mapped = new Uint8Array(28);
    new DataView(mapped.buffer).setUint16(0, 10, true);
    mapped.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1], 8);
    assert.equal(addressText(mapped, 0), '::ffff:127.0.0.1');
    const v6 = new Uint8Array(28);
    new DataView(v6.buffer).setUint16(0, 10, true);
    v6.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 8);
    assert.equal(addressText(v6, 0), '2001:db8:0:0:0:0:0:1');
  });
});

describe('BatchUdpSocket (recvmmsg, sendmmsg)', linuxOnly, () => {
  it('hands datagrams sent together in batches, and each answer goes to its own sender', async () => {
    const server = BatchUdpSocket.open(addon!, '127.0.0.1', 0, 1 << 20);
    const batches: number[] = [];
    server.onBatch((count) => {
      batches.push(count);
      for (let i = 0; i < count; i++) server.reply(Buffer.concat([Buffer.from('re:'), server.message(i)!]), i);
      server.flush();
    });
    const clients = await Promise.all([client(), client(), client()]);
    const answers = clients.map((c) => received(c, 100));
    // Sent in one turn: they wait in the kernel together, and come up in batches of more than one.
    for (let n = 0; n < 100; n++) clients.forEach((c, k) => c.send(`${k}:${n}`, server.port, '127.0.0.1'));
    const got = await Promise.all(answers);
    got.forEach((msgs, k) => assert.deepEqual(msgs.map(String).sort(), Array.from({ length: 100 }, (_, n) => `re:${k}:${n}`).sort()));
    assert.equal(
      batches.reduce((a, b) => a + b, 0),
      300,
    );
    assert.ok(Math.max(...batches) > 1, `batches: ${batches.join(',')}`);
    for (const c of clients) c.close();
    server.close();
  });

  it('answers later to an address kept past its batch, and marks a datagram longer than a slot', async () => {
    const server = BatchUdpSocket.open(addon!, '127.0.0.1', 0, 1 << 20);
    const lengths: Array<number | null> = [];
    server.onBatch((count) => {
      for (let i = 0; i < count; i++) {
        const message = server.message(i);
        lengths.push(message === null ? null : message.length);
        if (message === null) continue;
        const copy = Buffer.from(message);
        const address = server.keepAddress(i);
        setTimeout(() => {
          server.replyTo(Buffer.concat([Buffer.from('later:'), copy]), address);
          server.flush();
        }, 20);
      }
    });
    const c = await client();
    const answer = received(c, 1);
    c.send(Buffer.alloc(5000, 1), server.port, '127.0.0.1');
    c.send('small', server.port, '127.0.0.1');
    assert.equal(String((await answer)[0]), 'later:small');
    assert.deepEqual(lengths, [null, 5]);
    c.close();
    server.close();
  });

  it('takes IPv4 clients on an IPv6 socket as mapped addresses, as dgram does', async () => {
    const server = BatchUdpSocket.open(addon!, '::', 0, 1 << 20);
    const from: string[] = [];
    server.onBatch((count) => {
      for (let i = 0; i < count; i++) {
        from.push(server.address(i));
        server.reply(Buffer.from('ok'), i);
      }
      server.flush();
    });
    const c4 = await client('udp4');
    const c6 = await client('udp6');
    const answers = [received(c4, 1), received(c6, 1)];
    c4.send('a', server.port, '127.0.0.1');
    c6.send('b', server.port, '::1');
    await Promise.all(answers);
    assert.deepEqual(from.sort(), ['0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']);
    c4.close();
    c6.close();
    server.close();
  });

  it('frees its port on close, as dgram does; a port in use fails with its code', async () => {
    const first = BatchUdpSocket.open(addon!, '127.0.0.1', 0, 1 << 20);
    const port = first.port;
    assert.throws(() => BatchUdpSocket.open(addon!, '127.0.0.1', port, 1 << 20), { code: 'EADDRINUSE' });
    first.close();
    const again = BatchUdpSocket.open(addon!, '127.0.0.1', port, 1 << 20);
    assert.equal(again.port, port);
    again.close();
    // Answers queued after close are dropped, not sent on a closed descriptor.
    again.flush();
  });
});

describe('startDnsServer over the batch socket', linuxOnly, () => {
  const zone = keyZone('dkim.signet.test', {}, 0);
  // Well-formed DKIM tokens (32 of a-z, 2-7): only those are read on the miss path.
  const tokens = Array.from({ length: 40 }, (_, i) => `tokenabcdefghijklmnopqrstuvw${'abcdefghijklmnopqrstuvwxyz234567'[i % 32]}${'ab'[i >> 5]}22`);
  const rdata = new Map(tokens.map((t) => [t, txtRdata(dkimTxtRecordStrings(`KEY${t}`))]));
  const lookup: KeyLookup = (token) => (rdata.has(token) ? { token, publicKey: `KEY${token}` } : null);
  // Half the keys "in memory", the other half read on the miss path (as from the store).
  const inMemory = (t: string) => (tokens.indexOf(t) % 2 === 0 ? rdata.get(t) : undefined);
  let reads = 0;
  const read = (t: string): Promise<TxtRdata | null> => {
    reads++;
    return new Promise((resolve) => setTimeout(() => resolve(rdata.get(t) ?? null), 5));
  };

  async function answersOf(udpBatch: boolean, rrl?: { ratePerSecond: number; slip: number }): Promise<{ path: string; replies: Map<number, Buffer> }> {
    const server = await startDnsServer({
      host: '127.0.0.1',
      port: 0,
      zone,
      lookup,
      fast: fastAnswerer(zone, inMemory),
      fastMiss: fastMissAnswerer(zone, read),
      udpBatch,
      ...(rrl ? { rrl } : {}),
    });
    const c = await client();
    // With RRL, one question asked again and again (RRL counts answers per client and name).
    const names = rrl
      ? Array<string>(42).fill(`${tokens[0]}.dkim.signet.test`)
      : [...tokens, 'nosuchtokenaaaaaaaaaaaaaaaaaaaaa', 'not-a-token'].map((t) => `${t}.dkim.signet.test`);
    const replies = new Map<number, Buffer>();
    const done = new Promise<void>((resolve) => {
      c.on('message', (msg) => {
        replies.set(msg.readUInt16BE(0), msg);
        if (replies.size === names.length) resolve();
      });
    });
    names.forEach((name, id) =>
      c.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'TXT', name }] }), server.port, '127.0.0.1'),
    );
    if (rrl) await new Promise((resolve) => setTimeout(resolve, 300));
    else await done;
    c.close();
    await server.close();
    return { path: server.udpPath, replies };
  }

  it('gives the same bytes as dgram for keys in memory, keys read, NXDOMAIN and another label', async () => {
    reads = 0;
    const batch = await answersOf(true);
    // The odd keys and the absent one went the miss path.
    assert.equal(reads, tokens.length / 2 + 1);
    const dgram = await answersOf(false);
    assert.equal(batch.path, 'recvmmsg');
    assert.equal(dgram.path, 'dgram');
    assert.equal(batch.replies.size, tokens.length + 2);
    for (const [id, reply] of dgram.replies) assert.deepEqual(batch.replies.get(id), reply, `reply ${id}`);
    const decoded = dnsPacket.decode(batch.replies.get(1)!) as unknown as { answers: { data: Buffer[] }[] };
    assert.equal(Buffer.concat(decoded.answers[0]!.data).toString(), `v=DKIM1; k=rsa; p=KEY${tokens[1]}`);
    assert.equal((dnsPacket.decode(batch.replies.get(tokens.length)!) as { rcode?: string }).rcode, 'NXDOMAIN');
  });

  it('limits the rate of answers per client as dgram does (RRL: some dropped, some slipped as truncated)', async () => {
    const { replies } = await answersOf(true, { ratePerSecond: 5, slip: 2 });
    const truncated = [...replies.values()].filter((r) => (r[2]! & 0x02) !== 0).length;
    assert.ok(replies.size < tokens.length + 2, `${replies.size} replies`);
    assert.ok(truncated > 0, 'slipped replies are truncated');
  });
});

describe('the package', () => {
  it("carries the batch socket's sources and the script that builds them on install", () => {
    // What `npm install -g signet` unpacks: without these, an install from the package would serve
    // UDP through dgram with no build attempted (scripts/build-native.mjs runs as `install`).
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const files = new Set((JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
    for (const path of ['native/udp-batch/binding.gyp', 'native/udp-batch/udp_batch.c', 'native/udp-batch/index.cjs', 'scripts/build-native.mjs']) {
      assert.ok(files.has(path), `${path} is in the package`);
    }
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    assert.equal(manifest.scripts['install'], 'node scripts/build-native.mjs');
  });
});
