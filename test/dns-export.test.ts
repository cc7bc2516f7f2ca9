/**
 * `signet dns export` streams the key zone a page of keys at a time (issue 17): the built command
 * on a store holding more keys than one page (2,000) prints every key exactly once, in creation order,
 * after the zone's head; and NSD loads what it printed and answers a key from it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dkimTokenFromBytes } from '../src/core/index.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { dig, findProgram, freeDnsPort, startNsd } from './helpers/dns-peers.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { SIGNET_BIN } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const ZONE = 'dkim.export.test';
const DOMAINS = 750; // 2,250 keys: more than one page of the export

describe('signet dns export', () => {
  const dir = tempDir('dns-export');
  const tokens: string[] = [];
  let output = '';
  after(() => dir.remove());

  before(async () => {
    const publicKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const storage = await openSqliteStorage(join(dir.path, SQLITE_FILE));
    try {
      const now = Date.now();
      await storage.store.addPoolKeys(
        Array.from({ length: DOMAINS * 3 }, () => ({ bits: 1024, publicKey, sealedPrivateKey: 'v1:fixture-never-opened', createdAt: now })),
      );
      const scope = { accountId: '000000000000', region: 'us-east-1' };
      for (let i = 0; i < DOMAINS; i++) {
        const mine = [0, 1, 2].map(() => dkimTokenFromBytes(randomBytes(20)));
        const result = await storage.store.createDomainDkim(scope, {
          domain: `d${i}.example`,
          tokens: mine,
          verificationToken: 'v',
          keyBits: 1024,
          now,
        });
        assert.equal(result.kind, 'created');
        tokens.push(...mine);
      }
    } finally {
      await storage.close();
    }
    const run = spawnSync(process.execPath, [SIGNET_BIN, 'dns', 'export', '--dkim-zone', ZONE, '--data-dir', dir.path], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    assert.equal(run.status, 0, run.stderr);
    output = run.stdout;
  });

  it('prints the head, then every key once, in creation order', () => {
    const lines = output.split('\n');
    assert.equal(lines.at(-1), '', 'ends with a newline');
    assert.ok(lines.includes(`$ORIGIN ${ZONE}.`));
    const txt = lines.filter((l) => / IN TXT /.test(l)).map((l) => l.split(' ')[0]!);
    assert.equal(txt.length, tokens.length);
    assert.deepEqual(txt, tokens);
    assert.ok(output.indexOf(' IN SOA ') < output.indexOf(' IN TXT '), 'the SOA comes first');
  });

  const nsdBin = findProgram('nsd');
  const digBin = findProgram('dig');
  const { skip } = peerOrSkip('nsd and dig', nsdBin && digBin, 'Debian packages nsd and bind9-dnsutils');

  it('is a zone NSD loads and answers from', { skip }, async () => {
    const nsdDir = tempDir('dns-export-nsd');
    const port = await freeDnsPort();
    const nsd = await startNsd(nsdBin!, nsdDir.path, port, { [ZONE]: output }, { rateLimit: false, readyTimeoutMs: 60_000 });
    try {
      const last = [...tokens].sort().at(-1)!;
      const answer = dig(digBin!, port, ['+short', 'TXT', `${last}.${ZONE}`]);
      assert.match(answer, /v=DKIM1; k=rsa; p=/);
    } finally {
      await nsd.stop();
      nsdDir.remove();
    }
  });
});
