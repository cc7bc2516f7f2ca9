/**
 * `signet serve` sends its UDP answers through libuv's send queue (src/main/udp-send-queue.ts):
 * Node's `--test-udp-no-try-send`, which the server adds to itself where Node can start a process
 * again in place (process.execve) and to its DNS workers. What must hold: every Node line Signet
 * supports takes the flag; under it, a burst of questions gets every answer, each to its question;
 * and SIGNET_UDP_SEND_QUEUE=0 leaves it out.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { dkimTokens, signetDnsPort } from './helpers/dns-peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { nodeAcceptsUdpSendQueue, UDP_SEND_QUEUE_ENV, UDP_SEND_QUEUE_FLAG } from '../src/main/udp-send-queue.ts';

const ZONE = 'dkim.signet.test';
const hasExecve = typeof (process as { execve?: unknown }).execve === 'function';
const flagsOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

type Answer = { readonly name: string; readonly rcode: string; readonly key: string };

/** A socket asking TXT questions, with the answers it got by id. */
async function asker(): Promise<{ ask(id: number, name: string, port: number): void; answers: Map<number, Answer>; close(): void }> {
  const socket = createSocket('udp4');
  const answers = new Map<number, Answer>();
  socket.on('message', (msg) => {
    const packet = dnsPacket.decode(msg) as unknown as {
      id: number;
      rcode: string;
      questions: { name: string }[];
      answers: { type: string; data: Buffer[] }[];
    };
    const txt = packet.answers.find((a) => a.type === 'TXT');
    answers.set(packet.id, { name: packet.questions[0]!.name, rcode: packet.rcode, key: txt ? Buffer.concat(txt.data).toString() : '' });
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    ask: (id, name, port) => socket.send(dnsPacket.encode({ type: 'query', id, questions: [{ type: 'TXT', name }] }), port, '127.0.0.1'),
    answers,
    close: () => socket.close(),
  };
}

/**
 * `count` TXT questions from two sockets in turn (ids 0..count-1: even ids from the first, odd from
 * the second; the names in turn), in waves of `wave` sent back to back, each wave's answers awaited
 * before the next; each socket's answers by id. A wave is what the server answers in one turn of its
 * event loop or a few, so its answers go out together through the send queue, to two clients. Waves,
 * not all at once: the answers come faster than this test's busy event loop reads them, and a burst
 * larger than a socket's receive buffer (net.core.rmem_default, 208 KiB here) is dropped by the
 * kernel (UdpRcvbufErrors), the server having sent it all.
 */
async function burst(port: number, names: readonly string[], count: number, wave = 50): Promise<Map<number, Answer>[]> {
  const sockets = [await asker(), await asker()];
  try {
    for (let first = 0; first < count; first += wave) {
      const last = Math.min(count, first + wave);
      for (let id = first; id < last; id++) sockets[id % 2]!.ask(id, names[id % names.length]!, port);
      const until = Date.now() + 5000;
      while (sockets[0]!.answers.size + sockets[1]!.answers.size < last) {
        if (Date.now() > until) throw new Error(`${sockets[0]!.answers.size + sockets[1]!.answers.size} of ${last} answers within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  } finally {
    for (const socket of sockets) socket.close();
  }
  return sockets.map((socket) => socket.answers);
}

describe('the UDP send queue', { timeout: 60_000 }, () => {
  const dirs: { remove(): void }[] = [];
  after(() => {
    for (const dir of dirs) dir.remove();
  });
  /** A server on a data folder of its own, stopped by `use` whatever happens in it. */
  const withServer = async (env: Record<string, string>, nodeArgs: readonly string[], use: (server: RunningSignet) => Promise<void>) => {
    const data = tempDir('udp-send-queue');
    dirs.push(data);
    const server = await startSignet(
      // Response-rate limiting off: 600 answers to one address are over its rate, which --dev turns off too.
      ['--data-dir', data.path, '--dev', '--dkim-zone', ZONE, '--key-bits', '1024', '--key-pool-size', '3', '--dns-rrl-rate', '0'],
      env,
      nodeArgs,
    );
    try {
      await use(server);
    } finally {
      await server.stop();
    }
  };

  // On purpose: a Node line that drops the flag turns CI red here, while serve itself starts without it.
  it('is taken by this Node (every line Signet supports has it)', () => {
    assert.equal(nodeAcceptsUdpSendQueue(), true, `node ${process.version} refused ${UDP_SEND_QUEUE_FLAG}`);
  });

  it('answers a burst of questions from two clients, every one, to its client and its question, from a server running with it', async () => {
    await withServer({}, [UDP_SEND_QUEUE_FLAG], async (server) => {
      assert.ok(flagsOf(server.process.pid!).includes(UDP_SEND_QUEUE_FLAG), flagsOf(server.process.pid!).join(' '));
      const tokens = await dkimTokens(server.url, 'burst.example.test');
      assert.equal(tokens.length, 3);
      const names = tokens.map((token) => `${token}.${ZONE}`);
      const bySocket = await burst(signetDnsPort(server.output()), names, 600);
      assert.deepEqual(
        bySocket.map((answers) => answers.size),
        [300, 300],
      );
      const keyOf = new Map<string, string>();
      bySocket.forEach((answers, socket) => {
        for (const [id, answer] of answers) {
          assert.equal(id % 2, socket, `answer ${id} came to the socket that asked it`);
          assert.equal(answer.name, names[id % names.length], `answer ${id} is to its own question`);
          assert.equal(answer.rcode, 'NOERROR');
          assert.match(answer.key, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$/);
          // The same name gets the same key in every answer, and each name its own.
          if (!keyOf.has(answer.name)) keyOf.set(answer.name, answer.key);
          assert.equal(answer.key, keyOf.get(answer.name));
        }
      });
      assert.equal(new Set(keyOf.values()).size, 3);
    });
  });

  it(`is added by serve itself where Node starts a process again in place, and left out with ${UDP_SEND_QUEUE_ENV}=0`, {
    skip: !hasExecve && `Node ${process.version} has no process.execve: serve runs with Node's defaults`,
  }, async () => {
    await withServer({}, [], async (on) => {
      assert.ok(flagsOf(on.process.pid!).includes(UDP_SEND_QUEUE_FLAG), flagsOf(on.process.pid!).join(' '));
    });
    await withServer({ [UDP_SEND_QUEUE_ENV]: '0' }, [], async (off) => {
      assert.ok(!flagsOf(off.process.pid!).includes(UDP_SEND_QUEUE_FLAG), flagsOf(off.process.pid!).join(' '));
    });
  });
});
