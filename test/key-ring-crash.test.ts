import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { activeKeyOf } from '../src/core/index.ts';
import { keyOfRdata } from '../src/dns/answer-query.ts';
import { KeyZoneCache } from '../src/dns/key-zone-cache.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { REPO_ROOT } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** The public key a cache answer (TXT RDATA) publishes; undefined when there is none. */
const publicKeyIn = (rdata: string | null | undefined): string | undefined => (rdata == null ? undefined : keyOfRdata('', rdata).publicKey);

const KILLS = 6;
const DOMAINS = 20;

/**
 * Issue 16: a crash (SIGKILL) during rotations leaves every identity with exactly one active key that
 * DNS serves. A child process rotates the rings of 20 domains as fast as it can (each step one
 * transaction) and is killed at random moments, six times; after each kill the data folder is opened
 * afresh, as a restarted server would, and every ring is checked through the DNS server's own cache.
 */
describe('key rings under SIGKILL', () => {
  const data = tempDir('key-ring-crash');
  after(() => data.remove());

  it(`every identity keeps exactly one active key that DNS serves, across ${KILLS} kills`, async () => {
    let steps = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/key-ring-crash-child.ts'), data.path, String(kill === 0 ? DOMAINS : 0)],
        {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        void exited.then((code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)));
      });
      // A random moment within the rotations (each round takes a few milliseconds).
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 700)));
      child.kill('SIGKILL');
      await exited;

      const storage = await openSqliteStorage(join(data.path, 'signet.db'));
      const cache = new KeyZoneCache(storage.dnsKeys);
      try {
        await cache.start();
        const scope = { accountId: '111111111111', region: 'us-east-1' };
        for (let i = 0; i < DOMAINS; i++) {
          const domain = `crash-${i}.example.com`;
          const ring = await storage.keyRings.ringOf(scope, domain);
          assert.ok(ring, `${domain} has its ring`);
          assert.equal(ring.keys.length, 3, `${domain} keeps three tokens`);
          const active = activeKeyOf(ring.keys);
          assert.ok(active, `${domain}: exactly one active key (${ring.keys.map((k) => k.state).join(', ')})`);
          const stored = (await storage.store.getDkimKeys(scope, domain)).find((k) => k.token === active.token)!;
          const served = await cache.lookup(active.token);
          assert.equal(publicKeyIn(served), stored.publicKey, `${domain}: DNS serves the active key`);
          if (active.activatedAt !== null) steps += 1;
        }
      } finally {
        cache.stop();
        await storage.close();
      }
    }
    assert.ok(steps > 0);
    // The rings moved between kills: not every key is still the first one.
    const storage = await openSqliteStorage(join(data.path, 'signet.db'));
    try {
      const rings = await Promise.all(
        Array.from({ length: DOMAINS }, (_, i) => storage.keyRings.ringOf({ accountId: '111111111111', region: 'us-east-1' }, `crash-${i}.example.com`)),
      );
      assert.ok(
        rings.some((r) => r!.keys.some((k) => k.retiredAt !== null)),
        'some keys were retired',
      );
    } finally {
      await storage.close();
    }
  });
});
