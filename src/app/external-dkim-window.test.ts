import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { HOUR, MINUTE, TestClock } from '../../test/support/clock.ts';
import { FakeDnsZone, fakeResolver } from '../../test/support/fake-dns-zone.ts';
import { DEFAULT_DETECTION_POLICY } from '../core/index.ts';
import { openSqliteStorage } from '../storage/sqlite/open-sqlite-store.ts';
import { runDueExternalChecks } from './external-dkim.ts';

const SCOPE = { accountId: '111111111111', region: 'us-east-1' };
const DOMAIN = 'byod.example';
const NAME = `sel1._domainkey.${DOMAIN}`;
const PUBLIC = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest+key/AB==';

describe("BYODKIM's 72 hours: the worker's checks over a real store, a fake zone and a test clock", () => {
  let dir: ReturnType<typeof tempDir>;
  let storage: Awaited<ReturnType<typeof openSqliteStorage>>;
  let clock: TestClock;
  const dns = new FakeDnsZone();
  const resolver = fakeResolver(dns);
  const W = DEFAULT_DETECTION_POLICY.windowMs;
  // Checks are due a minute after the last (EXTERNAL_RECHECK_MS): steps below are at least two.
  const pass = () => runDueExternalChecks(resolver, storage.externalDkim, clock, 10, W);
  const status = async () => (await storage.externalDkim.externalKeyOf(SCOPE, DOMAIN))?.status;

  beforeEach(async () => {
    clock = new TestClock();
    dir = tempDir('external-window');
    storage = await openSqliteStorage(join(dir.path, 'signet.db'));
    await storage.store.ensureDomainIdentity(SCOPE, DOMAIN, 'vt', clock.now());
    await storage.externalDkim.putExternalKey(SCOPE, DOMAIN, { selector: 'sel1', publicKey: PUBLIC, sealedPrivateKey: 'sealed', bits: 2048 }, clock.now());
  });
  afterEach(async () => {
    await storage.close();
    dir.remove();
  });

  it('a key never published is Pending for 72 hours, then Failed, and no longer checked', async () => {
    assert.equal((await pass()).length, 1);
    assert.equal(await status(), 'Pending');
    clock.advance(W - 2 * MINUTE);
    assert.equal((await pass())[0]?.status, 'Pending');
    clock.advance(2 * MINUTE);
    assert.equal((await pass())[0]?.status, 'Failed');
    clock.advance(HOUR);
    assert.deepEqual(await pass(), [], 'Failed is final for the schedule');
    assert.equal(await status(), 'Failed');
  });

  it('a key published on the third day is Success; one that vanishes later gets 72 hours of its own', async () => {
    await pass();
    clock.advance(W - HOUR);
    dns.txt(NAME, `v=DKIM1; k=rsa; p=${PUBLIC}`);
    assert.equal((await pass())[0]?.status, 'Success');
    // Success keys are not in the pending pass; a vanished record is seen by an on-demand check
    // (check-now, the doctor) or after a new key. Simulate the first miss as the pass would see it.
    dns.remove(NAME);
    const key = (await storage.externalDkim.externalKeyOf(SCOPE, DOMAIN))!;
    const { checkExternalKey } = await import('./external-dkim.ts');
    clock.advance(10 * HOUR);
    assert.equal((await checkExternalKey(resolver, storage.externalDkim, key, clock.now(), W)).status, 'Pending', 'not Failed at once');
    clock.advance(W - 2 * MINUTE);
    assert.equal((await pass())[0]?.status, 'Pending');
    clock.advance(2 * MINUTE);
    assert.equal((await pass())[0]?.status, 'Failed');
  });
});
