/**
 * The SMTP interface against SendRawEmail over HTTP, same server, same run: DKIM-signed (RSA-2048)
 * 4 KB messages per second into the outbox (SQLite, synchronous=FULL), 8 SMTP connections (implicit
 * TLS, authenticated once, one message after another) against 8 keep-alive HTTP clients (SigV4,
 * base64 form). Goal: SMTP at least 0.8x of HTTP. Then the time from the end of DATA (the final
 * `.`) to `250 Ok <id>`, at half the SMTP rate measured, paced over the 8 connections. Goal: p99 at
 * most 20 ms.
 *
 *   npm run build && node --import tsx bench/smtp-throughput.ts [--seconds 5] [--rounds 3] [--connections 8]
 *
 * The server runs in --dev (any credentials): authentication happens once per connection and is not
 * what is measured.
 */
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import { startSendingServer } from './sending-server.ts';
import { DEV_KEY, verifyDevDomain } from '../test/helpers/dev-domain.ts';
import { callSigned } from '../test/helpers/sign.ts';
import { authPlain, SmtpSession } from '../test/helpers/smtp-session.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median, percentile } from './stats.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' } } });
const seconds = Number(values.seconds ?? '5');
const rounds = Number(values.rounds ?? '3');
const connections = Number(values.connections ?? '8');
const DOMAIN = 'bench.example.test';
const FROM = `sender@${DOMAIN}`;

const data = tempDir('bench-smtp');
const server = await startSendingServer(data.path, [
  // The sessions wait through the HTTP rounds; SES's 10 s idle timeout would close them.
  '--smtp-idle-timeout',
  '10m',
]);
try {
  await verifyDevDomain(server.url, DOMAIN);

  const body = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n'.repeat(54);
  const raw = `From: Sender <${FROM}>\r\nTo: someone@example.net\r\nSubject: bench\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body}`;
  const sendBody = `Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${encodeURIComponent(Buffer.from(raw).toString('base64'))}`;

  const sessions: SmtpSession[] = [];
  for (let i = 0; i < connections; i++) {
    const { session } = await SmtpSession.open(server.smtp.tlsPort!, true);
    await session.command('EHLO bench.test');
    const auth = await session.command(authPlain('bench', 'bench'));
    if (!auth?.startsWith('235')) throw new Error(`auth: ${auth}`);
    sessions.push(session);
  }

  /** One message on a session; returns the time from the final `.` to the 250. */
  async function smtpSend(session: SmtpSession): Promise<number> {
    for (const [cmd, want] of [
      [`MAIL FROM:<${FROM}>`, '250'],
      ['RCPT TO:<someone@example.net>', '250'],
      ['DATA', '354'],
    ] as const) {
      const r = await session.command(cmd);
      if (!r?.startsWith(want)) throw new Error(`${cmd}: ${r}`);
    }
    session.write(`${raw}\r\n`);
    const t0 = performance.now();
    session.write('.\r\n');
    const r = await session.reply();
    const t = performance.now() - t0;
    if (!r?.startsWith('250 Ok ')) throw new Error(`DATA: ${r}`);
    return t;
  }

  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  async function httpSend(): Promise<void> {
    const r = await callSigned(server.url, sendBody, DEV_KEY, 'us-east-1', agent);
    if (r.status !== 200) throw new Error(`answered ${r.status}: ${r.body}`);
  }

  async function throughput(kind: 'smtp' | 'http'): Promise<number> {
    const end = performance.now() + seconds * 1000;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async (_, i) => {
        while (performance.now() < end) {
          if (kind === 'smtp') await smtpSend(sessions[i]!);
          else await httpSend();
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  }

  const smtp: number[] = [];
  const http: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order, so that neither side always runs on a warmer (or fuller) database.
    for (const kind of r % 2 === 0 ? (['smtp', 'http'] as const) : (['http', 'smtp'] as const)) {
      (kind === 'smtp' ? smtp : http).push(await throughput(kind));
    }
  }

  // End of DATA to 250 at half the SMTP rate: each connection sends on its own schedule. The same
  // schedule over HTTP (request to response of SendRawEmail) is the reference: on a loaded machine
  // both tails grow, and the comparison says which part is SMTP's.
  const rate = median(smtp) / 2;
  const interval = (connections / rate) * 1000;
  async function paced(send: (i: number) => Promise<number>): Promise<number[]> {
    const latencies: number[] = [];
    const end = performance.now() + seconds * 2 * 1000;
    await Promise.all(
      Array.from({ length: connections }, async (_, i) => {
        let next = performance.now() + (interval * i) / connections;
        while (next < end) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          latencies.push(await send(i));
          next += interval;
        }
      }),
    );
    return latencies;
  }
  const latencies = await paced((i) => smtpSend(sessions[i]!));
  const httpLatencies = await paced(async () => {
    const t0 = performance.now();
    await httpSend();
    return performance.now() - t0;
  });
  for (const s of sessions) {
    await s.command('QUIT');
    s.close();
  }
  agent.destroy();

  console.log(`signed ${raw.length}-byte messages, ${connections} connections, ${rounds} rounds of ${seconds}s, medians`);
  console.log(`SMTP (implicit TLS, 250 after storing): ${fmt(median(smtp), 0)} messages/s   rounds: ${smtp.map((x) => fmt(x, 0)).join(' ')}`);
  console.log(`SendRawEmail over HTTP (reference):     ${fmt(median(http), 0)} messages/s   rounds: ${http.map((x) => fmt(x, 0)).join(' ')}`);
  console.log(`ratio SMTP / HTTP:                      ${fmt(median(smtp) / median(http), 2)}   (goal >= 0.8)`);
  console.log(
    `end of DATA to 250 at ${fmt(rate, 0)} messages/s (${latencies.length} messages): p50 ${fmt(percentile(latencies, 50), 2)} ms, ` +
      `p99 ${fmt(percentile(latencies, 99), 2)} ms, max ${fmt(Math.max(...latencies), 2)} ms   (goal p99 <= 20 ms)`,
  );
  console.log(
    `SendRawEmail over HTTP, same schedule (reference): p50 ${fmt(percentile(httpLatencies, 50), 2)} ms, ` +
      `p99 ${fmt(percentile(httpLatencies, 99), 2)} ms, max ${fmt(Math.max(...httpLatencies), 2)} ms`,
  );
} finally {
  await server.stop();
  data.remove();
}
