import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { dkimKeyContext } from '../src/secrets/secret-box.ts';
import { MASTER_KEY_FILE } from '../src/secrets/master-key.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { openTestApp, type TestApp } from './helpers/embedded-app.ts';

const SCOPE = { accountId: '000000000000', region: 'us-east-1' };

describe('DKIM private keys at rest', () => {
  let app: TestApp;
  const domains = ['keys.example', 'more-keys.example'];
  before(async () => {
    app = await openTestApp({ keyBits: '2048', poolTarget: 2 });
    for (const d of domains) {
      const response = await app.call(`Action=VerifyDomainDkim&Version=2010-12-01&Domain=${d}`);
      assert.equal(response.status, 200);
      assert.doesNotMatch(response.body, /PRIVATE|BEGIN/);
    }
    // Let the pool reach its target so that pooled keys are checked too.
    while ((await app.embedded.storage.store.countPoolKeys(2048)) < 2) await app.embedded.ctx.keys.waitForKeys(2);
  });
  after(async () => {
    await app.close();
  });

  it('every key of a token decrypts to the private half of the public key recorded for it', async () => {
    for (const domain of domains) {
      const keys = await app.embedded.storage.store.getDkimKeys(SCOPE, domain);
      assert.equal(keys.length, 3);
      for (const key of keys) {
        assert.equal(key.bits, 2048);
        const pem = app.embedded.secrets.open(key.sealedPrivateKey, dkimKeyContext(key.publicKey));
        const privateKey = createPrivateKey(pem);
        assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
        const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
        assert.equal(derived, key.publicKey, `token ${key.token}`);
      }
    }
  });

  it('pooled keys are sealed the same way', () => {
    const db = new BetterSqlite3(join(app.dataDir, SQLITE_FILE), { readonly: true });
    const rows = db.prepare('SELECT public_key, sealed_private_key FROM key_pool').all() as Array<{ public_key: string; sealed_private_key: string }>;
    db.close();
    assert.ok(rows.length >= 2);
    for (const row of rows) {
      const pem = app.embedded.secrets.open(row.sealed_private_key, dkimKeyContext(row.public_key));
      assert.equal(createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64'), row.public_key);
    }
  });

  it('a sealed key moved to another record does not open', async () => {
    const [a, b] = await app.embedded.storage.store.getDkimKeys(SCOPE, domains[0]!);
    assert.throws(() => app.embedded.secrets.open(a!.sealedPrivateKey, dkimKeyContext(b!.publicKey)));
  });

  it('the database files hold no private key in plaintext', async () => {
    const keys = await app.embedded.storage.store.getDkimKeys(SCOPE, domains[0]!);
    const needles: Buffer[] = [Buffer.from('PRIVATE KEY')];
    for (const key of keys) {
      const pem = app.embedded.secrets.open(key.sealedPrivateKey, dkimKeyContext(key.publicKey));
      const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
      // A slice from the middle of the key (inside the private exponent and primes), raw and in base64.
      needles.push(der.subarray(200, 232), Buffer.from(der.subarray(300, 348).toString('base64')));
    }
    const files = readdirSync(app.dataDir).filter((f) => f.startsWith(SQLITE_FILE));
    assert.ok(files.length >= 1);
    for (const file of files) {
      const bytes = readFileSync(join(app.dataDir, file));
      for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${file} holds key material`);
    }
  });

  it('the master key file is readable by its owner only', () => {
    assert.equal(statSync(join(app.dataDir, MASTER_KEY_FILE)).mode & 0o777, 0o600);
  });
});
