import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { outboxRawMessage, verifyWithBoth } from './helpers/dkim-verify-both.ts';
import nodemailer from 'nodemailer';
import { chasingResolver, checkNow, dkimTokens, freeDnsPort, sesCall, signetDnsPort, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { customerDnsPeers, customerDnsSignetArgs } from './helpers/customer-dns-e2e.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const { nsdBin, dkimpy, skip } = customerDnsPeers();

const ZONE = 'dkim.signet.test';
/** Made through v2 CreateEmailIdentity; its CNAMEs are published. */
const V2_DOMAIN = 'v2.example.test';
/** Made through v1 VerifyDomainDkim; its CNAMEs are published. */
const V1_DOMAIN = 'v1.example.test';
/** Made through v2, with no CNAMEs in its zone (HOST_NOT_FOUND). */
const BARE = 'bare.example.test';
/** Made through v2, with CNAMEs that point elsewhere (INVALID_VALUE). */
const WRONG = 'wrong.example.test';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };

/**
 * SES v2 and v1 on one store, through DKIM detection: tokens and statuses agree in both views
 * from Pending to Success, VerificationInfo reports the detection worker's verdicts, and messages
 * sent through v2 SendEmail (Simple from the SDK, Raw from nodemailer) verify as `pass` with
 * mailauth and dkimpy through the customer's CNAME (NSD) into Signet's DNS.
 */
describe('SES v2: one identity in two views, and v2-sent mail verifies through the customer CNAME', { skip }, () => {
  const data = tempDir('sesv2-verify');
  const nsdDir = tempDir('sesv2-verify-nsd');
  let server: RunningSignet;
  let nsd: RunningDnsPeer;
  let nsdPort: number;
  let signetPort: number;
  let client: SESv2Client;
  const tokens: Record<string, string[]> = {};
  let resolver: ReturnType<typeof chasingResolver>;

  const get = async (identity: string) => client.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
  const v1Dkim = async (identity: string) => {
    const xml = await sesCall(server.url, `Action=GetIdentityDkimAttributes&Identities.member.1=${encodeURIComponent(identity)}`);
    return {
      enabled: /<DkimEnabled>(true|false)<\/DkimEnabled>/.exec(xml)?.[1],
      status: /<DkimVerificationStatus>(\w+)<\/DkimVerificationStatus>/.exec(xml)?.[1],
      tokens: [...xml.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]!),
    };
  };
  const outboxRaw = (messageId: string) => outboxRawMessage(server.url, messageId);

  const verifyBoth = (raw: Buffer, domain: string, label: string) =>
    verifyWithBoth({ resolver, dkimpy: dkimpy!, nsdPort, signetPort, zone: ZONE }, raw, domain, tokens[domain]!, label);

  before(async () => {
    nsdPort = await freeDnsPort();
    server = await startSignet(customerDnsSignetArgs({ dataDir: data.path, zone: ZONE, nsdPort, keyPoolSize: 12, checkInterval: false, logLevel: 'warn' }));
    // No background detection: checks run when the test asks (/_signet/check), so Pending is stable.
    signetPort = signetDnsPort(server.output());
    client = new SESv2Client({ endpoint: server.url, region: 'us-east-1', credentials: KEY });
    for (const d of [V2_DOMAIN, BARE, WRONG]) {
      tokens[d] = (await client.send(new CreateEmailIdentityCommand({ EmailIdentity: d }))).DkimAttributes!.Tokens!;
    }
    tokens[V1_DOMAIN] = await dkimTokens(server.url, V1_DOMAIN);
    const cnames = (d: string, target = ZONE) => tokens[d]!.map((t) => `${t}._domainkey IN CNAME ${t}.${target}.`);
    nsd = await startNsd(nsdBin!, nsdDir.path, nsdPort, {
      [V2_DOMAIN]: zoneFile(V2_DOMAIN, cnames(V2_DOMAIN)),
      [V1_DOMAIN]: zoneFile(V1_DOMAIN, cnames(V1_DOMAIN)),
      [BARE]: zoneFile(BARE, []),
      [WRONG]: zoneFile(WRONG, cnames(WRONG, 'dkim.elsewhere.example')),
    });
    resolver = chasingResolver(nsdPort, signetPort, ZONE);
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
  });

  it('v2 Create then v1 views, and v1 VerifyDomainDkim then v2 Get, agree while Pending', async () => {
    const fromV1 = await v1Dkim(V2_DOMAIN);
    assert.deepEqual(fromV1, { enabled: 'true', status: 'Pending', tokens: tokens[V2_DOMAIN] });
    const list = await sesCall(server.url, 'Action=ListIdentities');
    for (const d of [V2_DOMAIN, V1_DOMAIN, BARE, WRONG]) assert.match(list, new RegExp(`<member>${d.replace(/\./g, '\\.')}</member>`));
    const fromV2 = await get(V1_DOMAIN);
    assert.deepEqual(fromV2.DkimAttributes?.Tokens, tokens[V1_DOMAIN]);
    assert.equal(fromV2.DkimAttributes?.Status, 'PENDING');
    assert.equal(fromV2.DkimAttributes?.SigningHostedZone, ZONE, 'the zone the CNAMEs point into');
    assert.equal(fromV2.VerificationStatus, 'PENDING');
    assert.deepEqual(fromV2.VerificationInfo, {}, 'no check has run yet');
  });

  it('after detection both views say Success, and VerificationInfo carries the verdicts as epoch seconds', async () => {
    const started = Math.floor(Date.now() / 1000) - 1;
    for (const d of [V2_DOMAIN, V1_DOMAIN, BARE, WRONG]) await checkNow(server.url, d);
    for (const d of [V2_DOMAIN, V1_DOMAIN]) {
      assert.deepEqual(await v1Dkim(d), { enabled: 'true', status: 'Success', tokens: tokens[d] });
      const v2 = await get(d);
      assert.equal(v2.DkimAttributes?.Status, 'SUCCESS');
      assert.equal(v2.VerificationStatus, 'SUCCESS');
      assert.equal(v2.VerifiedForSendingStatus, true);
      assert.ok(v2.VerificationInfo?.LastCheckedTimestamp instanceof Date, 'a timestamp the SDK parsed');
      assert.ok(v2.VerificationInfo!.LastCheckedTimestamp!.getTime() / 1000 >= started);
      assert.ok(v2.VerificationInfo?.LastSuccessTimestamp instanceof Date);
      assert.equal(v2.VerificationInfo?.ErrorType, undefined);
    }
    const bare = await get(BARE);
    assert.equal(bare.DkimAttributes?.Status, 'PENDING');
    assert.equal(bare.VerificationInfo?.ErrorType, 'HOST_NOT_FOUND');
    assert.equal(bare.VerificationInfo?.LastSuccessTimestamp, undefined);
    const wrong = await get(WRONG);
    assert.equal(wrong.VerificationInfo?.ErrorType, 'INVALID_VALUE');
    // An address under a verified domain may send, though it was never verified itself (SES).
    await client.send(new CreateEmailIdentityCommand({ EmailIdentity: `person@${V2_DOMAIN}` }));
    const person = await get(`person@${V2_DOMAIN}`);
    assert.equal(person.VerificationStatus, 'PENDING');
    assert.equal(person.VerifiedForSendingStatus, true);
  });

  it('SendEmail with Simple content (SDK) is signed by the domain and verifies', async () => {
    const out = await client.send(
      new SendEmailCommand({
        FromEmailAddress: `Sender <sender@${V2_DOMAIN}>`,
        Destination: { ToAddresses: ['a@example.net'], CcAddresses: ['c@example.net'], BccAddresses: ['hidden@example.net'] },
        ReplyToAddresses: ['reply@example.net'],
        EmailTags: [{ Name: 'campaign', Value: 'v2' }],
        ConfigurationSetName: 'transactional',
        Content: { Simple: { Subject: { Data: 'Grüße — v2', Charset: 'UTF-8' }, Body: { Text: { Data: 'Plain ✓' }, Html: { Data: '<p>HTML ✓</p>' } } } },
      }),
    );
    const raw = await outboxRaw(out.MessageId!);
    const text = raw.toString('latin1');
    assert.doesNotMatch(text, /hidden@example\.net/, 'Bcc never appears in the message');
    assert.match(text, /\r\nReply-To: reply@example\.net\r\n/i);
    await verifyBoth(raw, V2_DOMAIN, 'v2 Simple');
  });

  it('SendEmail with Raw content (nodemailer over SESv2Client) verifies, and v1-made domains sign too', async () => {
    const transport = nodemailer.createTransport({ SES: { sesClient: client, SendEmailCommand } } as never);
    for (const domain of [V2_DOMAIN, V1_DOMAIN]) {
      const info = await transport.sendMail({
        from: `sender@${domain}`,
        to: 'rcpt@example.net',
        subject: 'attachment from nodemailer',
        text: 'See the attachment.',
        attachments: [{ filename: 'data.bin', content: Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)) }],
      });
      const id = /0100[0-9a-f]{12}-[0-9a-f-]{36}-000000/.exec(String((info as { response?: string }).response ?? info.messageId))![0];
      await verifyBoth(await outboxRaw(id), domain, `nodemailer Raw from ${domain}`);
    }
  });
});
