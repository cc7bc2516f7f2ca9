import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setImmediate as yieldLoop, setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import { startDnsServer, type RunningDnsServer } from '../src/dns/authoritative-server.ts';
import { keyZone } from '../src/dns/key-zone.ts';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz234567';
const ZONE = 'dkim.signet.test';
const PACKETS = 100_000;

/** A deterministic generator (xorshift32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function validQuery(id: number, name = `${TOKEN}.${ZONE}`, type: dnsPacket.RecordType = 'TXT'): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    questions: [{ type, name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as unknown as dnsPacket.Answer],
  });
}

function mutate(base: Buffer, next: () => number): Buffer {
  const out = Buffer.from(base);
  const kind = Math.floor(next() * 5);
  if (kind === 0) {
    for (let i = 0; i < 1 + next() * 4; i++) out[Math.floor(next() * out.length)] = Math.floor(next() * 256);
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(next() * out.length));
  if (kind === 2) {
    // Section counts that lie (the classic decoder crash).
    out.writeUInt16BE(Math.floor(next() * 65536), 4 + 2 * Math.floor(next() * 4));
    return out;
  }
  if (kind === 3) {
    // A compression pointer somewhere, possibly looping onto itself.
    const at = 12 + Math.floor(next() * (out.length - 13));
    out[at] = 0xc0 | Math.floor(next() * 64);
    out[at + 1] = Math.floor(next() * 256);
    return out;
  }
  return Buffer.concat([out, Buffer.from(Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256)))]);
}

/**
 * One query, sent again every 2 s as a resolver would (up to 10 times): on a busy machine the server may
 * still be working through the flood, and the kernel drops datagrams that arrive while its receive
 * buffer is full. A server that stopped answering still fails the test, after 20 s.
 */
function ask(socket: Socket, port: number, id: number): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const send = () => {
      if (sent++ === 10) {
        clearInterval(timer);
        socket.off('message', onMessage);
        reject(new Error(`no answer to query ${id} in 20 s`));
        return;
      }
      socket.send(validQuery(id), port, '127.0.0.1');
    };
    const timer = setInterval(send, 2000);
    const onMessage = (msg: Buffer) => {
      const packet = dnsPacket.decode(msg);
      if (packet.id !== id) return;
      clearInterval(timer);
      socket.off('message', onMessage);
      resolve(packet);
    };
    socket.on('message', onMessage);
    send();
  });
}

describe('the DNS server under 100,000 random and mutated packets', () => {
  let server: RunningDnsServer;
  const errors: unknown[] = [];

  before(async () => {
    server = await startDnsServer({
      host: '127.0.0.1',
      port: 0,
      zone: keyZone(ZONE),
      lookup: (token) => (token === TOKEN ? { token, publicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' } : null),
      onError: (err) => errors.push(err),
    });
  });

  after(async () => {
    await server?.close();
  });

  it('keeps answering valid queries over UDP and TCP', async () => {
    const next = random(0x5157);
    const sender = createSocket('udp4');
    sender.on('message', () => {}); // replies to garbage are read and dropped
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    const seeds = [validQuery(1), validQuery(2, ZONE, 'SOA'), validQuery(3, 'example.com', 'A'), validQuery(4, `x.${ZONE}`, 'NS')];
    for (let i = 0; i < PACKETS; i++) {
      const packet =
        next() < 0.3 ? Buffer.from(Array.from({ length: Math.floor(next() * 600) }, () => Math.floor(next() * 256))) : mutate(seeds[i % seeds.length]!, next);
      sender.send(packet, server.port, '127.0.0.1');
      // Let the server drain its socket now and then, so that the kernel does not drop most of them.
      if (i % 200 === 199) await yieldLoop();
    }
    await sleep(200);

    // Garbage over TCP too: random frames, truncated frames, oversized length prefixes.
    for (let c = 0; c < 200; c++) {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      const bytes = Buffer.from(Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256)));
      socket.end(c % 2 === 0 ? bytes : Buffer.concat([Buffer.from([0, 40]), mutate(seeds[c % seeds.length]!, next)]));
    }
    await sleep(200);

    for (let id = 100; id < 110; id++) {
      const answer = await ask(sender, server.port, id);
      assert.equal((answer as dnsPacket.DecodedPacket & { rcode: string }).rcode, 'NOERROR');
      assert.equal(answer.answers?.[0]?.type, 'TXT');
    }
    sender.close();

    // The garbage connections above may still be open on a busy machine, and the server caps
    // connections per client address (closing a new one unanswered): a connection closed without an
    // answer is tried again, for up to 20 s, instead of waiting forever for data that never comes.
    const askTcp = () =>
      new Promise<Buffer | null>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1');
        const query = validQuery(7);
        const frame = Buffer.alloc(2 + query.length);
        frame.writeUInt16BE(query.length);
        query.copy(frame, 2);
        let got = Buffer.alloc(0);
        socket.setTimeout(5000, () => socket.destroy());
        socket.on('data', (d) => {
          got = Buffer.concat([got, d]);
          if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
            socket.destroy();
            resolve(got.subarray(2));
          }
        });
        socket.on('close', () => resolve(null));
        socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(null) : reject(err)));
        socket.write(frame);
      });
    let tcpAnswer: Buffer | null = null;
    for (const deadline = Date.now() + 20_000; tcpAnswer === null && Date.now() < deadline; ) {
      tcpAnswer = await askTcp();
      if (tcpAnswer === null) await sleep(250);
    }
    assert.ok(tcpAnswer !== null, 'a valid query over TCP is answered within 20 s of the garbage');
    assert.equal(dnsPacket.decode(tcpAnswer).answers?.[0]?.type, 'TXT');
    assert.deepEqual(errors, [], 'no socket errors');
  });
});
