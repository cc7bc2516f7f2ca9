import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { dkimTxtRecordStrings } from '../core/index.ts';
import { fastAnswerer, fastMissAnswerer, txtRdata, type KeyLookup, type TxtRdata } from './answer-query.ts';
import { answerOnUdpSocket } from './authoritative-server.ts';
import { keyZone } from './key-zone.ts';

const zone = keyZone('dkim.signet.test', {}, 0);
const tokens = Array.from({ length: 50 }, (_, i) => `token${String(i).padStart(2, '0')}abcdefghijklmnopqrstuvw`);
const rdata = new Map(tokens.map((t) => [t, txtRdata(dkimTxtRecordStrings(`KEY${t}`))]));
const lookup: KeyLookup = (token) => (rdata.has(token) ? { token, publicKey: `KEY${token}` } : null);

async function boundSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function query(id: number, name: string): Buffer {
  return dnsPacket.encode({ type: 'query', id, questions: [{ type: 'TXT', name }] });
}

describe('answerOnUdpSocket', () => {
  it('answers a burst of queries, each with its own id and key (replies are sent at the end of the turn)', async () => {
    const server = await boundSocket();
    answerOnUdpSocket(server, { zone, lookup, fast: fastAnswerer(zone, (t) => rdata.get(t)) });
    const client = await boundSocket();
    const answers = new Map<number, string>();
    const all = new Promise<void>((resolve) =>
      client.on('message', (msg) => {
        const packet = dnsPacket.decode(msg) as unknown as { id: number; answers: { data: Buffer[] }[] };
        answers.set(packet.id, Buffer.concat(packet.answers[0]!.data).toString());
        if (answers.size === tokens.length) resolve();
      }),
    );
    tokens.forEach((t, i) => client.send(query(i, `${t}.dkim.signet.test`), server.address().port, '127.0.0.1'));
    await all;
    tokens.forEach((t, i) => assert.equal(answers.get(i), `v=DKIM1; k=rsa; p=KEY${t}`));
    client.close();
    server.close();
  });

  it('drops replies still queued when the socket closes, without an error', async () => {
    const server = await boundSocket();
    const errors: unknown[] = [];
    answerOnUdpSocket(server, { zone, lookup, fast: fastAnswerer(zone, (t) => rdata.get(t)), onError: (err) => errors.push(err) });
    // Closed in the same turn as the query arrives: after the answer was queued, before it is sent.
    server.on('message', () => server.close());
    const client = await boundSocket();
    client.send(query(1, `${tokens[0]}.dkim.signet.test`), server.address().port, '127.0.0.1');
    await once(server, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(errors, []);
    client.close();
  });

  it('drops a reply whose key was read after the socket closed (shutdown), without an error or an unhandled rejection', async () => {
    const server = await boundSocket();
    const errors: unknown[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    let answerRead!: (rdata: TxtRdata | null) => void;
    const read = new Promise<TxtRdata | null>((resolve) => (answerRead = resolve));
    answerOnUdpSocket(server, {
      zone,
      lookup,
      // Nothing in memory: every question goes to the miss path, whose read ends when the test says.
      fast: fastAnswerer(zone, () => undefined),
      fastMiss: fastMissAnswerer(zone, () => read),
      onError: (err) => errors.push(err),
    });
    const client = await boundSocket();
    const asked = once(server, 'message');
    client.send(query(1, `${tokens[0]}.dkim.signet.test`), server.address().port, '127.0.0.1');
    await asked;
    server.close();
    await once(server, 'close');
    answerRead(rdata.get(tokens[0]!)!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(errors, []);
    assert.deepEqual(unhandled, []);
    client.close();
  });
});
