import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { checkNow, dkimTokens, freeDnsPort, signetDnsPort, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { customerDnsPeers, customerDnsSignetArgs } from './helpers/customer-dns-e2e.ts';
import { callSigned } from './helpers/sign.ts';
import { REPO_ROOT, SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * Issue 6's optional second signature: with --platform-domain, --platform-selector and
 * --platform-key-file, every message also carries the operator's DKIM-Signature (as SES adds
 * d=amazonses.com), and both it and the customer's verify, each key found in DNS as a verifier finds
 * it: the customer's through its CNAME in NSD into Signet's key zone, the platform's as a TXT record
 * in the platform's own zone, served by the same NSD.
 */

const { nsdBin, dkimpy, skip } = customerDnsPeers('the customer and platform zones');

const ZONE = 'dkim.signet.test';
const DOMAIN = 'customer.example.test';
/** A customer that switches DKIM off: its mail leaves with the platform signature only. */
const DISABLED = 'unsigned.example.test';
const PLATFORM = 'signet-ops.example.test';
const SELECTOR = 'ops2026';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };

const b64 = (s: string) => Buffer.from(s).toString('base64');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The verifier's resolution on loopback: names in the key zone at Signet, everything else at NSD, CNAMEs followed. */
function chasingResolver(nsdPort: number, signetPort: number) {
  const customer = new dns.Resolver({ timeout: 1000, tries: 2 });
  customer.setServers([`127.0.0.1:${nsdPort}`]);
  const keyZone = new dns.Resolver({ timeout: 1000, tries: 2 });
  keyZone.setServers([`127.0.0.1:${signetPort}`]);
  const forName = (name: string) => (name.toLowerCase().endsWith(`.${ZONE}`) ? keyZone : customer);
  return async (name: string, type: string): Promise<string[][]> => {
    assert.equal(type, 'TXT');
    let target = name;
    for (let hops = 0; hops < 8; hops++) {
      try {
        [target] = (await forName(target).resolveCname(target)) as [string];
      } catch (err) {
        if ((err as { code?: string }).code !== dns.NODATA) throw err;
        return forName(target).resolveTxt(target);
      }
    }
    throw Object.assign(new Error('CNAME chain too long'), { code: 'ESERVFAIL' });
  };
}

/** The DKIM-Signature fields from the top, each with its d=, s= and h= tags. */
function signaturesOf(raw: Buffer): { d: string; s: string; h: string[] }[] {
  const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
  return [...head.matchAll(/^DKIM-Signature:((?:[^\r]|\r\n[ \t])*)/gim)].map((m) => {
    const value = m[1]!.replace(/\r\n/g, '').replace(/\s+/g, '');
    const tag = (name: string) => new RegExp(`(?:^|;)${name}=([^;]*)`).exec(value)?.[1] ?? '';
    return { d: tag('d'), s: tag('s'), h: tag('h').toLowerCase().split(':') };
  });
}

/** The operator's key pair, 1024 bits (size does not matter here), PKCS#1 PEM as `openssl genrsa` writes it. */
function platformKeyPair(): { pem: string; txt: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  // One TXT record of several strings (each at most 255 octets, RFC 1035 §3.3.14); verifiers join them.
  const p = publicKey.toString('base64');
  const strings = ['v=DKIM1; k=rsa; p=', ...(p.match(/.{1,200}/g) ?? [])].map((x) => `"${x}"`).join(' ');
  return { pem: privateKey, txt: `${SELECTOR}._domainkey IN TXT ( ${strings} )` };
}

describe('the platform signature: both signatures verify with mailauth and dkimpy', { skip }, () => {
  const data = tempDir('platform-sig');
  const nsdDir = tempDir('platform-sig-nsd');
  const keyDir = tempDir('platform-sig-key');
  const keyFile = join(keyDir.path, 'platform.pem');
  let server: RunningSignet;
  let nsd: RunningDnsPeer;
  let nsdPort: number;
  let resolver: ReturnType<typeof chasingResolver>;
  let signetPort: number;
  const tokens: Record<string, string[]> = {};

  // The verification mail is part of what is signed here: addresses are not verified at once.
  const baseArgs = () => [...customerDnsSignetArgs({ dataDir: data.path, zone: ZONE, nsdPort, keyBits: 1024, keyPoolSize: 6 })];
  const platformArgs = () => ['--platform-domain', PLATFORM, '--platform-selector', SELECTOR, '--platform-key-file', keyFile];
  const call = async (body: string) => callSigned(server.url, `${body}&Version=2010-12-01`, KEY);
  const sendRaw = async (from: string, subject: string): Promise<Buffer> => {
    const r = await call(
      `Action=SendRawEmail&RawMessage.Data=${encodeURIComponent(b64(`From: Sender <${from}>\r\nTo: r@example.net\r\nSubject: ${subject}\r\n\r\nHello.\r\n`))}`,
    );
    assert.equal(r.status, 200, r.body);
    return outboxRaw(/<MessageId>([^<]+)</.exec(r.body)![1]!);
  };
  const outboxRaw = async (messageId: string): Promise<Buffer> => {
    const r = await fetch(`${server.url}/_aws/ses?id=${encodeURIComponent(messageId)}`);
    const { messages } = (await r.json()) as { messages: { RawData?: string; Signet: { RawData?: string } }[] };
    assert.equal(messages.length, 1, `message ${messageId} in the outbox`);
    return Buffer.from(messages[0]!.RawData ?? messages[0]!.Signet.RawData!, 'utf8');
  };
  const startServer = async (withPlatform: boolean) => {
    server = await startSignet([...baseArgs(), ...(withPlatform ? platformArgs() : [])]);
    signetPort = signetDnsPort(server.output());
    resolver = chasingResolver(nsdPort, signetPort);
  };

  /** mailauth's verdict per signing domain. */
  async function mailauth(raw: Buffer): Promise<Record<string, string>> {
    const result = await dkimVerify(raw, { resolver });
    const out: Record<string, string> = {};
    for (const r of result.results as { status: { result: string }; signingDomain: string }[]) out[r.signingDomain] = r.status.result;
    return out;
  }

  /** dkimpy's verdict for every signature, from the top. */
  function dkimpyAll(raw: Buffer): { pass: boolean; domain: string; log: string }[] {
    const py = spawnSync(dkimpy!, [join(REPO_ROOT, 'test/helpers/dkimpy-verify-all.py'), String(nsdPort), String(signetPort), ZONE], {
      input: raw,
      encoding: 'utf8',
    });
    assert.equal(py.status, 0, py.stderr);
    return JSON.parse(py.stdout) as { pass: boolean; domain: string; log: string }[];
  }

  before(async () => {
    const key = platformKeyPair();
    writeFileSync(keyFile, key.pem, { mode: 0o600 });
    nsdPort = await freeDnsPort();
    await startServer(true);
    for (const d of [DOMAIN, DISABLED]) tokens[d] = await dkimTokens(server.url, d);
    nsd = await startNsd(nsdBin!, nsdDir.path, nsdPort, {
      ...Object.fromEntries(
        [DOMAIN, DISABLED].map((d) => [
          d,
          zoneFile(
            d,
            tokens[d]!.map((t) => `${t}._domainkey IN CNAME ${t}.${ZONE}.`),
          ),
        ]),
      ),
      [PLATFORM]: zoneFile(PLATFORM, [key.txt]),
    });
    for (const d of [DOMAIN, DISABLED]) {
      const body = await checkNow(server.url, d);
      assert.equal(body.dkimStatus, 'Success', `detection of ${d}: ${JSON.stringify(body)}`);
    }
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
    keyDir.remove();
  });

  it('SendRawEmail: the customer signature and the platform one on top, both pass', async () => {
    const raw = await sendRaw(`sender@${DOMAIN}`, 'two signatures');
    const sigs = signaturesOf(raw);
    assert.deepEqual(
      sigs.map((s) => [s.d, s.s === SELECTOR || tokens[DOMAIN]!.includes(s.s)]),
      [
        [PLATFORM, true],
        [DOMAIN, true],
      ],
      'platform on top, then the customer',
    );
    assert.equal(sigs[0]!.s, SELECTOR);
    for (const s of sigs) assert.ok(!s.h.includes('dkim-signature'), `${s.d} does not cover the other signature (RFC 6376 §5.4)`);
    assert.deepEqual(await mailauth(raw), { [PLATFORM]: 'pass', [DOMAIN]: 'pass' });
    const py = dkimpyAll(raw);
    assert.deepEqual(
      py.map((v) => [v.domain, v.pass]),
      [
        [PLATFORM, true],
        [DOMAIN, true],
      ],
      py.map((v) => v.log).join('\n'),
    );
  });

  it('SendEmail: both signatures pass', async () => {
    const r = await call(
      `Action=SendEmail&Source=${encodeURIComponent(`sender@${DOMAIN}`)}&Destination.ToAddresses.member.1=a%40example.net&Message.Subject.Data=${encodeURIComponent('Grüße')}&Message.Subject.Charset=UTF-8&Message.Body.Text.Data=hello&Message.Body.Html.Data=%3Cp%3Ehi%3C%2Fp%3E`,
    );
    assert.equal(r.status, 200, r.body);
    const raw = await outboxRaw(/<MessageId>([^<]+)</.exec(r.body)![1]!);
    assert.deepEqual(
      signaturesOf(raw).map((s) => s.d),
      [PLATFORM, DOMAIN],
    );
    assert.deepEqual(await mailauth(raw), { [PLATFORM]: 'pass', [DOMAIN]: 'pass' });
    assert.deepEqual(
      dkimpyAll(raw).map((v) => [v.domain, v.pass]),
      [
        [PLATFORM, true],
        [DOMAIN, true],
      ],
    );
  });

  it('the signatures are independent, and a changed message fails both (the verifiers can say fail)', async () => {
    const raw = (await sendRaw(`sender@${DOMAIN}`, 'independent')).toString('latin1');
    const fields = raw.split(/\r\n(?![ \t])/);
    const without = (d: string) =>
      Buffer.from(fields.filter((f) => !(/^DKIM-Signature:/i.test(f) && f.replace(/\s+/g, '').includes(`;d=${d};`))).join('\r\n'), 'latin1');
    assert.deepEqual(await mailauth(without(PLATFORM)), { [DOMAIN]: 'pass' }, 'the customer signature alone still passes');
    assert.deepEqual(await mailauth(without(DOMAIN)), { [PLATFORM]: 'pass' }, 'the platform signature alone still passes');
    const tampered = Buffer.from(raw.replace('Subject: independent', 'Subject: changed'), 'latin1');
    assert.deepEqual(await mailauth(tampered), { [PLATFORM]: 'fail', [DOMAIN]: 'fail' });
    assert.deepEqual(
      dkimpyAll(tampered).map((v) => v.pass),
      [false, false],
    );
  });

  it('DKIM disabled for the customer: only the platform signature, and it passes', async () => {
    assert.equal((await call(`Action=SetIdentityDkimEnabled&Identity=${DISABLED}&DkimEnabled=false`)).status, 200);
    const raw = await sendRaw(`x@${DISABLED}`, 'customer DKIM off');
    assert.deepEqual(
      signaturesOf(raw).map((s) => [s.d, s.s]),
      [[PLATFORM, SELECTOR]],
    );
    assert.deepEqual(await mailauth(raw), { [PLATFORM]: 'pass' });
    assert.deepEqual(
      dkimpyAll(raw).map((v) => [v.domain, v.pass]),
      [[PLATFORM, true]],
    );
    // Still said, as before: the message has no signature by its own domain.
    await new Promise((r) => setTimeout(r, 200));
    assert.match(server.output(), new RegExp(`DKIM signing is disabled for ${escapeRegExp(DISABLED)}`));
  });

  it("the verification mail (the operator's own) carries the platform signature only", async () => {
    const address = 'person@third.example';
    assert.equal((await call(`Action=VerifyEmailIdentity&EmailAddress=${encodeURIComponent(address)}`)).status, 200);
    const list = (await (await fetch(`${server.url}/_aws/ses`)).json()) as { messages: { Id: string; Destination?: { ToAddresses: string[] } }[] };
    const mail = list.messages.find((m) => m.Destination?.ToAddresses.includes(address));
    assert.ok(mail, 'the verification mail is in the outbox');
    const raw = await outboxRaw(mail.Id);
    assert.deepEqual(
      signaturesOf(raw).map((s) => s.d),
      [PLATFORM],
    );
    assert.deepEqual(await mailauth(raw), { [PLATFORM]: 'pass' });
  });

  it('the key is never logged', () => {
    const body = /-----BEGIN RSA PRIVATE KEY-----\n([A-Za-z0-9+/=]{64})/.exec(readFileSync(keyFile, 'utf8'))?.[1];
    assert.ok(body);
    assert.ok(!server.output().includes(body), 'no part of the PEM in the output');
    assert.match(
      server.output(),
      new RegExp(`"domain":"${escapeRegExp(PLATFORM)}","selector":"${SELECTOR}"[^\n]*platform DKIM signature added to every message`),
    );
  });

  it("without the flags: exactly one signature (the customer's), none when its DKIM is off", async () => {
    await server.stop();
    await startServer(false);
    const raw = await sendRaw(`sender@${DOMAIN}`, 'one signature');
    assert.deepEqual(
      signaturesOf(raw).map((s) => s.d),
      [DOMAIN],
    );
    assert.deepEqual(await mailauth(raw), { [DOMAIN]: 'pass' });
    assert.deepEqual(signaturesOf(await sendRaw(`x@${DISABLED}`, 'no signature at all')), []);
  });
});

describe('signet serve refuses a bad platform key with a clear message', () => {
  const dir = tempDir('platform-bad-key');
  after(() => dir.remove());

  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  /** Runs `signet serve` (built), which must exit at once: a server that started would hang until the timeout. */
  function serveWith(args: readonly string[]): { status: number | null; output: string } {
    const r = spawnSync(
      process.execPath,
      [SIGNET_BIN, 'serve', '--dev', '--data-dir', join(dir.path, 'data'), '--port', '0', '--dns-port', '0', '--no-detection', ...args],
      { encoding: 'utf8', timeout: 20000 },
    );
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }
  const flags = (keyFile: string) => ['--platform-domain', PLATFORM, '--platform-selector', SELECTOR, '--platform-key-file', keyFile];

  const small = generateKeyPairSync('rsa', {
    modulusLength: 512,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const rsa = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
  });
  const pemBody = (pem: string) => pem.split('\n')[1]!;

  const cases: [string, () => string[], RegExp, string?][] = [
    ['a missing file', () => flags(join(dir.path, 'absent.pem')), /--platform-key-file \S+absent\.pem cannot be read \(ENOENT\)/],
    [
      'a file that is no key',
      () => flags(file('junk.pem', 'SECRET-LOOKING-CONTENT-4711\n')),
      /is not an unencrypted PKCS#8 or PKCS#1 PEM private key/,
      'SECRET-LOOKING-CONTENT-4711',
    ],
    ['a public key', () => flags(file('public.pem', small.publicKey)), /is not an unencrypted PKCS#8 or PKCS#1 PEM private key/],
    ['an encrypted key', () => flags(file('encrypted.pem', rsa.privateKey)), /is not an unencrypted PKCS#8 or PKCS#1 PEM private key/, pemBody(rsa.privateKey)],
    ['an EC key', () => flags(file('ec.pem', ec.privateKey)), /holds a ec key; DKIM rsa-sha256 needs an RSA key/, pemBody(ec.privateKey)],
    [
      'a 512-bit RSA key',
      () => flags(file('small.pem', small.privateKey)),
      /holds a 512-bit RSA key; DKIM needs at least 1024 bits/,
      pemBody(small.privateKey),
    ],
    [
      'the domain without selector',
      () => ['--platform-domain', PLATFORM, '--platform-key-file', file('k.pem', small.privateKey)],
      /needs --platform-domain, --platform-selector and --platform-key-file together; missing --platform-selector/,
    ],
    [
      'a selector that is no DNS name',
      () => ['--platform-domain', PLATFORM, '--platform-selector', 'bad selector', '--platform-key-file', keyFileOk()],
      /--platform-selector must be a DNS name/,
    ],
  ];
  const keyFileOk = () =>
    file(
      'ok.pem',
      generateKeyPairSync('rsa', {
        modulusLength: 1024,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }).privateKey,
    );

  for (const [label, args, message, secret] of cases) {
    it(label, () => {
      const r = serveWith(args());
      assert.equal(r.status, 253, `exits with the configuration error code:\n${r.output}`);
      assert.match(r.output, message);
      if (secret) assert.ok(!r.output.includes(secret), 'the file content is not echoed');
    });
  }

  it('signet serve --help lists the flags', () => {
    const r = spawnSync(process.execPath, [SIGNET_BIN, 'serve', '--help'], { encoding: 'utf8' });
    assert.match(r.stdout, /--platform-domain DOMAIN --platform-selector SELECTOR --platform-key-file PEM/);
  });
});
