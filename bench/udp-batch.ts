/**
 * The UDP path alone: one Node process answering every datagram with a fixed 400-byte tail (no DNS
 * lookup), on Node's dgram (as serve's fallback: replies queued to the end of the turn, with
 * --test-udp-no-try-send) against the batch socket (recvmmsg and sendmmsg, src/dns/batch-udp-socket.ts),
 * measured with dnsperf on loopback in the same run, rounds alternated.
 *
 *   node --import tsx bench/udp-batch.ts [--seconds 5] [--rounds 3] [--clients 2]
 *
 * Prints each side's median q/s and the batch socket's ratio to dgram. The key zone's figures at a
 * million domains are bench/scale.ts's (with SIGNET_UDP_BATCH=0 for dgram).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findProgram, freeDnsPort } from '../test/helpers/dns-peers.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { runDnsperf } from './dnsperf.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: '2' },
    // Internal: run as the responder child (dgram or batch) on this port.
    serve: { type: 'string' },
    port: { type: 'string' },
  },
});

/** The same reply on both paths: the query with QR set, and 400 bytes after it (about a DKIM key's TXT answer). */
function answer(message: Buffer): Buffer {
  const reply = Buffer.alloc(message.length + 400, 0x41);
  message.copy(reply);
  reply[2]! |= 0x80;
  return reply;
}

if (values.serve !== undefined) {
  const port = Number(values.port);
  if (values.serve === 'dgram') {
    const { createSocket } = await import('node:dgram');
    const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20, lookup: (a, _f, cb) => cb(null, a, 4) });
    let queued: Array<[Buffer, number, string]> = [];
    const flush = () => {
      const batch = queued;
      queued = [];
      for (const [reply, p, address] of batch) socket.send(reply, p, address);
    };
    socket.on('message', (message, rinfo) => {
      if (queued.length === 0) setImmediate(flush);
      queued.push([answer(message), rinfo.port, rinfo.address]);
    });
    socket.bind(port, '127.0.0.1', () => process.stdout.write('ready\n'));
  } else {
    const { BatchUdpSocket, udpBatchAddon, udpBatchLoadError } = await import('../src/dns/batch-udp-socket.ts');
    const addon = udpBatchAddon();
    if (addon === null) throw new Error(`the batch socket is not built: ${udpBatchLoadError()}`);
    const socket = BatchUdpSocket.open(addon, '127.0.0.1', port, 1 << 20);
    socket.onBatch((count) => {
      for (let i = 0; i < count; i++) {
        const message = socket.message(i);
        if (message !== null) socket.reply(answer(message), i);
      }
      socket.flush();
    });
    process.stdout.write('ready\n');
  }
} else {
  const dnsperf = findProgram('dnsperf');
  if (!dnsperf) {
    console.error('needs dnsperf (Debian package dnsperf)');
    process.exit(2);
  }
  const dir = tempDir('bench-udp-batch');
  const queries = join(dir.path, 'queries.txt');
  writeFileSync(queries, Array.from({ length: 2000 }, (_, i) => `t${i}.example.test TXT`).join('\n') + '\n');
  const rates: Record<'dgram' | 'batch', number[]> = { dgram: [], batch: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const side of ['dgram', 'batch'] as const) {
      const port = await freeDnsPort();
      const nodeFlags = side === 'dgram' ? ['--test-udp-no-try-send'] : [];
      const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', import.meta.filename, '--serve', side, '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`${side} responder exited (${code})`)));
      });
      rates[side].push(await runDnsperf(dnsperf, port, queries, values.seconds!, values.clients!, '500'));
      child.kill();
      console.log(`round ${round + 1} ${side}: ${fmt(rates[side].at(-1)!, 0)} q/s`);
    }
  }
  dir.remove();
  const dgram = median(rates.dgram);
  const batch = median(rates.batch);
  console.log(`dgram (send queue) ${fmt(dgram, 0)} q/s, batch socket ${fmt(batch, 0)} q/s: ${fmt(batch / dgram)}x`);
}
