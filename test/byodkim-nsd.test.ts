import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, PutEmailIdentityDkimSigningAttributesCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { dkimTxtRecordStrings, quoteCharacterStrings } from '../src/core/index.ts';
import { outboxRawMessage, verifyWithBoth } from './helpers/dkim-verify-both.ts';
import { chasingResolver, checkNow, dkimTokens, freeDnsPort, sesCall, signetDnsPort, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { customerDnsPeers, customerDnsSignetArgs, selectorOf } from './helpers/customer-dns-e2e.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const { nsdBin, dkimpy, skip } = customerDnsPeers();

const ZONE = 'dkim.signet.test';
const DOMAIN = 'byod.example.test';
const SELECTOR = 'byod2026';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };

function rsaKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    // SES's form: base64 DER without the PEM armour; PKCS#1 as `openssl genrsa` writes it.
    privateBase64: privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
    publicBase64: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/**
 * Issue 16 item 4 end to end: NSD is the customer's DNS; Easy DKIM is verified through its CNAMEs;
 * the customer switches to their own key (BYODKIM), publishes the wrong key first, then the right
 * one, then switches back. Every message sent along the way is signed and verifies `pass` with
 * mailauth and dkimpy; the external key signs only once its TXT is right.
 */
describe('BYODKIM: Pending -> Success through NSD, and no unsigned message while switching Easy -> BYODKIM -> Easy', { skip }, () => {
  const data = tempDir('byodkim');
  const nsdDir = tempDir('byodkim-nsd');
  let server: RunningSignet;
  let nsd: RunningDnsPeer;
  let nsdPort: number;
  let signetPort: number;
  let tokens: string[];
  let resolver: ReturnType<typeof chasingResolver>;
  let client: SESv2Client;
  const own = rsaKey();
  const other = rsaKey();
  const sent: { label: string; raw: Buffer; selector: string }[] = [];

  const verifyBoth = (raw: Buffer, label: string) =>
    verifyWithBoth({ resolver, dkimpy: dkimpy!, nsdPort, signetPort, zone: ZONE }, raw, DOMAIN, [...tokens, SELECTOR], label);
  const send = async (label: string, from = DOMAIN) => {
    const xml = await sesCall(
      server.url,
      `Action=SendEmail&Source=${encodeURIComponent(`sender@${from}`)}&Destination.ToAddresses.member.1=r%40example.net&Message.Subject.Data=${encodeURIComponent(label)}&Message.Body.Text.Data=${encodeURIComponent(`Hello (${label}).`)}`,
    );
    const id = /<MessageId>([^<]+)<\/MessageId>/.exec(xml)?.[1] ?? assert.fail(xml);
    const raw = await outboxRawMessage(server.url, id);
    const entry = { label, raw, selector: selectorOf(raw) };
    if (from !== DOMAIN) return entry;
    sent.push(entry);
    await verifyBoth(raw, label);
    return entry;
  };
  /** The customer's zone: the Easy DKIM CNAMEs always, and a TXT at the selector when given. */
  const serveCustomerZone = async (selectorKey: string | null, extra: Record<string, string> = {}) => {
    await nsd?.stop();
    const lines = tokens.map((t) => `${t}._domainkey IN CNAME ${t}.${ZONE}.`);
    if (selectorKey !== null) lines.push(`${SELECTOR}._domainkey IN TXT ${quoteCharacterStrings(dkimTxtRecordStrings(selectorKey))}`);
    nsd = await startNsd(nsdBin!, nsdDir.path, nsdPort, { [DOMAIN]: zoneFile(DOMAIN, lines), ...extra });
  };
  const doctor = async () =>
    (await (
      await fetch(`${server.url}/_signet/dkim-doctor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: DOMAIN }),
      })
    ).json()) as { healthy: boolean; external?: { verdict: string; status: string; chosen: string; signing: string | null; advice: string } };
  const check = async (domain = DOMAIN) => (await checkNow(server.url, domain)) as { dkimStatus?: string; external?: { status: string; verdict: string } };

  before(async () => {
    nsdPort = await freeDnsPort();
    server = await startSignet(customerDnsSignetArgs({ dataDir: data.path, zone: ZONE, nsdPort, keyPoolSize: 4 }));
    signetPort = signetDnsPort(server.output());
    tokens = await dkimTokens(server.url, DOMAIN);
    await serveCustomerZone(null);
    assert.equal((await check()).dkimStatus, 'Success');
    resolver = chasingResolver(nsdPort, signetPort, ZONE);
    client = new SESv2Client({ endpoint: server.url, region: 'us-east-1', credentials: KEY });
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
  });

  it('refuses keys SES refuses, with BadRequestException', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 512 });
    const small = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    await assert.rejects(
      client.send(
        new PutEmailIdentityDkimSigningAttributesCommand({
          EmailIdentity: DOMAIN,
          SigningAttributesOrigin: 'EXTERNAL',
          SigningAttributes: { DomainSigningSelector: SELECTOR, DomainSigningPrivateKey: small },
        }),
      ),
      (err: Error) => err.name === 'BadRequestException' && /512-bit/.test(err.message) && !err.message.includes(small.slice(0, 30)),
    );
  });

  it('Easy -> BYODKIM: Easy DKIM signs while the external key is Pending (wrong key published), then the external key signs', async () => {
    assert.equal((await send('Easy DKIM, before')).selector, tokens[0]);
    const put = await client.send(
      new PutEmailIdentityDkimSigningAttributesCommand({
        EmailIdentity: DOMAIN,
        SigningAttributesOrigin: 'EXTERNAL',
        SigningAttributes: { DomainSigningSelector: SELECTOR, DomainSigningPrivateKey: own.privateBase64 },
      }),
    );
    assert.deepEqual([put.DkimStatus, put.DkimTokens], ['PENDING', [SELECTOR]]);
    const view = await client.send(new GetEmailIdentityCommand({ EmailIdentity: DOMAIN }));
    assert.equal(view.DkimAttributes?.SigningAttributesOrigin, 'EXTERNAL');
    assert.deepEqual(view.DkimAttributes?.Tokens, [SELECTOR]);
    assert.equal(view.DkimAttributes?.Status, 'PENDING');
    assert.ok(!JSON.stringify(view).includes(own.privateBase64.slice(40, 100)), 'the private key is never returned');
    // v1 tells the same story.
    const v1 = await sesCall(server.url, `Action=GetIdentityDkimAttributes&Identities.member.1=${DOMAIN}`);
    assert.match(v1, new RegExp(`<DkimTokens>\\s*<member>${SELECTOR}</member>\\s*</DkimTokens>`));
    assert.equal((await send('BYODKIM pending, nothing published')).selector, tokens[0], 'Easy DKIM keeps signing');

    // The customer publishes another key at the selector: it stays Pending, and the doctor says why.
    await serveCustomerZone(other.publicBase64);
    const wrong = await check();
    assert.deepEqual([wrong.external?.status, wrong.external?.verdict], ['Pending', 'another_key']);
    const diagnosis = await doctor();
    assert.deepEqual([diagnosis.external?.verdict, diagnosis.external?.chosen, diagnosis.external?.signing], ['another_key', 'EXTERNAL', 'AWS_SES']);
    assert.match(diagnosis.external!.advice, /another public key/);
    assert.equal(diagnosis.healthy, false);
    assert.equal((await send('BYODKIM pending, another key published')).selector, tokens[0]);

    // The right key: Success, and from now on the customer's selector signs.
    await serveCustomerZone(own.publicBase64);
    const right = await check();
    assert.deepEqual([right.external?.status, right.external?.verdict], ['Success', 'ok']);
    const verified = await client.send(new GetEmailIdentityCommand({ EmailIdentity: DOMAIN }));
    assert.deepEqual([verified.DkimAttributes?.Status, verified.DkimAttributes?.Tokens], ['SUCCESS', [SELECTOR]]);
    assert.equal((await send('BYODKIM verified')).selector, SELECTOR);
    assert.equal((await doctor()).healthy, true);

    // The operator sees it: one log line for the key's change (Pending -> Success), and /metrics.
    const changes = server
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'identity status changed' && l['status'] === 'external' && l['identity'] === DOMAIN);
    assert.deepEqual(
      changes.map((l) => [l['from'], l['to']]),
      [['Pending', 'Success']],
      'Pending -> Pending (another key) logs nothing',
    );
    assert.match(String(changes[0]!['reason']), /holds this key's public half/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^signet_identities_external_dkim\{status="Success"\} 1$/m);
    assert.match(metrics, /^signet_detection_status_changes_total\{kind="external",to="Success"\} 1$/m);
  });

  it('CreateEmailIdentity with a selector and a key starts BYODKIM; a refused key leaves no identity behind', async () => {
    const created = await client.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: 'created.example.test',
        DkimSigningAttributes: { DomainSigningSelector: 'sel1', DomainSigningPrivateKey: other.privateBase64 },
      }),
    );
    assert.deepEqual(
      [created.DkimAttributes?.SigningAttributesOrigin, created.DkimAttributes?.Tokens, created.DkimAttributes?.Status],
      ['EXTERNAL', ['sel1'], 'PENDING'],
    );
    await assert.rejects(
      client.send(
        new CreateEmailIdentityCommand({
          EmailIdentity: 'refused.example.test',
          DkimSigningAttributes: { DomainSigningSelector: 'sel1', DomainSigningPrivateKey: Buffer.from('not a key at all').toString('base64') },
        }),
      ),
      (err: Error) => err.name === 'BadRequestException',
    );
    await assert.rejects(client.send(new GetEmailIdentityCommand({ EmailIdentity: 'refused.example.test' })), (err: Error) => err.name === 'NotFoundException');
  });

  it('BYODKIM -> Easy: the same tokens come back, and every message sent along the way still verifies', async () => {
    const put = await client.send(new PutEmailIdentityDkimSigningAttributesCommand({ EmailIdentity: DOMAIN, SigningAttributesOrigin: 'AWS_SES' }));
    assert.deepEqual(put.DkimTokens, tokens, 'the Easy DKIM tokens were kept');
    const view = await client.send(new GetEmailIdentityCommand({ EmailIdentity: DOMAIN }));
    assert.equal(view.DkimAttributes?.SigningAttributesOrigin, 'AWS_SES');
    // The CNAMEs never left the customer's zone, so Easy DKIM is still verified and signs at once.
    assert.equal((await send('back to Easy DKIM')).selector, tokens[0]);
    for (const m of sent) await verifyBoth(m.raw, `${m.label}, verified at the end`);
    assert.equal(sent.length, 5);
  });

  it('BYODKIM -> Easy while the tokens are not verified yet: the external key keeps signing until they are', async () => {
    const CREATED = 'created.example.test';
    const createdZone = (extra: string[]) =>
      zoneFile(CREATED, [`sel1._domainkey IN TXT ${quoteCharacterStrings(dkimTxtRecordStrings(other.publicBase64))}`, ...extra]);
    const verifyCreated = (raw: Buffer, selectors: readonly string[], label: string) =>
      verifyWithBoth({ resolver, dkimpy: dkimpy!, nsdPort, signetPort, zone: ZONE }, raw, CREATED, selectors, label);
    // Created with BYODKIM (the previous test); the customer publishes only the selector's TXT.
    await serveCustomerZone(own.publicBase64, { [CREATED]: createdZone([]) });
    const verified = await check(CREATED);
    assert.deepEqual([verified.external?.status, verified.external?.verdict], ['Success', 'ok']);
    const byod = await send('BYODKIM only', CREATED);
    assert.equal(byod.selector, 'sel1');
    await verifyCreated(byod.raw, ['sel1'], 'BYODKIM only');
    // Switch to Easy DKIM: its tokens have never been published, so the external key keeps signing.
    const put = await client.send(new PutEmailIdentityDkimSigningAttributesCommand({ EmailIdentity: CREATED, SigningAttributesOrigin: 'AWS_SES' }));
    const createdTokens = put.DkimTokens ?? assert.fail('Easy DKIM tokens');
    assert.equal(createdTokens.length, 3);
    assert.notEqual(put.DkimStatus, 'SUCCESS');
    const meanwhile = await send('Easy DKIM pending', CREATED);
    assert.equal(meanwhile.selector, 'sel1', 'the verified external key signs while Easy DKIM is pending');
    await verifyCreated(meanwhile.raw, ['sel1'], 'Easy DKIM pending');
    // The customer publishes the CNAMEs: Easy DKIM reaches Success and signs from then on.
    await serveCustomerZone(own.publicBase64, { [CREATED]: createdZone(createdTokens.map((t) => `${t}._domainkey IN CNAME ${t}.${ZONE}.`)) });
    assert.equal((await check(CREATED)).dkimStatus, 'Success');
    const easy = await send('Easy DKIM verified', CREATED);
    assert.equal(easy.selector, createdTokens[0]);
    await verifyCreated(easy.raw, createdTokens, 'Easy DKIM verified');
    for (const [m, selectors] of [
      [byod, ['sel1']],
      [meanwhile, ['sel1']],
    ] as const)
      await verifyCreated(m.raw, selectors, `${m.label}, verified at the end`);
  });
});
