import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import { dkimTokens } from './helpers/dns-peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * `--notify-delay` reaches the notifier of `signet serve`: with an hour between rounds, the NOTIFY at
 * start comes (RFC 1996 §3.1) and a change made after it waits; with the default (500 ms) the same
 * change would be notified within about half a second. The secondary here is a UDP socket that
 * acknowledges each NOTIFY (§4.7), so that no retry of the first one comes either.
 */
describe('--notify-delay', () => {
  const data = tempDir('notify-delay');
  let server: RunningSignet;
  let socket: Socket;
  const serials: number[] = [];

  before(async () => {
    socket = createSocket('udp4');
    socket.on('message', (message, rinfo) => {
      const soa = dnsPacket.decode(message).answers?.find((a) => a.type === 'SOA') as { data: { serial: number } } | undefined;
      if (soa) serials.push(soa.data.serial);
      const reply = Buffer.from(message.subarray(0, 12 + message.subarray(12).indexOf(0) + 5)); // header and question
      reply[2]! |= 0x80;
      reply.writeUInt16BE(0, 6);
      reply.writeUInt16BE(0, 8);
      reply.writeUInt16BE(0, 10);
      socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    server = await startSignet([
      '--data-dir',
      data.path,
      '--dev',
      '--no-throttle',
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--no-detection',
      '--notify',
      `127.0.0.1:${socket.address().port}`,
      '--notify-delay',
      '1h',
    ]);
  });
  after(async () => {
    await server?.stop();
    socket?.close();
    data.remove();
  });

  it('a change after the first round waits for the interval', async () => {
    const deadline = Date.now() + 10_000;
    while (serials.length === 0 && Date.now() < deadline) await sleep(20);
    assert.equal(serials.length, 1, 'the NOTIFY at start');
    await dkimTokens(server.url, 'delayed.example.test');
    await sleep(1500);
    // Serials, not NOTIFYs: the start's NOTIFY is sent again if its acknowledgement is read more than
    // a second late (a loaded machine), which is no NOTIFY of the change.
    assert.equal(new Set(serials).size, 1, `no NOTIFY of the change within 1.5 s (got serials ${serials.join(', ')})`);
  });
});
