import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { callSigned } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const DOMAIN = 'relay.example.test';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: Buffer;
}

/** An smtp-server sink on a fixed loopback port that keeps every message it accepts, byte for byte. */
function startSink(port: number, received: Received[]): Promise<SMTPServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function stopSink(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('delivery to an SMTP relay', () => {
  const data = tempDir('relay');
  let sinkPort: number;
  let server: RunningSignet;
  const received: Received[] = [];
  let sink: SMTPServer | null = null;

  const args = () => [
    '--data-dir',
    data.path,
    '--no-throttle',
    '--dev',
    '--key-bits',
    '1024',
    '--key-pool-size',
    '3',
    '--log-level',
    'warn',
    '--max-send-rate',
    '1000',
    '--smtp-relay',
    `smtp://127.0.0.1:${sinkPort}`,
    '--smtp-relay-timeout',
    '2s',
    '--smtp-relay-retry-base',
    '200ms',
    '--smtp-relay-retry-max',
    '500ms',
    '--delivery-poll',
    '100ms',
  ];
  const send = async (n: string) => {
    const raw = `From: Sender <sender@${DOMAIN}>\r\nTo: rcpt-${n}@example.net\r\nSubject: relay ${n}\r\n\r\nBody ${n}.\r\n..a line starting with a dot\r\n`;
    const r = await callSigned(
      server.url,
      `Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${encodeURIComponent(Buffer.from(raw).toString('base64'))}`,
      KEY,
    );
    assert.equal(r.status, 200, r.body);
    return /<MessageId>([^<]+)</.exec(r.body)![1]!;
  };
  const eml = (id: string) => execFileSync(process.execPath, [SIGNET_BIN, 'outbox', 'eml', id, '--data-dir', data.path]);
  const delivery = async (id: string) => {
    const r = (await (await fetch(`${server.url}/_aws/ses?id=${id}`)).json()) as { messages: { Signet: { Delivery: { status: string; attempts: number } } }[] };
    return r.messages[0]!.Signet.Delivery;
  };

  before(async () => {
    sinkPort = await freePort();
    sink = await startSink(sinkPort, received);
    server = await startSignet(args());
    const post = (path: string) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain: DOMAIN }) });
    assert.equal((await callSigned(server.url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${DOMAIN}`, KEY)).status, 200);
    assert.equal((await post('/_signet/publish-dkim-records')).status, 200);
    const check = (await (await post('/_signet/check')).json()) as { dkimStatus: string };
    assert.equal(check.dkimStatus, 'Success');
  });

  after(async () => {
    await server?.stop();
    if (sink) await stopSink(sink);
    data.remove();
  });

  it('the sink receives the signed message byte for byte', async () => {
    const ids = [await send('a'), await send('b')];
    for (const id of ids) {
      const got = await until(`delivery of ${id}`, async () => received.find((m) => m.raw.includes(`@${id}`) || m.raw.toString('latin1').includes(id)));
      const kept = eml(id);
      assert.match(kept.toString('latin1'), /^DKIM-Signature: /);
      assert.ok(got.raw.equals(kept), `sink bytes equal the outbox bytes for ${id}`);
      assert.equal(got.from, `sender@${DOMAIN}`);
      assert.equal(await until('status delivered', async () => ((await delivery(id)).status === 'delivered' ? true : undefined)), true);
    }
  });

  it('with the sink down messages wait, and are delivered after it returns, across a restart', async () => {
    await stopSink(sink!);
    sink = null;
    const ids = [await send('c'), await send('d')];
    for (const id of ids) {
      await until(`a failed attempt for ${id}`, async () => {
        const d = await delivery(id);
        return d.status === 'pending' && d.attempts >= 1 ? true : undefined;
      });
    }
    // Signet stops with the messages still pending; the sink comes back while it is down.
    assert.equal(await server.stop(), 0);
    const before = received.length;
    sink = await startSink(sinkPort, received);
    await sleep(300);
    assert.equal(received.length, before, 'nothing is delivered while Signet is down');
    server = await startSignet(args());
    for (const id of ids) {
      const got = await until(`delivery of ${id} after the restart`, async () => received.find((m) => m.raw.toString('latin1').includes(id)));
      assert.ok(got.raw.equals(eml(id)), `byte-identical after the restart: ${id}`);
      assert.equal((await delivery(id)).status, 'delivered');
    }
  });
});
