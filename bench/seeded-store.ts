import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { postRaw, signForm, type AccessKey } from '../test/helpers/sign.ts';
import { domainOf, SCALE_ZONE } from './scale-seed.ts';

/** A SQLite store bench/scale.ts seeded (`--seed-only`), checked, with one of its tokens; exits with `usage` otherwise. */
export function seededSqliteStore(
  dataDir: string | undefined,
  usage: string,
): { readonly dataDir: string; readonly domains: number; readonly token: string; readonly key: AccessKey } {
  if (dataDir === undefined) {
    console.error(usage);
    process.exit(2);
  }
  const seeded = JSON.parse(readFileSync(join(dataDir, 'scale-seeded.json'), 'utf8')) as { domains: number; databaseUrl: string | null; key: AccessKey };
  if (seeded.databaseUrl !== null) {
    console.error(`a SQLite store, please: ${usage}`);
    process.exit(2);
  }
  const db = new BetterSqlite3(join(dataDir, 'signet.db'), { readonly: true });
  try {
    const token = (db.prepare('select "token" from "dkim_keys" limit 1').get() as { token: string }).token;
    return { dataDir, domains: seeded.domains, token, key: seeded.key };
  } finally {
    db.close();
  }
}

/** `signet serve` of `bin` on the store (the scale zone, no key pool, SMTP, throttle or RRL), once it listens. */
export async function serveOnStore(
  bin: string,
  dataDir: string,
  extraArgs: readonly string[],
): Promise<{ readonly url: string; readonly dnsPort: number; readonly pid: number; stop(): Promise<void> }> {
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
  return {
    url: /signet listening on (http:\/\/[^\s]+)/.exec(out)![1]!,
    dnsPort: Number(/signet dns listening on [^\s]+:(\d+)/.exec(out)![1]),
    pid: proc.pid!,
    stop,
  };
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

/**
 * GetIdentityDkimAttributes for a random seeded domain (`domainOf`), one request after another on
 * one keep-alive connection until stopped (as bench/scale.ts's API step sends them); each answer with
 * when it was sent and how long it took. Each request is signed before its clock starts. A request
 * that fails ends the asking, with its error kept in `failure`.
 */
export function askApiInTurn(
  url: string,
  key: AccessKey,
  domains: number,
): { readonly answers: ReadonlyArray<{ readonly sent: number; readonly ms: number }>; readonly failure: () => Error | null; stop(): Promise<void> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Array<{ sent: number; ms: number }> = [];
  let stopped = false;
  let failure: Error | null = null;
  const asking = (async () => {
    while (!stopped) {
      const body = `Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=${domainOf(Math.floor(Math.random() * domains))}`;
      const headers = await signForm(url, body, key);
      const sent = performance.now();
      const r = await postRaw(url, headers, body, agent);
      if (r.status !== 200 || !r.body.includes('<DkimTokens>')) throw new Error(`GetIdentityDkimAttributes: ${r.status} ${r.body.slice(0, 300)}`);
      answers.push({ sent, ms: performance.now() - sent });
    }
  })().catch((err: unknown) => {
    failure = err instanceof Error ? err : new Error(String(err));
  });
  return {
    answers,
    failure: () => failure,
    async stop() {
      stopped = true;
      await asking;
      agent.destroy();
    },
  };
}
