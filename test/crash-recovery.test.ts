import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { callSigned } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const KILLS = 5;

/**
 * Durability: clients create domains while the server is killed with SIGKILL at random moments and
 * restarted. Every domain a client saw a 200 for must survive with the same three tokens and three
 * keys, and no identity may exist with fewer than three keys.
 */
describe('crash recovery under SIGKILL', () => {
  const data = tempDir('crash');
  let server: RunningSignet | null = null;
  // A failed assertion must not leave the server running: the test file would never end.
  after(async () => {
    await server?.stop();
    data.remove();
  });

  it(`keeps everything acknowledged across ${KILLS} kills`, async () => {
    const args = ['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '45', '--no-throttle', '--log-level', 'error'];
    let current = await startSignet(args);
    server = current;
    const key = current.credentials!;
    const acked = new Map<string, string[]>();
    let counter = 0;
    let failures = 0;
    for (let round = 0; round <= KILLS; round++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      const url = current.url;
      let stop = false;
      const loops = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const domain = `crash-${round}-${counter++}.example.com`;
          try {
            const r = await callSigned(url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${domain}`, key, 'us-east-1', agent);
            if (r.status === 200)
              acked.set(
                domain,
                [...r.body.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]!),
              );
          } catch {
            failures += 1; // the connection died with the server: not acknowledged
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      });
      if (round < KILLS) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
        current.process.kill('SIGKILL');
        await new Promise((r) => current.process.once('exit', r));
        stop = true;
        await Promise.all(loops);
        agent.destroy();
        current = server = await startSignet(args);
      } else {
        await new Promise((r) => setTimeout(r, 500));
        stop = true;
        await Promise.all(loops);
        agent.destroy();
      }
    }
    process.stdout.write(`# ${acked.size} domains acknowledged, ${failures} requests cut by kills\n`);
    assert.ok(acked.size >= 20, `only ${acked.size} domains were acknowledged`);
    assert.ok(failures >= 1, 'the kills interrupted requests under way');

    for (const [domain, tokens] of acked) {
      assert.equal(tokens.length, 3);
      const r = await callSigned(current.url, `Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=${domain}`, key);
      assert.equal(r.status, 200);
      assert.deepEqual(
        [...r.body.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]),
        tokens,
        domain,
      );
    }
    assert.equal(await current.stop(), 0);
    server = null;
    const db = new BetterSqlite3(join(data.path, 'signet.db'), { readonly: true });
    const counts = db.prepare('SELECT i.name, (SELECT count(*) FROM dkim_keys k WHERE k.identity_id = i.id) AS keys FROM identities i').all() as Array<{
      name: string;
      keys: number;
    }>;
    db.close();
    for (const row of counts) assert.equal(row.keys, 3, `${row.name} has ${row.keys} keys`);
    for (const domain of acked.keys())
      assert.ok(
        counts.some((r) => r.name === domain),
        domain,
      );
  });
});
