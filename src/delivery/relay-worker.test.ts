import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createTestApp, TEST_SCOPE, verifiedDomain, type TestApp } from '../../test/support/app-context.ts';
import { sendRawEmail } from '../app/send-email.ts';
import type { OutboxMessage } from '../app/send-ports.ts';
import type { RetryPolicy } from '../config/send-config.ts';
import { isPermanent, nextDelay, RelayWorker, type RelayTransport } from './relay-worker.ts';
import { createSmtpRelayTransport } from './smtp-transport.ts';

const RETRY: RetryPolicy = { baseMs: 60_000, maxDelayMs: 3_600_000, maxAttempts: 3 };

/** A relay transport (the adapter boundary) that records what it is given and fails as told. */
class FakeRelay implements RelayTransport {
  readonly sent: { from: string; to: readonly string[]; raw: Buffer }[] = [];
  failures: (Error & { responseCode?: number })[] = [];
  async send(envelope: { from: string; to: readonly string[] }, raw: Buffer): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ ...envelope, raw });
  }
  close(): void {}
}

const smtpError = (code: number, text: string) => Object.assign(new Error(`${code} ${text}`), { responseCode: code });

describe('the relay worker', () => {
  let app: TestApp;
  let relay: FakeRelay;
  let worker: RelayWorker;
  /** Resolves at the next outcome of a delivery attempt. */
  let outcome: Promise<'delivered' | 'retry' | 'failed'>;
  let settle: (o: 'delivered' | 'retry' | 'failed') => void;
  const expectOutcome = () => {
    // The worker's timer is unref'd (it must not keep a server alive): a ref'd guard keeps this
    // process running until the outcome, and bounds the wait.
    outcome = new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error('no delivery outcome within 10 s')), 10_000);
      settle = (o) => {
        clearTimeout(guard);
        resolve(o);
      };
    });
  };
  const send = (to = 'to@dest.example') =>
    sendRawEmail(app.ctx, TEST_SCOPE, {
      source: 'Sender <s@example.com>',
      destinations: undefined,
      raw: Buffer.from(`From: s@example.com\r\nTo: ${to}\r\nSubject: s\r\n\r\nbody\r\n`),
      tags: [],
    });

  beforeEach(async () => {
    app = await createTestApp({ send: { relay: true, maxSendRate: 100 } });
    await verifiedDomain(app, 'example.com');
    relay = new FakeRelay();
    expectOutcome();
    worker = new RelayWorker({
      outbox: app.outbox,
      verifications: app.verifications,
      transport: relay,
      clock: app.clock,
      retry: RETRY,
      leaseMs: 60_000,
      pollMs: 3_600_000, // never by timer here: the test wakes it
      batchSize: 20,
      retentionMs: 30 * 86_400_000,
      onDelivered: () => settle('delivered'),
      onAttemptFailed: (_m: OutboxMessage, _err: unknown, willRetry: boolean) => settle(willRetry ? 'retry' : 'failed'),
      onError: (err) => assert.fail(err as Error),
    });
    worker.start();
  });
  afterEach(async () => {
    settle('delivered'); // releases the guard of an outcome nobody awaited
    await worker.stop();
    await app.close();
  });

  it('delivers the stored bytes with the stored envelope, then marks the message delivered', async () => {
    const id = await send('a@dest.example, b@dest.example');
    worker.wake();
    assert.equal(await outcome, 'delivered');
    const kept = (await app.outbox.get(id))!;
    assert.deepEqual(
      relay.sent.map((s) => [s.from, s.to]),
      [['s@example.com', ['a@dest.example', 'b@dest.example']]],
    );
    assert.ok(relay.sent[0]!.raw.equals(kept.raw), 'exactly what was signed and kept');
    assert.equal(kept.delivery.status, 'delivered');
    assert.equal(kept.delivery.deliveredAt, app.clock.now());
  });

  it("never hands the mailbox simulator's addresses to the relay: their outcome is on the message", async () => {
    const id = await send('a@dest.example, bounce@simulator.amazonses.com');
    worker.wake();
    assert.equal(await outcome, 'delivered');
    assert.deepEqual(
      relay.sent.map((s) => s.to),
      [['a@dest.example']],
    );
    assert.deepEqual(
      (await app.outbox.get(id))!.simulated.map((s) => s.recipient),
      ['bounce@simulator.amazonses.com'],
    );
  });

  it('a 4xx reply is retried after the backoff on the service clock, not before', async () => {
    relay.failures.push(smtpError(451, 'try later'));
    const id = await send();
    worker.wake();
    assert.equal(await outcome, 'retry');
    const waiting = (await app.outbox.get(id))!.delivery;
    assert.equal(waiting.status, 'pending');
    assert.equal(waiting.attempts, 1);
    assert.match(waiting.lastError!, /451/);
    // The first retry comes 60 s (±20%) later.
    assert.ok(waiting.nextAttemptAt! >= app.clock.now() + 48_000 && waiting.nextAttemptAt! <= app.clock.now() + 72_000);
    expectOutcome();
    app.clock.set(waiting.nextAttemptAt! - 1);
    worker.wake();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(relay.sent.length, 0, 'not due yet');
    app.clock.set(waiting.nextAttemptAt!);
    worker.wake();
    assert.equal(await outcome, 'delivered');
    assert.equal((await app.outbox.get(id))!.delivery.status, 'delivered');
  });

  it('a 5xx reply is permanent: failed after one attempt', async () => {
    relay.failures.push(smtpError(550, 'no such user'));
    const id = await send();
    worker.wake();
    assert.equal(await outcome, 'failed');
    const d = (await app.outbox.get(id))!.delivery;
    assert.deepEqual([d.status, d.attempts, d.nextAttemptAt], ['failed', 1, null]);
  });

  it('gives up after maxAttempts temporary failures', async () => {
    relay.failures.push(smtpError(421, 'busy'), smtpError(421, 'busy'), smtpError(421, 'busy'));
    const id = await send();
    for (const expected of ['retry', 'retry', 'failed']) {
      worker.wake();
      assert.equal(await outcome, expected);
      expectOutcome();
      app.clock.advance(RETRY.maxDelayMs * 2);
    }
    assert.equal((await app.outbox.get(id))!.delivery.status, 'failed');
    assert.equal(relay.sent.length, 0);
  });
});

describe('retry policy', () => {
  it('doubles from the base, capped, with ±20% jitter', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => nextDelay(RETRY, n, () => 0.5)),
      [60_000, 120_000, 240_000, 480_000],
    );
    assert.equal(
      nextDelay(RETRY, 30, () => 0.5),
      RETRY.maxDelayMs,
    );
    assert.equal(
      nextDelay(RETRY, 1, () => 0),
      48_000,
    );
    assert.equal(
      nextDelay(RETRY, 1, () => 1),
      72_000,
    );
  });

  it('only 5xx SMTP replies are permanent (RFC 5321 §4.2.1)', () => {
    assert.equal(isPermanent(smtpError(550, 'x')), true);
    assert.equal(isPermanent(smtpError(451, 'x')), false);
    assert.equal(isPermanent(new Error('ECONNREFUSED')), false);
  });
});

describe('the SMTP transport (nodemailer) against a real smtp-server on loopback', () => {
  it('hands over the exact bytes and envelope; a 550 comes back as a permanent failure', async () => {
    const received: { from: string; to: string[]; data: Buffer }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('reject')) return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: (session.envelope.mailFrom as { address: string }).address,
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks),
          });
          callback();
        });
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    const port = (server.server.address() as { port: number }).port;
    const transport = createSmtpRelayTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      starttls: 'never',
      verifyCertificate: false,
      caFile: undefined,
      auth: null,
      timeoutMs: 5000,
    });
    try {
      // A signed-looking message with a long line and 8-bit bytes: nothing may be re-encoded or added.
      const raw = Buffer.concat([
        Buffer.from(`DKIM-Signature: v=1; d=example.com\r\nFrom: s@example.com\r\nTo: a@dest.example\r\nSubject: x\r\n\r\n${'y'.repeat(900)}\r\n`, 'latin1'),
        Buffer.from([0xe9, 0x0d, 0x0a]),
      ]);
      await transport.send({ from: 'bounce@example.com', to: ['a@dest.example', 'b@dest.example'] }, raw);
      assert.equal(received.length, 1);
      assert.equal(received[0]!.from, 'bounce@example.com');
      assert.deepEqual(received[0]!.to, ['a@dest.example', 'b@dest.example']);
      assert.ok(received[0]!.data.equals(raw), 'the relay received the bytes as kept');
      await assert.rejects(transport.send({ from: 'bounce@example.com', to: ['reject@dest.example'] }, raw), (err) => isPermanent(err));
    } finally {
      transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
