import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { chasingResolver, checkNow, dkimTokens, freeDnsPort, signetDnsPort, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { findAwsCliV2, findPython, peerOrSkip, runAsync } from './helpers/peers.ts';
import { callSigned } from './helpers/sign.ts';
import { outboxRawMessage, verifyWithBoth } from './helpers/dkim-verify-both.ts';
import { customerDnsPeers, customerDnsSignetArgs } from './helpers/customer-dns-e2e.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const { nsdBin, dkimpy, skip: dnsSkip } = customerDnsPeers();
const aws = findAwsCliV2();
const boto3Python = findPython(['boto3']);
const skip =
  dnsSkip ||
  peerOrSkip('aws', aws, 'AWS CLI v2 (/usr/bin/aws) sends the messages').skip ||
  peerOrSkip('boto3', boto3Python, 'python3 with boto3 sends the messages').skip;

const ZONE = 'dkim.signet.test';
const DOMAIN = 'mail.example.test';
const OTHER = 'other.example.test';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };
const AWS_ENV = {
  AWS_ACCESS_KEY_ID: KEY.accessKeyId,
  AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

const CRLF = (lines: string[]) => lines.join('\r\n');
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

/** The raw messages of the definition of done, each a case the signer must get right. */
function cases(from: string): Record<string, string | Buffer> {
  const longLine = 'x'.repeat(990);
  return {
    '7-bit': CRLF([`From: Sender <${from}>`, 'To: rcpt@example.net', 'Subject: plain 7-bit', '', 'Hello, plain ASCII.', '']),
    '8-bit UTF-8': CRLF([
      `From: =?UTF-8?Q?J=C3=BCrgen?= <${from}>`,
      'To: rcpt@example.net',
      'Subject: =?UTF-8?B?w5xiZXIgZGllIEJyw7xja2U=?=',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Grüße aus Köln — 日本語のテキスト ✓',
      '',
    ]),
    'quoted-printable': CRLF([
      `From: ${from}`,
      'To: rcpt@example.net',
      'Subject: qp',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=C3=BC=C3=9Fe, a soft line break here =',
      'and a trailing space=20',
      '',
    ]),
    'long lines': CRLF([`From: ${from}`, 'To: rcpt@example.net', 'Subject: long lines', '', longLine, longLine, 'end', '', '', '']),
    'multipart with attachment': CRLF([
      `From: ${from}`,
      'To: rcpt@example.net',
      'Subject: attachment',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="BOUNDARY"',
      '',
      '--BOUNDARY',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'See the attachment.',
      '--BOUNDARY',
      'Content-Type: application/octet-stream; name="data.bin"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="data.bin"',
      '',
      ...(Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256))
        .toString('base64')
        .match(/.{1,76}/g) ?? []),
      '--BOUNDARY--',
      '',
    ]),
    'folded headers': CRLF([
      `From: "A very long display name that goes on"\r\n <${from}>`,
      'To: first@example.net,\r\n\tsecond@example.net,\r\n   third@example.net',
      'Subject: a subject folded\r\n over two lines\twith\t tabs  ',
      'X-Custom:   spaced    value   ',
      '',
      'Body.',
      '',
    ]),
    'already DKIM-signed': CRLF([
      'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=forwarder.example; s=sel;',
      '\th=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;',
      '\tb=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      `From: ${from}`,
      'To: rcpt@example.net',
      'Subject: already signed once',
      '',
      'Forwarded.',
      '',
    ]),
    'bare LF line ends': [`From: ${from}`, 'To: rcpt@example.net', 'Subject: unix line ends', '', 'one', 'two', ''].join('\n'),
  };
}

describe('sent mail verifies with mailauth and dkimpy through the customer CNAME', { skip }, () => {
  const data = tempDir('send-verify');
  const nsdDir = tempDir('send-verify-nsd');
  let server: RunningSignet;
  let nsd: RunningDnsPeer;
  let nsdPort: number;
  let signetPort: number;
  const tokens: Record<string, string[]> = {};
  let resolver: ReturnType<typeof chasingResolver>;

  const call = async (body: string) => callSigned(server.url, `${body}&Version=2010-12-01`, KEY);
  const outboxRaw = (messageId: string) => outboxRawMessage(server.url, messageId);
  const messageIdOf = (xml: string) => /<MessageId>([^<]+)<\/MessageId>/.exec(xml)?.[1] ?? assert.fail(`no MessageId in ${xml}`);

  const verifyBoth = (raw: Buffer, domain: string, label: string) =>
    verifyWithBoth({ resolver, dkimpy: dkimpy!, nsdPort, signetPort, zone: ZONE }, raw, domain, tokens[domain]!, label);

  before(async () => {
    nsdPort = await freeDnsPort();
    server = await startSignet(customerDnsSignetArgs({ dataDir: data.path, zone: ZONE, nsdPort, keyPoolSize: 6 }));
    signetPort = signetDnsPort(server.output());
    for (const d of [DOMAIN, OTHER]) tokens[d] = await dkimTokens(server.url, d);
    nsd = await startNsd(
      nsdBin!,
      nsdDir.path,
      nsdPort,
      Object.fromEntries(
        [DOMAIN, OTHER].map((d) => [
          d,
          zoneFile(
            d,
            tokens[d]!.map((t) => `${t}._domainkey IN CNAME ${t}.${ZONE}.`),
          ),
        ]),
      ),
    );
    // Detection asks NSD (the customer's DNS) and finds the three CNAMEs: DKIM Success, domain verified.
    for (const d of [DOMAIN, OTHER]) {
      const body = await checkNow(server.url, d);
      assert.equal(body.dkimStatus, 'Success', `detection of ${d}: ${JSON.stringify(body)}`);
    }
    resolver = chasingResolver(nsdPort, signetPort, ZONE);
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
  });

  for (const [label, message] of Object.entries(cases(`sender@${DOMAIN}`))) {
    it(`send-raw-email (AWS CLI v2): ${label}`, async () => {
      const r = await runAsync(
        aws!,
        ['ses', 'send-raw-email', '--endpoint-url', server.url, '--output', 'json', '--raw-message', `Data=${b64(message)}`],
        AWS_ENV,
      );
      assert.equal(r.status, 0, r.stderr);
      const { MessageId } = JSON.parse(r.stdout) as { MessageId: string };
      assert.match(MessageId, /^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$/);
      const raw = await outboxRaw(MessageId);
      assert.match(raw.toString('latin1'), /^DKIM-Signature: v=1; a=rsa-sha256; q=dns\/txt; c=relaxed\/simple;/);
      assert.match(raw.toString('latin1'), new RegExp(`\r\nMessage-ID: <${MessageId}@`));
      await verifyBoth(raw, DOMAIN, label);
    });
  }

  it('send-email with the CLI shortcuts (text and html, UTF-8 subject)', async () => {
    const r = await runAsync(
      aws!,
      [
        'ses',
        'send-email',
        '--endpoint-url',
        server.url,
        '--output',
        'json',
        '--from',
        `Sender <sender@${DOMAIN}>`,
        '--to',
        'a@example.net',
        'b@example.net',
        '--cc',
        'c@example.net',
        '--bcc',
        'hidden@example.net',
        '--subject',
        'Grüße — subject',
        '--text',
        'Plain ✓ text',
        '--html',
        '<p>HTML ✓</p>',
      ],
      AWS_ENV,
    );
    assert.equal(r.status, 0, r.stderr);
    const { MessageId } = JSON.parse(r.stdout) as { MessageId: string };
    const raw = await outboxRaw(MessageId);
    assert.doesNotMatch(raw.toString('latin1'), /hidden@example\.net/, 'Bcc never appears in the message');
    await verifyBoth(raw, DOMAIN, 'send-email');
  });

  it('boto3 send_email and send_raw_email', async () => {
    const script = `
import boto3, json, sys
c = boto3.client("ses", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="${KEY.accessKeyId}", aws_secret_access_key="${KEY.secretAccessKey}")
a = c.send_email(Source="sender@${DOMAIN}", Destination={"ToAddresses": ["x@example.net"]}, Message={"Subject": {"Data": "Ünïcödé", "Charset": "UTF-8"}, "Body": {"Text": {"Data": "naïve café " * 200, "Charset": "UTF-8"}}})
b = c.send_raw_email(RawMessage={"Data": b"From: sender@${DOMAIN}\\r\\nTo: y@example.net\\r\\nSubject: raw from boto3\\r\\n\\r\\nbody\\r\\n"})
print(json.dumps([a["MessageId"], b["MessageId"]]))
`;
    const r = spawnSync(boto3Python!, ['-c', script, server.url], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const id of JSON.parse(r.stdout) as string[]) await verifyBoth(await outboxRaw(id), DOMAIN, `boto3 ${id}`);
  });

  it('each domain signs with its own key only', async () => {
    const a = messageIdOf(
      (await call(`Action=SendRawEmail&RawMessage.Data=${encodeURIComponent(b64(`From: x@${OTHER}\r\nTo: r@example.net\r\nSubject: other\r\n\r\nbody\r\n`))}`))
        .body,
    );
    const raw = await outboxRaw(a);
    assert.match(raw.toString('latin1'), new RegExp(`d=${OTHER.replace(/\./g, '\\.')};`));
    await verifyBoth(raw, OTHER, 'other domain');
    // Every signature in the outbox names its From domain and one of that domain's own tokens.
    const all = (await (await fetch(`${server.url}/_aws/ses`)).json()) as {
      messages: { Signet: { SigningDomain: string | null; Selector: string | null; RawData?: string }; RawData?: string }[];
    };
    for (const m of all.messages) {
      if (m.Signet.SigningDomain === null) continue;
      const text = m.RawData ?? m.Signet.RawData!;
      const fromField = /\r\nFrom:((?:[^\r]|\r\n[ \t])*)/i.exec(text)?.[1] ?? '';
      const from = /@([a-z0-9.-]+)>?\s*$/i.exec(fromField)?.[1]?.toLowerCase();
      assert.equal(m.Signet.SigningDomain, from);
      assert.ok(tokens[from!]!.includes(m.Signet.Selector!));
    }
  });

  it('rejects a message from an unverified domain with SES error', async () => {
    const r = await call(
      `Action=SendEmail&Source=${encodeURIComponent('someone@unverified.example')}&Destination.ToAddresses.member.1=r%40example.net&Message.Subject.Data=x&Message.Body.Text.Data=y`,
    );
    assert.equal(r.status, 400);
    assert.equal(r.code, 'MessageRejected');
    assert.match(r.body, /Email address is not verified\. The following identities failed the check in region US-EAST-1: someone@unverified\.example/);
  });

  it('with DKIM disabled the message goes out unsigned and the log says so', async () => {
    assert.equal((await call(`Action=SetIdentityDkimEnabled&Identity=${OTHER}&DkimEnabled=false`)).status, 200);
    const id = messageIdOf(
      (await call(`Action=SendRawEmail&RawMessage.Data=${encodeURIComponent(b64(`From: x@${OTHER}\r\nTo: r@example.net\r\nSubject: off\r\n\r\nbody\r\n`))}`))
        .body,
    );
    const raw = await outboxRaw(id);
    assert.doesNotMatch(raw.toString('latin1'), /DKIM-Signature/i);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(server.output(), new RegExp(`"messageId":"${id}"[^\n]*DKIM signing is disabled for ${OTHER.replace(/\./g, '\\.')}`));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /signet_messages_unsigned_total\{reason="disabled"\} [1-9]/);
    await call(`Action=SetIdentityDkimEnabled&Identity=${OTHER}&DkimEnabled=true`);
  });

  it('an address verified by its link sends unsigned: no other domain key is used', async () => {
    const address = 'person@third.example';
    assert.equal((await call(`Action=VerifyEmailIdentity&EmailAddress=${encodeURIComponent(address)}`)).status, 200);
    const list = (await (await fetch(`${server.url}/_aws/ses`)).json()) as {
      messages: { Destination?: { ToAddresses: string[] }; Body?: { text_part: string } }[];
    };
    const mail = list.messages.find((m) => m.Destination?.ToAddresses.includes(address));
    const link = /(http:\/\/\S+\/_signet\/verify-email\?token=[A-Za-z0-9_-]+)/.exec(mail?.Body?.text_part ?? '')?.[1];
    assert.ok(link, 'the verification mail carries the link');
    const before = await call(
      `Action=SendRawEmail&RawMessage.Data=${encodeURIComponent(b64(`From: ${address}\r\nTo: r@example.net\r\nSubject: s\r\n\r\nb\r\n`))}`,
    );
    assert.equal(before.code, 'MessageRejected', 'not verified before the link is followed');
    const page = await fetch(link);
    assert.equal(page.status, 200, await page.text());
    const attrs = await call(`Action=GetIdentityVerificationAttributes&Identities.member.1=${encodeURIComponent(address)}`);
    assert.match(attrs.body, /<VerificationStatus>Success<\/VerificationStatus>/);
    const id = messageIdOf(
      (await call(`Action=SendRawEmail&RawMessage.Data=${encodeURIComponent(b64(`From: ${address}\r\nTo: r@example.net\r\nSubject: s\r\n\r\nb\r\n`))}`)).body,
    );
    assert.doesNotMatch((await outboxRaw(id)).toString('latin1'), /DKIM-Signature/i, "never signed with mail.example.test's or other.example.test's key");
  });
});
