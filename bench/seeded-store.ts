import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { SCALE_ZONE } from './scale-seed.ts';

/** A SQLite store bench/scale.ts seeded (`--seed-only`), checked, with one of its tokens; exits with `usage` otherwise. */
export function seededSqliteStore(dataDir: string | undefined, usage: string): { readonly dataDir: string; readonly domains: number; readonly token: string } {
  if (dataDir === undefined) {
    console.error(usage);
    process.exit(2);
  }
  const seeded = JSON.parse(readFileSync(join(dataDir, 'scale-seeded.json'), 'utf8')) as { domains: number; databaseUrl: string | null };
  if (seeded.databaseUrl !== null) {
    console.error(`a SQLite store, please: ${usage}`);
    process.exit(2);
  }
  const db = new BetterSqlite3(join(dataDir, 'signet.db'), { readonly: true });
  try {
    const token = (db.prepare('select "token" from "dkim_keys" limit 1').get() as { token: string }).token;
    return { dataDir, domains: seeded.domains, token };
  } finally {
    db.close();
  }
}

/** `signet serve` of `bin` on the store (the scale zone, no key pool, SMTP, throttle or RRL), once it listens. */
export async function serveOnStore(
  bin: string,
  dataDir: string,
  extraArgs: readonly string[],
): Promise<{ readonly url: string; readonly dnsPort: number; stop(): Promise<void> }> {
  const args = [bin, 'serve', '--port', '0', '--dns-port', '0', '--dkim-zone', SCALE_ZONE, '--data-dir', dataDir];
  args.push('--key-pool-size', '0', '--no-smtp', '--no-throttle', '--dns-rrl-rate', '0', '--log-level', 'warn', ...extraArgs);
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const stop = async () => {
    proc.kill('SIGTERM');
    if (proc.exitCode === null) await once(proc, 'exit');
  };
  while (!/signet listening on/.test(out) || !/signet dns listening on/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`${bin} serve did not start:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url: /signet listening on (http:\/\/[^\s]+)/.exec(out)![1]!, dnsPort: Number(/signet dns listening on [^\s]+:(\d+)/.exec(out)![1]), stop };
}

/** One DNS question (TXT `name`) every 2 ms to 127.0.0.1:`port`; each answer with when it was asked and how long it took. */
export async function askEvery2ms(
  port: number,
  name: string,
): Promise<{ readonly answers: ReadonlyArray<{ readonly sent: number; readonly ms: number }>; readonly asked: readonly number[]; stop(): void }> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const sentAt = new Map<number, number>();
  const answers: Array<{ sent: number; ms: number }> = [];
  const asked: number[] = [];
  socket.on('message', (msg) => {
    const id = msg.readUInt16BE(0);
    const sent = sentAt.get(id);
    if (sent === undefined) return;
    sentAt.delete(id);
    answers.push({ sent, ms: performance.now() - sent });
  });
  let id = 0;
  const timer = setInterval(() => {
    id = (id + 1) & 0xffff;
    const now = performance.now();
    asked.push(now);
    sentAt.set(id, now);
    socket.send(dnsPacket.encode({ type: 'query', id, questions: [{ type: 'TXT', name }] }), port, '127.0.0.1');
  }, 2);
  return {
    answers,
    asked,
    stop() {
      clearInterval(timer);
      socket.close();
    },
  };
}
