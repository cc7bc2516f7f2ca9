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

/**
 * `count` TXT questions from one socket (ids 0..count-1, the names in turn), in waves of `wave` sent
 * back to back, each wave's answers awaited before the next; the answers by id. A wave is what the
 * server answers in one turn of its event loop or a few, so its answers go out together through the
 * send queue. Waves, not all at once: the answers come in faster than this test's busy event loop
 * reads them, and a burst larger than the socket's receive buffer (net.core.rmem_default, 208 KiB
 * here: about 170 answers of 2048-bit keys) is dropped by the kernel (UdpRcvbufErrors), the server
 * having sent them all.
 */
async function burst(port: number, names: readonly string[], count: number, wave = 50): Promise<Map<number, { name: string; rcode: string; key: string }>> {
  const socket = createSocket('udp4');
  const answers = new Map<number, { name: string; rcode: string; key: string }>();
  let waiting: { until: number; resolve: () => void } | null = null;
  socket.on('message', (msg) => {
    const packet = dnsPacket.decode(msg) as unknown as {
      id: number;
      rcode: string;
      questions: { name: string }[];
      answers: { type: string; data: Buffer[] }[];
    };
    const txt = packet.answers.find((a) => a.type === 'TXT');
    answers.set(packet.id, { name: packet.questions[0]!.name, rcode: packet.rcode, key: txt ? Buffer.concat(txt.data).toString() : '' });
    if (waiting !== null && answers.size >= waiting.until) waiting.resolve();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    for (let first = 0; first < count; first += wave) {
      const last = Math.min(count, first + wave);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${answers.size} of ${last} answers within 5 s`)), 5000);
        waiting = {
          until: last,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        for (let id = first; id < last; id++) {
          const query = dnsPacket.encode({ type: 'query', id, questions: [{ type: 'TXT', name: names[id % names.length]! }] });
          socket.send(query, port, '127.0.0.1');
        }
      });
    }
  } finally {
    socket.close();
  }
  return answers;
}

describe('the UDP send queue', { timeout: 60_000 }, () => {
  const data = tempDir('udp-send-queue');
  const servers: RunningSignet[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
    data.remove();
  });
  const serve = async (env: Record<string, string> = {}, nodeArgs: readonly string[] = []) => {
    const server = await startSignet(['--data-dir', data.path, '--dev', '--dkim-zone', ZONE, '--key-bits', '1024', '--key-pool-size', '3'], env, nodeArgs);
    servers.push(server);
    return server;
  };

  it('is taken by this Node (every line Signet supports has it; a Node that drops it fails here)', () => {
    assert.equal(nodeAcceptsUdpSendQueue(), true, `node ${process.version} refused ${UDP_SEND_QUEUE_FLAG}`);
  });

  it('answers a burst of questions, every one and each to its own question, from a server running with it', async () => {
    const server = await serve({}, [UDP_SEND_QUEUE_FLAG]);
    assert.ok(flagsOf(server.process.pid!).includes(UDP_SEND_QUEUE_FLAG), flagsOf(server.process.pid!).join(' '));
    const tokens = await dkimTokens(server.url, 'burst.example.test');
    assert.equal(tokens.length, 3);
    const names = tokens.map((token) => `${token}.${ZONE}`);
    const answers = await burst(signetDnsPort(server.output()), names, 600);
    assert.equal(answers.size, 600);
    const keyOf = new Map<string, string>();
    for (const [id, answer] of answers) {
      assert.equal(answer.name, names[id % names.length], `answer ${id} is to its own question`);
      assert.equal(answer.rcode, 'NOERROR');
      assert.match(answer.key, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$/);
      // The same name gets the same key in every answer, and each name its own.
      if (!keyOf.has(answer.name)) keyOf.set(answer.name, answer.key);
      assert.equal(answer.key, keyOf.get(answer.name));
    }
    assert.equal(new Set(keyOf.values()).size, 3);
    await server.stop();
  });

  it(`is added by serve itself where Node starts a process again in place, and left out with ${UDP_SEND_QUEUE_ENV}=0`, async (t) => {
    if (!hasExecve) {
      t.diagnostic(`not checked: Node ${process.version} has no process.execve, so serve runs with Node's defaults`);
      return;
    }
    const on = await serve();
    assert.ok(flagsOf(on.process.pid!).includes(UDP_SEND_QUEUE_FLAG), flagsOf(on.process.pid!).join(' '));
    await on.stop();
    const off = await serve({ [UDP_SEND_QUEUE_ENV]: '0' });
    assert.ok(!flagsOf(off.process.pid!).includes(UDP_SEND_QUEUE_FLAG), flagsOf(off.process.pid!).join(' '));
    await off.stop();
  });
});
