import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveTcpConnection, type TcpAnswer } from './tcp-connection.ts';
import { DEFAULT_TCP_LIMITS, type TcpLimits } from './tcp-connection-limits.ts';

const ANSWER_BYTES = 4096;

async function serve(answer: TcpAnswer, limits: Partial<TcpLimits>): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    serveTcpConnection(socket, answer, { ...DEFAULT_TCP_LIMITS, ...limits }, (err) => assert.fail(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

async function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return true;
  // Not events.once: it rejects on 'error', and a reset connection emits one before it closes.
  return Promise.race([new Promise<boolean>((resolve) => socket.once('close', () => resolve(true))), sleep(ms).then(() => false)]);
}

describe('serveTcpConnection', () => {
  it('answers pipelined messages in order', async () => {
    const { server, port } = await serve((m) => Buffer.from(`re:${m.toString()}`), {});
    const client = connect(port, '127.0.0.1');
    client.write(Buffer.concat(['a', 'bb', 'ccc'].map((t) => frame(Buffer.from(t)))));
    let got = Buffer.alloc(0);
    const answers: string[] = [];
    for await (const chunk of client) {
      got = Buffer.concat([got, chunk as Buffer]);
      while (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        answers.push(got.subarray(2, 2 + got.readUInt16BE(0)).toString());
        got = got.subarray(2 + got.readUInt16BE(0));
      }
      if (answers.length === 3) break;
    }
    assert.deepEqual(answers, ['re:a', 're:bb', 're:ccc']);
    client.destroy();
    server.close();
  });

  it('stops reading from a client that does not read its answers: the write buffer stays bounded', async () => {
    let answered = 0;
    const { server, port, sockets } = await serve(() => {
      answered++;
      return Buffer.alloc(ANSWER_BYTES);
    }, {});
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.on('error', () => {}); // the server's reset when the test closes a connection with answers unread
    client.pause(); // never reads
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => frame(Buffer.alloc(30))));
    let sent = 0;
    // Writes for at most 3 s, or until the client's own buffer stays full (the server stopped reading).
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      if (client.write(batch)) sent += 1000;
      else {
        sent += 1000;
        const drained = await Promise.race([once(client, 'drain').then(() => true), sleep(500).then(() => false)]);
        if (!drained) break;
      }
    }
    const served = sockets[0]!;
    // The bound: the socket's high-water mark, plus the answers of the messages then in flight.
    assert.ok(
      served.writableLength <= served.writableHighWaterMark + DEFAULT_TCP_LIMITS.maxInFlight * (ANSWER_BYTES + 2),
      `write buffer ${served.writableLength} bytes`,
    );
    assert.ok(answered < sent, `answered ${answered} of ${sent}: reading stopped`);
    client.destroy();
    assert.equal(await closedWithin(served, 5000), true, 'the server sees the client go');
    server.close();
  });

  it('closes a connection whose message trickles in longer than messageMs, even though bytes keep coming', async () => {
    const { server, port } = await serve(() => Buffer.from('x'), { messageMs: 300, idleMs: 5000 });
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.on('error', () => {});
    const trickle = setInterval(() => client.writable && client.write(Buffer.from([0])), 50);
    client.write(Buffer.from([0, 200])); // a 200-byte message, then one byte every 50 ms
    assert.equal(await closedWithin(client, 2000), true);
    clearInterval(trickle);
    server.close();
  });

  it('closes every connection lifetimeMs after it opened, busy or not', async () => {
    const { server, port } = await serve((m) => m, { lifetimeMs: 400 });
    const client = connect(port, '127.0.0.1');
    client.on('error', () => {}); // closed by the server while writing: a reset
    client.on('data', () => {});
    const busy = setInterval(() => client.write(frame(Buffer.from('ping'))), 20);
    assert.equal(await closedWithin(client, 2000), true);
    clearInterval(busy);
    server.close();
  });

  it('closes an idle connection after idleMs', async () => {
    const { server, port } = await serve((m) => m, { idleMs: 200 });
    const client = connect(port, '127.0.0.1');
    assert.equal(await closedWithin(client, 2000), true);
    server.close();
  });
});
