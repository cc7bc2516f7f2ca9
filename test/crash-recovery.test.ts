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
  let running: RunningSignet | undefined;
  after(() => {
    // After a failed assertion the server still runs, and its process would keep this file from ending.
    running?.process.kill('SIGKILL');
    data.remove();
  });

  it(`keeps everything acknowledged across ${KILLS} kills`, async () => {
    const args = ['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '45', '--no-throttle', '--log-level', 'error'];
    let server: RunningSignet = await startSignet(args);
    running = server;
    const key = server.credentials!;
    const acked = new Map<string, string[]>();
    let counter = 0;
    let failures = 0;
    for (let round = 0; round <= KILLS; round++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      const url = server.url;
      let stop = false;
      const loops = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const domain = `crash-${round}-${counter++}.example.com`;
          try {
            const r = await callSigned(url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${domain}`, key, 'us-east-1', agent);
            if (r.status === 200) acked.set(domain, [...r.body.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]!));
          } catch {
            failures += 1; // the connection died with the server: not acknowledged
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      });
      if (round < KILLS) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
        server.process.kill('SIGKILL');
        await new Promise((r) => server.process.once('exit', r));
        stop = true;
        await Promise.all(loops);
        agent.destroy();
        server = await startSignet(args);
        running = server;
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
      const r = await callSigned(server.url, `Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=${domain}`, key);
      assert.equal(r.status, 200);
      assert.deepEqual([...r.body.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]), tokens, domain);
    }
    assert.equal(await server.stop(), 0);
    const db = new BetterSqlite3(join(data.path, 'signet.db'), { readonly: true });
    const counts = db
      .prepare('SELECT i.name, (SELECT count(*) FROM dkim_keys k WHERE k.identity_id = i.id) AS keys FROM identities i')
      .all() as Array<{ name: string; keys: number }>;
    db.close();
    for (const row of counts) assert.equal(row.keys, 3, `${row.name} has ${row.keys} keys`);
    for (const domain of acked.keys()) assert.ok(counts.some((r) => r.name === domain), domain);
  });
});
