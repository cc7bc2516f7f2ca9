/**
 * SendRawEmail end to end: SigV4-signed HTTP requests to `signet serve`, each message DKIM-signed
 * (RSA-2048) and written to the outbox (SQLite, synchronous=FULL). The reference measured in the same
 * run is GetSendQuota over the same connections (the HTTP + SigV4 + form path without sending).
 *
 *   npm run build && node --import tsx bench/send-raw-email-http.ts [--seconds 5] [--clients 8] [--rounds 2]
 *
 * The server runs in --dev, where any well-formed credentials are accepted: requests are signed by
 * the client as botocore signs them, but the server does not look the secret up.
 */
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import { callSigned } from '../test/helpers/sign.ts';
import { startSendingServer } from './sending-server.ts';
import { verifyDevDomain } from '../test/helpers/dev-domain.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, clients: { type: 'string' }, rounds: { type: 'string' } } });
const seconds = Number(values.seconds ?? '5');
const clients = Number(values.clients ?? '8');
const rounds = Number(values.rounds ?? '2');
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };
const DOMAIN = 'bench.example.test';

const data = tempDir('bench-send');
const server = await startSendingServer(data.path);
try {
  await verifyDevDomain(server.url, DOMAIN);

  const body = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n'.repeat(52);
  const raw = `From: Sender <sender@${DOMAIN}>\r\nTo: someone@example.net\r\nSubject: bench\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body}`;
  const sendBody = `Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${encodeURIComponent(Buffer.from(raw).toString('base64'))}`;
  const quotaBody = 'Action=GetSendQuota&Version=2010-12-01';
  const agent = new Agent({ keepAlive: true, maxSockets: clients });

  async function measure(form: string): Promise<number> {
    const end = performance.now() + seconds * 1000;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) {
          const r = await callSigned(server.url, form, KEY, 'us-east-1', agent);
          if (r.status !== 200) throw new Error(`answered ${r.status}: ${r.body}`);
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  }

  const send: number[] = [];
  const quota: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      send.push(await measure(sendBody));
      quota.push(await measure(quotaBody));
    } else {
      quota.push(await measure(quotaBody));
      send.push(await measure(sendBody));
    }
  }
  agent.destroy();
  console.log(`SendRawEmail of ${raw.length} bytes, ${clients} clients, ${rounds} rounds of ${seconds}s, medians`);
  console.log(`SendRawEmail (signed, into the outbox): ${fmt(median(send), 0)} messages/s   rounds: ${send.map((x) => fmt(x, 0)).join(' ')}`);
  console.log(`GetSendQuota (reference):               ${fmt(median(quota), 0)} calls/s      rounds: ${quota.map((x) => fmt(x, 0)).join(' ')}`);
  console.log(`ratio SendRawEmail / GetSendQuota:      ${fmt(median(send) / median(quota), 2)}`);
} finally {
  await server.stop();
  data.remove();
}
