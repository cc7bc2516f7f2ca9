import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { loadMasterKey } from '../src/secrets/master-key.ts';
import { dkimKeyContext, SecretBox } from '../src/secrets/secret-box.ts';
import { dig, dkimTokens, findProgram, sesCall, signetDnsPort } from './helpers/dns-peers.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const digBin = findProgram('dig');
const { skip } = peerOrSkip('dig', digBin, 'Debian package dnsutils');
// Long enough that a 2048-bit key's answer, owner name compressed, still exceeds 512 bytes: the TC
// test below needs an answer that plain UDP cannot carry (in a short zone it fits, as with NSD).
const ZONE = 'dkim.a-key-zone-long-enough-to-truncate.signet.test';

/** The TXT character-strings of dig's answer lines, joined per record (RFC 6376 §3.6.2.2). */
function txtRecords(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /\sIN\s+TXT\s/.test(line) && !line.startsWith(';'))
    .map((line) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]).join(''));
}

/** The stored private key of a token, decrypted, and the public key recorded beside it. */
function storedKey(dataDir: string, token: string): { privatePem: string; publicKey: string } {
  const db = new BetterSqlite3(join(dataDir, SQLITE_FILE), { readonly: true });
  try {
    const row = db.prepare('SELECT public_key, sealed_private_key FROM dkim_keys WHERE token = ?').get(token) as
      | { public_key: string; sealed_private_key: string }
      | undefined;
    assert.ok(row, `key of ${token} stored`);
    const box = new SecretBox(loadMasterKey(dataDir, undefined));
    return { privatePem: box.open(row.sealed_private_key, dkimKeyContext(row.public_key)), publicKey: row.public_key };
  } finally {
    db.close();
  }
}

describe('the key zone over DNS, asked with dig', { skip }, () => {
  const data = tempDir('dns-dig');
  let server: RunningSignet;
  let port: number;
  let tokens: string[];

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
    port = signetDnsPort(server.output());
    tokens = await dkimTokens(server.url, 'dig.example.test');
    assert.equal(tokens.length, 3);
  });

  after(async () => {
    await server?.stop();
    data.remove();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers TXT TOKEN.<zone> over ${transport} with the public half of the stored 2048-bit private key`, () => {
      for (const token of tokens) {
        const out = dig(digBin!, port, ['TXT', `${token}.${ZONE}`, ...(transport === 'tcp' ? ['+tcp'] : [])]);
        assert.match(out, /status: NOERROR/);
        assert.match(out, / aa[ ;]/, 'authoritative answer');
        assert.match(out, new RegExp(`SERVER: 127\\.0\\.0\\.1#${port}\\(127\\.0\\.0\\.1\\) \\(${transport.toUpperCase()}\\)`));
        const [record, ...more] = txtRecords(out);
        assert.equal(more.length, 0);
        const p = /^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/.exec(record!)?.[1];
        assert.ok(p, `a DKIM key record: ${record}`);
        const { privatePem, publicKey } = storedKey(data.path, token);
        const derived = createPublicKey(createPrivateKey(privatePem));
        assert.equal(derived.export({ type: 'spki', format: 'der' }).toString('base64'), p);
        assert.equal(p, publicKey);
        assert.equal(createPublicKey({ key: Buffer.from(p, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 2048);
        // A 2048-bit record does not fit one character-string: the strings stay within 255 bytes.
        const strings = [...out.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
        assert.ok(strings.length >= 2 && strings.every((s) => s.length <= 255));
      }
    });
  }

  it('sets TC over plain 512-byte UDP, and dig gets the whole answer by retrying over TCP', () => {
    const truncated = dig(digBin!, port, ['TXT', `${tokens[0]}.${ZONE}`, '+noedns', '+ignore']);
    assert.match(truncated, /flags: qr aa tc/);
    const retried = dig(digBin!, port, ['TXT', `${tokens[0]}.${ZONE}`, '+noedns']);
    assert.match(retried, /Truncated, retrying in TCP mode/);
    assert.equal(txtRecords(retried).length, 1);
  });

  it('matches names case-insensitively and echoes the question as asked', () => {
    const mixed = ZONE.split('.')
      .map((l, i) => (i % 2 ? l.toUpperCase() : l[0]!.toUpperCase() + l.slice(1)))
      .join('.');
    const name = `${tokens[1]!.toUpperCase()}.${mixed}`;
    const out = dig(digBin!, port, ['TXT', name]);
    assert.match(out, /status: NOERROR/);
    assert.ok(out.includes(`;${name}.`), 'question echoed in its case');
    assert.equal(txtRecords(out).length, 1);
  });

  it('answers NXDOMAIN, NODATA, SOA and NS at the apex, REFUSED outside the zone', () => {
    assert.match(dig(digBin!, port, ['TXT', `${'a'.repeat(32)}.${ZONE}`]), /status: NXDOMAIN/);
    const nodata = dig(digBin!, port, ['A', `${tokens[0]}.${ZONE}`]);
    assert.match(nodata, /status: NOERROR/);
    assert.match(nodata, /ANSWER: 0, AUTHORITY: 1/);
    assert.match(dig(digBin!, port, ['SOA', ZONE, '+short']), new RegExp(`^ns1\\.${ZONE.replace(/\./g, '\\.')}\\. hostmaster\\.`));
    assert.equal(dig(digBin!, port, ['NS', ZONE, '+short']).trim(), `ns1.${ZONE}.`);
    assert.match(dig(digBin!, port, ['TXT', 'example.com']), /status: REFUSED/);
  });

  it("takes a deleted identity's keys out of DNS at once", async () => {
    await sesCall(server.url, 'Action=DeleteIdentity&Identity=dig.example.test');
    for (const token of tokens) {
      assert.match(dig(digBin!, port, ['TXT', `${token}.${ZONE}`]), /status: NXDOMAIN/);
      assert.match(dig(digBin!, port, ['TXT', `${token}.${ZONE}`, '+tcp']), /status: NXDOMAIN/);
    }
  });
});
