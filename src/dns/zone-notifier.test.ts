import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import { keyZone } from './key-zone.ts';
import { signMessage, verifyRequest, type TsigKey } from './tsig.ts';
import { ZoneNotifier, type NotifyEvent } from './zone-notifier.ts';

const zone = keyZone('dkim.signet.test', {}, 0);
const KEY: TsigKey = { name: 'xfr', secret: Buffer.alloc(32, 9) };

/**
 * A secondary on a real loopback UDP socket: it records the serial of every NOTIFY it receives and
 * answers it (RFC 1996 §4.7: the same id, QR set), signed when the NOTIFY was.
 */
async function secondary(key?: TsigKey): Promise<{ socket: Socket; port: number; serials: number[]; next(serial: number): Promise<void> }> {
  const socket = createSocket('udp4');
  const serials: number[] = [];
  let waiting: { serial: number; resolve: () => void } | null = null;
  socket.on('message', (message, rinfo) => {
    const notify = dnsPacket.decode(message);
    const soa = notify.answers?.find((a) => a.type === 'SOA') as { data: { serial: number } } | undefined;
    serials.push(soa!.data.serial);
    let reply: Buffer = Buffer.from(message.subarray(0, 12 + message.subarray(12).indexOf(0) + 5)); // header and question
    reply[2]! |= 0x80;
    reply.writeUInt16BE(0, 6); // no answers, no TSIG: just the acknowledgement
    reply.writeUInt16BE(0, 8);
    reply.writeUInt16BE(0, 10);
    if (key) {
      const verdict = verifyRequest(message, [key], Math.floor(Date.now() / 1000));
      assert.equal(verdict.kind, 'ok', 'the NOTIFY is signed with the key');
      if (verdict.kind !== 'ok') return;
      reply = signMessage(reply, key, { now: Math.floor(Date.now() / 1000), requestMac: verdict.mac }).message;
    }
    socket.send(reply, rinfo.port, rinfo.address);
    if (waiting && soa!.data.serial >= waiting.serial) waiting.resolve();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    socket,
    port: socket.address().port,
    serials,
    // Until a NOTIFY of `serial` (or later) arrived; the test's timeout bounds the wait.
    next: (serial) =>
      serials.some((s) => s >= serial)
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiting = { serial, resolve };
          }),
  };
}

describe('ZoneNotifier: NOTIFY coalesced per zone with a least interval between rounds', () => {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  async function setup(minIntervalMs: number, key?: TsigKey) {
    const peer = await secondary(key);
    const events: NotifyEvent[] = [];
    const notifier = new ZoneNotifier({
      zone,
      targets: [{ host: '127.0.0.1', port: peer.port }],
      key,
      bindHost: '127.0.0.1',
      minIntervalMs,
      onEvent: (e) => events.push(e),
    });
    await notifier.start();
    open.push(notifier, { close: () => peer.socket.close() });
    return { peer, notifier, events };
  }

  it('changes during the interval after a round wait for its end and go out as one NOTIFY of the last serial; a change after it gets its own', async () => {
    const { peer, notifier, events } = await setup(1000, KEY);
    notifier.changed(1);
    await peer.next(1);
    // Ten changes, each well after the one before (more than the 10 ms that coalesce a lone change)
    // but all within the interval that follows the first round: they wait for its end.
    const last = 11;
    for (let serial = 2; serial <= last; serial++) {
      notifier.changed(serial);
      await sleep(20);
    }
    await peer.next(last);
    assert.ok(peer.serials.length < last, `${peer.serials.length} NOTIFYs for ${last} changes: ${peer.serials.join(', ')}`);
    assert.equal(peer.serials.at(-1), last, 'the round after the interval carries the last serial');
    // The end of a burst is never lost: a change after that round still gets its NOTIFY.
    notifier.changed(last + 1);
    await peer.next(last + 1);
    assert.equal(peer.serials.at(-1), last + 1);
    assert.deepEqual(
      peer.serials,
      [...new Set(peer.serials)].sort((a, b) => a - b),
      'each serial once, in order',
    );
    // The signed acknowledgement is accepted (else the NOTIFY would be retried).
    while (!events.some((e) => e.kind === 'acknowledged' && e.serial === last + 1)) await sleep(5);
  });

  it('changes spread over many turns of the event loop make fewer NOTIFYs than changes, the last one with the final serial', async () => {
    // A long interval: the changes below come within one, however slowly this machine runs them.
    const { peer, notifier } = await setup(1000);
    const changes = 50;
    for (let serial = 1; serial <= changes; serial++) {
      notifier.changed(serial);
      await nextTurn();
    }
    await peer.next(changes);
    assert.ok(peer.serials.length < changes, `${peer.serials.length} NOTIFYs for ${changes} changes`);
    assert.equal(peer.serials.at(-1), changes, 'the last NOTIFY carries the final serial');
    assert.deepEqual(
      peer.serials,
      [...peer.serials].sort((a, b) => a - b),
      'serials only grow',
    );
  });
});
