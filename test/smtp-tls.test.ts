import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { after, describe, it } from 'node:test';
import { selfSignedTls } from '../src/smtp/tls-material.ts';
import { DEV_KEY } from './helpers/dev-domain.ts';
import { callSigned } from './helpers/sign.ts';
import { startSignet } from './helpers/signet-server.ts';
import { authPlain, sendMessage, SmtpSession } from './helpers/smtp-session.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** The certificate an implicit-TLS listener presents, as a SHA-256 fingerprint. */
async function presented(port: number): Promise<string> {
  const socket: TLSSocket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const fingerprint = new X509Certificate(socket.getPeerX509Certificate()!.raw).fingerprint256;
  socket.destroy();
  return fingerprint;
}

/** Resolves once the port on loopback refuses a connection; fails after `ms`. */
async function refusesConnections(port: number, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!accepted) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`port ${port} still accepts connections ${ms} ms after SIGTERM`);
}

describe('SMTP interface: TLS material and shutdown', () => {
  const dir = tempDir('smtp-tls');
  after(() => dir.remove());

  it('makes a self-signed certificate once per data folder and prints its fingerprint', async () => {
    const dataDir = join(dir.path, 'self');
    const first = await startSignet(['--data-dir', dataDir, '--dev', '--key-pool-size', '0', '--log-level', 'warn']);
    const printed = /signet smtp certificate SHA-256 ([0-9A-F:]{95}) \(self-signed/.exec(first.output())?.[1];
    assert.ok(printed, first.output());
    assert.equal(await presented(first.smtp.tlsPort!), printed);
    assert.equal(await first.stop(), 0);
    const second = await startSignet(['--data-dir', dataDir, '--dev', '--key-pool-size', '0', '--log-level', 'warn']);
    assert.equal(await presented(second.smtp.tlsPort!), printed, 'the same certificate after a restart');
    assert.equal(await second.stop(), 0);
  });

  it('serves --tls-cert/--tls-key and reloads them on SIGHUP', async () => {
    const a = await selfSignedTls(join(dir.path, 'a'), 'a.example.test');
    const b = await selfSignedTls(join(dir.path, 'b'), 'b.example.test');
    const cert = join(dir.path, 'cert.pem');
    const key = join(dir.path, 'key.pem');
    copyFileSync(join(dir.path, 'a', 'smtp-tls', 'cert.pem'), cert);
    copyFileSync(join(dir.path, 'a', 'smtp-tls', 'key.pem'), key);
    const server = await startSignet([
      '--data-dir',
      join(dir.path, 'files'),
      '--dev',
      '--key-pool-size',
      '0',
      '--log-level',
      'info',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ]);
    try {
      assert.match(server.output(), new RegExp(`SHA-256 ${a.fingerprint} \\(files: `));
      assert.equal(await presented(server.smtp.tlsPort!), a.fingerprint);
      copyFileSync(join(dir.path, 'b', 'smtp-tls', 'cert.pem'), cert);
      copyFileSync(join(dir.path, 'b', 'smtp-tls', 'key.pem'), key);
      server.process.kill('SIGHUP');
      let now = '';
      for (let i = 0; i < 50 && now !== b.fingerprint; i++) {
        await new Promise((r) => setTimeout(r, 100));
        now = await presented(server.smtp.tlsPort!);
      }
      assert.equal(now, b.fingerprint, 'new connections get the reloaded certificate');
      // STARTTLS uses the same context.
      const { session } = await SmtpSession.open(server.smtp.starttlsPort!);
      await session.command('EHLO x');
      assert.equal(await session.startTls(), '220 Ready to start TLS');
      session.close();
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('on SIGTERM, a session under way gets 421 and the server exits 0 with what it acknowledged stored', async () => {
    const server = await startSignet([
      '--data-dir',
      join(dir.path, 'term'),
      '--dev',
      '--auto-verify',
      'none',
      '--key-pool-size',
      '0',
      '--log-level',
      'warn',
      '--outbox-api',
      '--max-send-rate',
      '100',
    ]);
    const { session } = await SmtpSession.open(server.smtp.tlsPort!, true);
    await session.command('EHLO x');
    assert.equal(await session.command(authPlain('a', 'b')), '235 Authentication successful.');
    // Dev mode: an address is verified by its link; the outbox shows the mail.
    await callSigned(server.url, 'Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=s%40term.example', DEV_KEY);
    const list = (await (await fetch(`${server.url}/_aws/ses`)).json()) as { messages: { Body?: { text_part: string } }[] };
    const link = list.messages.map((m) => /(http:\/\/\S+verify-email\?token=[A-Za-z0-9_-]+)/.exec(m.Body?.text_part ?? '')?.[1]).find(Boolean);
    assert.ok(link);
    await fetch(link);
    const reply = await sendMessage(session, 's@term.example', ['r@example.net'], 'From: s@term.example\r\nTo: r@example.net\r\nSubject: before\r\n\r\nb\r\n');
    const id = /^250 Ok (\S+)$/.exec(reply ?? '')?.[1];
    assert.ok(id, reply ?? 'closed');
    const stored = (await (await fetch(`${server.url}/_aws/ses?id=${id}`)).json()) as { messages: unknown[] };
    assert.equal(stored.messages.length, 1);
    server.process.kill('SIGTERM');
    // The drain has begun once the listener refuses connections (smtp-server stops listening and
    // marks its sessions closing in one call), rather than after a fixed wait. The probes are
    // clients that connect to the implicit-TLS port and leave before any handshake: one whose end
    // came as the listener closed crashed the server (SIGSEGV, see guardFreedTlsSockets), which the
    // exit code below would show.
    await refusesConnections(server.smtp.tlsPort!);
    const exited = new Promise<number | null>((r) => server.process.once('exit', (code) => r(code)));
    assert.equal(await session.command('MAIL FROM:<s@term.example>'), '421 Server shutting down');
    await session.ended;
    assert.equal(await exited, 0, 'a clean exit once the session is gone');
  });
});
