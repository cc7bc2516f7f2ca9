import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { smtpPasswordV4 } from '../src/smtp/smtp-password.ts';
import { findProgram, freeDnsPort, signetDnsPort, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { findDkimpy, verifyWithMailauthAndDkimpy } from './helpers/dkim-verify.ts';
import { peerOrSkip, runAsync } from './helpers/peers.ts';
import { callSigned } from './helpers/sign.ts';
import { outboxMessagesFromStore } from './helpers/outbox-store.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const nsdBin = findProgram('nsd');
const swaks = findProgram('swaks');
const dkimpy = findDkimpy();
const python = findProgram('python3');
const swaksTls = swaks !== null && (await runAsync('perl', ['-MNet::SSLeay', '-MIO::Socket::SSL', '-e', '1'], {})).status === 0;
const skip =
  peerOrSkip('nsd', nsdBin, 'Debian package nsd: serves the customer zone with the DKIM CNAMEs').skip ||
  peerOrSkip('dkimpy', dkimpy, 'Debian package python3-dkim (with python3-dnspython)').skip ||
  peerOrSkip('python3', python, 'smtplib is a client under test').skip ||
  peerOrSkip('swaks', swaks && swaksTls ? swaks : null, 'Debian packages swaks, libnet-ssleay-perl and libio-socket-ssl-perl (swaks --tls)').skip;

const ZONE = 'dkim.signet.test';
const DOMAIN = 'smtp.example.test';
const FROM = `sender@${DOMAIN}`;
const ID = /250 Ok (0100[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000)/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Real SMTP clients against `signet serve` with its own access keys (not --dev), each sending from a
 * domain whose CNAMEs detection found in NSD; every stored message verifies with mailauth and dkimpy.
 */
describe('SMTP interface: real clients, DKIM-verified', { skip }, () => {
  const data = tempDir('smtp-clients');
  const nsdDir = tempDir('smtp-clients-nsd');
  let server: RunningSignet;
  let nsd: RunningDnsPeer;
  let nsdPort: number;
  let tokens: string[];
  let user: string;
  let password: string;

  before(async () => {
    nsdPort = await freeDnsPort();
    server = await startSignet([
      '--data-dir',
      data.path,
      '--no-throttle',
      '--outbox-api',
      '--dkim-zone',
      ZONE,
      '--key-bits',
      '2048',
      '--key-pool-size',
      '3',
      '--resolver',
      `127.0.0.1:${nsdPort}`,
      '--resolver-timeout',
      '500ms',
      '--check-interval',
      '300ms',
      '--check-poll',
      '100ms',
      '--log-level',
      'warn',
      '--max-send-rate',
      '1000',
      '--max-24-hour-send=-1',
    ]);
    const key = server.credentials!;
    user = key.accessKeyId;
    password = smtpPasswordV4(key.secretAccessKey, 'us-east-1');
    const verify = await callSigned(server.url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${DOMAIN}`, key);
    tokens = [...verify.body.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]!);
    assert.equal(tokens.length, 3, verify.body);
    nsd = await startNsd(nsdBin!, nsdDir.path, nsdPort, {
      [DOMAIN]: zoneFile(
        DOMAIN,
        tokens.map((t) => `${t}._domainkey IN CNAME ${t}.${ZONE}.`),
      ),
    });
    // The detection worker finds the CNAMEs through NSD: DKIM Success, the domain verified.
    let status = '';
    for (let i = 0; i < 150 && status !== 'Success'; i++) {
      await sleep(200);
      const r = await callSigned(server.url, `Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=${DOMAIN}`, key);
      status = /<DkimVerificationStatus>(\w+)</.exec(r.body)?.[1] ?? '';
    }
    assert.equal(status, 'Success', 'detection found the CNAMEs');
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
  });

  async function verifyStored(messageId: string, label: string): Promise<void> {
    // From the store: outside dev mode the outbox API needs SigV4 (issue 14).
    const messages = outboxMessagesFromStore(data.path, messageId);
    assert.equal(messages.length, 1, `${label}: ${messageId} in the outbox once`);
    assert.equal(messages[0]!.signingDomain, DOMAIN);
    const raw = messages[0]!.raw;
    assert.match(raw.toString('latin1'), new RegExp(`\r\nMessage-ID: <${messageId}@`));
    await verifyWithMailauthAndDkimpy({
      raw,
      domain: DOMAIN,
      tokens,
      nsdPort,
      signetDnsPort: signetDnsPort(server.output()),
      zone: ZONE,
      dkimpy: dkimpy!,
      label,
    });
  }

  for (const mode of ['STARTTLS', 'implicit TLS'] as const) {
    it(`nodemailer SMTP transport, ${mode}`, async () => {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: mode === 'STARTTLS' ? server.smtp.starttlsPort! : server.smtp.tlsPort!,
        secure: mode === 'implicit TLS',
        requireTLS: mode === 'STARTTLS',
        auth: { user, pass: password },
        tls: { rejectUnauthorized: false },
      });
      const info = await transport.sendMail({
        from: `Sender <${FROM}>`,
        to: ['a@example.net', 'b@example.net'],
        subject: `Grüße over ${mode}`,
        text: 'Plain ✓ text\n.a line with a leading dot\n',
        html: '<p>HTML ✓</p>',
        attachments: [{ filename: 'data.bin', content: Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 256)) }],
      });
      transport.close();
      const id = ID.exec(info.response)?.[1];
      assert.ok(id, info.response);
      await verifyStored(id, `nodemailer ${mode}`);
    });
  }

  it('Python smtplib: starttls() then login()', async () => {
    const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.ehlo(); s.starttls(context=ctx); s.ehlo(); s.login(sys.argv[2], sys.argv[3])
msg = "From: ${FROM}\\r\\nTo: c@example.net\\r\\nSubject: from smtplib\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\nBody from Python \\u2713\\r\\n"
s.mail("${FROM}"); s.rcpt("c@example.net")
code, reply = s.data(msg.encode("utf-8"))
print(code, reply.decode())
s.quit()
`;
    const r = await runAsync(python!, ['-c', script, String(server.smtp.starttlsPort), user, password], {});
    assert.equal(r.status, 0, r.stderr);
    const id = ID.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    await verifyStored(id, 'smtplib');
  });

  for (const mech of ['LOGIN', 'PLAIN'] as const) {
    it(`swaks --tls --auth ${mech}`, async () => {
      const r = await runAsync(
        swaks!,
        [
          '--server',
          '127.0.0.1',
          '--port',
          String(server.smtp.starttlsPort),
          '--tls',
          '--auth',
          mech,
          '--auth-user',
          user,
          '--auth-password',
          password,
          '--from',
          FROM,
          '--to',
          'd@example.net',
          '--header',
          `Subject: swaks ${mech}`,
          '--body',
          `Sent by swaks with AUTH ${mech}.`,
        ],
        {},
      );
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /<~ {2}250-AUTH PLAIN LOGIN/);
      assert.match(r.stdout, new RegExp(` ~> AUTH ${mech}`), `swaks used AUTH ${mech}`);
      assert.match(r.stdout, /<~ {2}235 Authentication successful\./);
      const id = ID.exec(r.stdout)?.[1];
      assert.ok(id, r.stdout);
      await verifyStored(id, `swaks ${mech}`);
    });
  }
});
