import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { BodyBudget, clientKey, LINGER_MS, lingerBeforeClose, SMALL_BODY_BYTES } from './http-limits.ts';

/**
 * A server that answers every connection at once and closes it the way Node's HTTP server closes a
 * `Connection: close` response (destroySoon), lingering as the API's server does; the client sends a
 * body the server never reads. Resolves with what the client read before the connection ended, and
 * how long after the close began the server's socket was destroyed.
 */
async function answerAndClose(clientCloses: boolean): Promise<{ read: string; sawFin: boolean; closedAfterMs: number }> {
  let closed!: Promise<number>;
  const server = createServer((socket: Socket) => {
    socket.on('error', () => {});
    lingerBeforeClose(socket);
    socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    const began = performance.now();
    closed = once(socket, 'close').then(() => performance.now() - began);
    if (clientCloses) socket.resume();
    socket.destroySoon();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: !clientCloses });
    client.on('error', () => {});
    let read = '';
    let sawFin = false;
    client.setEncoding('latin1').on('data', (d: string) => (read += d));
    client.on('end', () => (sawFin = true));
    // 8 MB the server does not read: more than both sockets' buffers hold.
    client.write(Buffer.alloc(8 * 1024 * 1024, 0x61));
    // Not events.once: it rejects on the reset's 'error', which this client expects.
    await new Promise((resolve) => client.once('close', resolve));
    return { read, sawFin, closedAfterMs: await closed };
  } finally {
    server.close();
  }
}

describe('http limits', () => {
  it('keys clients by IPv4 address (mapped or not) and by IPv6 /64', () => {
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8:1:2::9'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:0db8:0001:0002:ffff::1'), '2001:db8:1:2::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
  });

  it('budgets bodies in flight per account and in total, and gives the bytes back once', () => {
    const budget = new BodyBudget({ maxBodyBytesInFlight: 100_000_000, maxBodyBytesInFlightPerAccount: 50_000_000 });
    const a1 = budget.reserve('a', 40_000_000);
    assert.equal(typeof a1, 'function');
    assert.equal(budget.reserve('a', 20_000_000), 'account', 'one account cannot take more than its share');
    const b1 = budget.reserve('b', 40_000_000);
    assert.equal(typeof b1, 'function');
    assert.equal(budget.reserve('c', 40_000_000), 'server', 'nor all of them more than the total');
    assert.equal(typeof budget.reserve('c', SMALL_BODY_BYTES), 'function', 'small bodies are never refused');
    (a1 as () => void)();
    (a1 as () => void)();
    assert.equal(budget.used, 40_000_000, 'released once');
    assert.equal(typeof budget.reserve('c', 40_000_000), 'function');
  });

  it('closes a connection in stages: the answer and a FIN, then the socket once the client closes (RFC 9112, 9.6)', async () => {
    const r = await answerAndClose(true);
    assert.match(r.read, /^HTTP\/1\.1 400 /);
    assert.equal(r.sawFin, true);
    assert.ok(r.closedAfterMs < LINGER_MS, `closed ${r.closedAfterMs} ms after the answer, with the client's close`);
  });

  it('gives a client that never closes LINGER_MS to read the answer, not a reset at once', async () => {
    const r = await answerAndClose(false);
    assert.match(r.read, /^HTTP\/1\.1 400 /);
    assert.equal(r.sawFin, true, 'the FIN came after the answer');
    // Node's own destroySoon would have destroyed the socket as soon as the FIN was written.
    assert.ok(r.closedAfterMs >= LINGER_MS - 50, `destroyed ${r.closedAfterMs} ms after the answer`);
  });
});
