import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { GetEmailIdentityCommand, PutEmailIdentityDkimSigningAttributesCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { outboxRawMessage, verifyWithBoth } from './helpers/dkim-verify-both.ts';
import { chasingResolver, checkNow, dkimTokens, freeDnsPort, sesCall, signetDnsPort, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { queryTxt } from './helpers/dns-query.ts';
import { customerDnsPeers, customerDnsSignetArgs, selectorOf } from './helpers/customer-dns-e2e.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const { nsdBin, dkimpy, skip } = customerDnsPeers();

const ZONE = 'dkim.signet.test';
const DOMAIN = 'rotate.example.test';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };

/**
 * Issue 16's definition of done, end to end: a domain detected through NSD (the customer's zone with
 * the three CNAMEs, never changed), dev mode's clock, and messages signed before, during and after a
 * rotation and a key-length change, each verified as `pass` by mailauth and dkimpy through the
 * customer's CNAMEs, including messages signed with a key that has since retired.
 */
describe('key rotation behind stable tokens: every message verifies through the customer CNAMEs', { skip }, () => {
  const data = tempDir('key-rotation');
  const nsdDir = tempDir('key-rotation-nsd');
  let server: RunningSignet;
  let nsd: RunningDnsPeer;
  let nsdPort: number;
  let signetPort: number;
  let tokens: string[];
  let resolver: ReturnType<typeof chasingResolver>;
  let client: SESv2Client;
  /** Messages as they left Signet, with the selector that signed them, verified again at the end. */
  const sent: { label: string; raw: Buffer; selector: string }[] = [];

  const verifyBoth = (raw: Buffer, label: string) => verifyWithBoth({ resolver, dkimpy: dkimpy!, nsdPort, signetPort, zone: ZONE }, raw, DOMAIN, tokens, label);
  const send = async (label: string) => {
    const xml = await sesCall(
      server.url,
      `Action=SendEmail&Source=${encodeURIComponent(`sender@${DOMAIN}`)}&Destination.ToAddresses.member.1=r%40example.net&Message.Subject.Data=${encodeURIComponent(label)}&Message.Body.Text.Data=${encodeURIComponent(`Hello (${label}).`)}`,
    );
    const id = /<MessageId>([^<]+)<\/MessageId>/.exec(xml)?.[1] ?? assert.fail(xml);
    const raw = await outboxRawMessage(server.url, id);
    const entry = { label, raw, selector: selectorOf(raw) };
    sent.push(entry);
    await verifyBoth(raw, label);
    return entry;
  };
  const advanceClock = async (by: string) => {
    const r = await fetch(`${server.url}/_signet/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance: by }),
    });
    assert.equal(r.status, 200, await r.text());
  };
  /** Sends until a message is signed by another selector than `old` (the worker activates within its poll). */
  const sendUntilSwitched = async (label: string, old: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const entry = await send(label);
      if (entry.selector !== old) return entry;
      assert.ok(Date.now() < deadline, `${label}: still signed by ${old}`);
      await sleep(300);
    }
  };
  const keyBitsInDns = async (token: string) => {
    const { texts } = await queryTxt(signetPort, `${token}.${ZONE}`);
    const p = /p=([A-Za-z0-9+/=]+)/.exec(texts.join(''))?.[1] ?? assert.fail(`no p= for ${token}: ${texts.join('')}`);
    return createPublicKey({ key: Buffer.from(p, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyDetails!.modulusLength;
  };
  const rotate = async () => {
    const r = await fetch(`${server.url}/_signet/rotate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: DOMAIN }),
    });
    assert.equal(r.status, 200);
    return (await r.json()) as { rotationPending: boolean; keys: { token: string; role: string; bits: number }[] };
  };

  before(async () => {
    nsdPort = await freeDnsPort();
    server = await startSignet(customerDnsSignetArgs({ dataDir: data.path, zone: ZONE, nsdPort, keyPoolSize: 4 }));
    signetPort = signetDnsPort(server.output());
    tokens = await dkimTokens(server.url, DOMAIN);
    nsd = await startNsd(nsdBin!, nsdDir.path, nsdPort, {
      [DOMAIN]: zoneFile(
        DOMAIN,
        tokens.map((t) => `${t}._domainkey IN CNAME ${t}.${ZONE}.`),
      ),
    });
    const body = await checkNow(server.url, DOMAIN);
    assert.equal(body.dkimStatus, 'Success', JSON.stringify(body));
    resolver = chasingResolver(nsdPort, signetPort, ZONE);
    client = new SESv2Client({ endpoint: server.url, region: 'us-east-1', credentials: KEY });
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
  });

  it('rotates on demand: the old key signs until the next one has been served for a TTL, then the next one signs', async () => {
    const before = await send('before the rotation');
    assert.equal(before.selector, tokens[0]);
    const ring = await rotate();
    // The next key was published when the domain was made, less than a TTL (1 h) ago: it waits.
    assert.equal(ring.rotationPending, true);
    assert.deepEqual(
      ring.keys.map((k) => [k.token, k.role]),
      [
        [tokens[0], 'active'],
        [tokens[1], 'next'],
        [tokens[2], 'previous'],
      ],
    );
    const during = await send('during the rotation');
    assert.equal(during.selector, tokens[0], 'a key is never active before DNS has served it for a TTL');
    await advanceClock('61m');
    const afterwards = await sendUntilSwitched('after the rotation', tokens[0]!);
    assert.equal(afterwards.selector, tokens[1]);
    // Mail signed with the now previous key still verifies: the key stays published.
    for (const m of sent) await verifyBoth(m.raw, `${m.label}, verified after the rotation`);
    assert.deepEqual(await dkimTokens(server.url, DOMAIN), tokens, 'the tokens never change');
  });

  it('a key-length change to 1024 makes the next key 1024-bit in DNS, then it signs; a second change within 24 h is refused', async () => {
    const put = await client.send(
      new PutEmailIdentityDkimSigningAttributesCommand({
        EmailIdentity: DOMAIN,
        SigningAttributesOrigin: 'AWS_SES',
        SigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' },
      }),
    );
    assert.deepEqual(put.DkimTokens, tokens);
    assert.equal(put.DkimStatus, 'SUCCESS');
    // The next key (the token that never signed, regenerated after the first rotation) is now 1024-bit.
    const deadline = Date.now() + 20_000;
    while ((await keyBitsInDns(tokens[2]!)) !== 1024) {
      assert.ok(Date.now() < deadline, 'the 1024-bit next key reaches DNS');
      await sleep(200);
    }
    const view = await client.send(new GetEmailIdentityCommand({ EmailIdentity: DOMAIN }));
    assert.equal(view.DkimAttributes?.NextSigningKeyLength, 'RSA_1024_BIT');
    assert.equal(view.DkimAttributes?.CurrentSigningKeyLength, 'RSA_2048_BIT');
    await assert.rejects(
      client.send(
        new PutEmailIdentityDkimSigningAttributesCommand({
          EmailIdentity: DOMAIN,
          SigningAttributesOrigin: 'AWS_SES',
          SigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
        }),
      ),
      (err: Error) => err.name === 'BadRequestException',
    );
    const stillOld = await send('after the length change, before the TTL');
    assert.equal(stillOld.selector, tokens[1]);
    await advanceClock('61m');
    const switched = await sendUntilSwitched('signed with the 1024-bit key', tokens[1]!);
    assert.equal(switched.selector, tokens[2]);
    const after = await client.send(new GetEmailIdentityCommand({ EmailIdentity: DOMAIN }));
    assert.equal(after.DkimAttributes?.CurrentSigningKeyLength, 'RSA_1024_BIT');
    assert.equal(after.DkimAttributes?.NextSigningKeyLength, 'RSA_1024_BIT');
    for (const m of sent) await verifyBoth(m.raw, `${m.label}, verified after the length change`);
    assert.deepEqual(await dkimTokens(server.url, DOMAIN), tokens, 'the tokens never change');
    // Logged and counted, and the doctor shows each token's key role and age (issue 16, item 5).
    assert.match(server.output(), /DKIM key activated/);
    const doctor = (await (
      await fetch(`${server.url}/_signet/dkim-doctor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: DOMAIN }),
      })
    ).json()) as { keys: { keys: { token: string; role: string; bits: number; ageSeconds: number }[] } };
    assert.deepEqual(
      doctor.keys.keys.map((k) => [k.token, k.role, k.bits]),
      [
        [tokens[0], 'previous', 2048],
        [tokens[1], 'previous', 2048],
        [tokens[2], 'active', 1024],
      ],
    );
    assert.ok(
      doctor.keys.keys.every((k) => k.ageSeconds >= 3600),
      'ages on the service clock',
    );
  });
});
