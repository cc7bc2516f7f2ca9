import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { loadMasterKey } from '../src/secrets/master-key.ts';
import { dkimKeyContext, SecretBox } from '../src/secrets/secret-box.ts';
import { chasingResolver, dkimTokens, findProgram, freeDnsPort, signetDnsPort, startNsd, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const nsdBin = findProgram('nsd');
const { skip } = peerOrSkip('nsd', nsdBin && findProgram('dig'), 'Debian packages nsd and dnsutils: NSD serves the customer zone');
const ZONE = 'dkim.signet.test';
const DOMAIN = 'mail.example.test';

function activeKey(dataDir: string): { token: string; privateKey: string } {
  const db = new BetterSqlite3(join(dataDir, SQLITE_FILE), { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT k.token, k.public_key, k.sealed_private_key FROM dkim_keys k JOIN identities i ON i.id = k.identity_id WHERE i.name = ? AND k.state = 'active'`,
      )
      .get(DOMAIN) as { token: string; public_key: string; sealed_private_key: string };
    const box = new SecretBox(loadMasterKey(dataDir, undefined));
    return { token: row.token, privateKey: box.open(row.sealed_private_key, dkimKeyContext(row.public_key)) };
  } finally {
    db.close();
  }
}

const MESSAGE = [
  `From: Sender <sender@${DOMAIN}>`,
  'To: someone@example.net',
  'Subject: signed with the identity key',
  'Date: Fri, 27 Nov 2026 12:00:00 +0000',
  `Message-ID: <test-1@${DOMAIN}>`,
  '',
  'Hello, this message is signed with the key behind the active token.',
  '',
].join('\r\n');

describe('a message signed with the identity key verifies with mailauth through the customer CNAME', { skip }, () => {
  const data = tempDir('mailauth');
  const nsdDir = tempDir('mailauth-nsd');
  let server: RunningSignet;
  let nsd: RunningDnsPeer;
  let resolver: ReturnType<typeof chasingResolver>;

  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--no-throttle',
      '--dev',
      '--dkim-zone',
      ZONE,
      '--key-bits',
      '2048',
      '--key-pool-size',
      '3',
      '--log-level',
      'warn',
    ]);
    const tokens = await dkimTokens(server.url, DOMAIN);
    const port = await freeDnsPort();
    nsd = await startNsd(nsdBin!, nsdDir.path, port, {
      [DOMAIN]: zoneFile(
        DOMAIN,
        tokens.map((t) => `${t}._domainkey IN CNAME ${t}.${ZONE}.`),
      ),
    });
    resolver = chasingResolver(port, signetDnsPort(server.output()), ZONE);
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
  });

  it('passes', async () => {
    const { token, privateKey } = activeKey(data.path);
    // mailauth takes the keys as `signatureData` entries (its typings describe a flat form it ignores).
    // signTime is fixed: without it mailauth reads the clock twice, for the hashed header and for the
    // one it writes out, and a t= that rounds to the next second in between fails as "bad signature"
    // (seen once in CI under load).
    const options = {
      canonicalization: 'relaxed/relaxed',
      algorithm: 'rsa-sha256',
      signTime: new Date(),
      signatureData: [{ signingDomain: DOMAIN, selector: token, privateKey }],
    };
    const signed = await dkimSign(MESSAGE, options as unknown as Parameters<typeof dkimSign>[1]);
    assert.deepEqual(signed.errors, []);
    assert.match(signed.signatures, /^DKIM-Signature: /);
    const message = signed.signatures + MESSAGE;
    const result = await dkimVerify(message, { resolver });
    const [first] = result.results as { status: { result: string; comment?: string }; signingDomain: string; selector: string }[];
    assert.equal(first?.status.result, 'pass', JSON.stringify(first?.status));
    assert.equal(first?.selector, token);

    // The same check fails for a changed body: the verifier really used the published key.
    const tampered = message.replace('Hello', 'Hallo');
    const bad = await dkimVerify(tampered, { resolver });
    assert.notEqual((bad.results as { status: { result: string } }[])[0]?.status.result, 'pass');
  });
});
