import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { queryTxt } from './helpers/dns-query.ts';
import { peerOrSkip, run } from './helpers/peers.ts';
import { dropSchemas, freshSchema, POSTGRES_URL, postgresReachable } from './helpers/postgres.ts';
import { callSigned } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';

const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };
const signet = (args: readonly string[], env: Record<string, string> = {}) => run(process.execPath, [SIGNET_BIN, ...args], env);

function tokensIn(body: string): string[] {
  return [...body.matchAll(/<member>([a-z0-9]{32})<\/member>/g)].map((m) => m[1]!);
}

/**
 * Issue 19, item 4: `signet admin backup` under write load, `restore` into a new data folder (with
 * the master key copied), and the restored store passes the consistency checks and answers the same
 * tokens, over the API and in DNS. Also `admin status`.
 */
const url = await postgresReachable();

describe('signet admin backup, restore and status', () => {
  const dir = tempDir('admin-backup');
  after(() => dir.remove());

  it('a backup taken under write load restores to a consistent store that answers the same tokens', async () => {
    const source = join(dir.path, 'source');
    const server = await startSignet(['--data-dir', source, '--dev', '--no-throttle', '--key-bits', '1024', '--key-pool-size', '12', '--log-level', 'warn']);
    const created = new Map<string, string[]>();
    const deleted = new Set<string>();
    let stop = false;
    let n = 0;
    // Four writers: each creates domains (three keys each, from the pool) and deletes every third.
    const writer = async (w: number) => {
      while (!stop) {
        const domain = `w${w}-${n++}.backup.example`;
        const r = await callSigned(server.url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${domain}`, KEY);
        assert.equal(r.status, 200, r.body);
        created.set(domain, tokensIn(r.body));
        if (n % 3 === 0) {
          const d = await callSigned(server.url, `Action=DeleteIdentity&Version=2010-12-01&Identity=${domain}`, KEY);
          assert.equal(d.status, 200, d.body);
          deleted.add(domain);
        }
      }
    };
    const backupFile = join(dir.path, 'signet-backup.db');
    let statusOut = '';
    try {
      const writers = [0, 1, 2, 3].map(writer);
      while (created.size < 10) await new Promise((r) => setTimeout(r, 50));
      const backup = signet(['admin', 'backup', backupFile, '--data-dir', source]);
      assert.equal(backup.status, 0, backup.stderr);
      assert.match(backup.stdout, /^backup written to .*signet-backup\.db \(\d+ bytes, consistent as of /);
      assert.match(backup.stdout, /sealed with .*master\.key; back that up too/);
      assert.equal(statSync(backupFile).mode & 0o777, 0o600, 'the copy holds sealed keys: 0600');
      await new Promise((r) => setTimeout(r, 300));
      const status = signet(['admin', 'status', '--data-dir', source, '--endpoint-url', server.url, '--check']);
      statusOut = status.stdout;
      assert.equal(status.status, 0, `${status.stdout}${status.stderr}`);
      stop = true;
      await Promise.all(writers);
    } finally {
      stop = true;
      assert.equal(await server.stop(), 0);
    }
    const status = JSON.parse(statusOut) as {
      server: { status: string; listeners: Record<string, string> };
      store: { engine: string; consistency: { ok: boolean; integrity: string[] } };
      keyPool: { ready1024: number };
      identities: { dkim: Array<{ status: string; count: number }>; overdue: number };
    };
    assert.equal(status.server.status, 'ok');
    assert.equal(status.server.listeners['api'], server.url);
    assert.equal(status.store.engine, 'sqlite');
    assert.deepEqual(status.store.consistency.integrity, ['ok']);
    assert.equal(status.store.consistency.ok, true);
    assert.ok((status.identities.dkim.find((d) => d.status === 'Pending')?.count ?? 0) > 0);

    // A backup never overwrites a file.
    const again = signet(['admin', 'backup', backupFile, '--data-dir', source]);
    assert.notEqual(again.status, 0);

    // Restore into a new folder: the master key goes along (without it the sealed keys are useless).
    const target = join(dir.path, 'target');
    const withoutKey = signet(['admin', 'restore', backupFile, '--data-dir', join(dir.path, 'no-key')]);
    assert.notEqual(withoutKey.status, 0, 'a store with sealed keys and no master key is refused');
    mkdirSync(target, { mode: 0o700 });
    copyFileSync(join(source, 'master.key'), join(target, 'master.key'));
    const restored = signet(['admin', 'restore', backupFile, '--data-dir', target]);
    assert.equal(restored.status, 0, restored.stderr);
    const report = JSON.parse(restored.stdout) as { consistency: { ok: boolean; integrity: string[]; identitiesMissingKeys: string[]; orphanKeys: number } };
    assert.deepEqual(report.consistency, { integrity: ['ok'], identitiesMissingKeys: [], orphanKeys: 0, ok: true });
    // A second restore over it needs --replace.
    assert.notEqual(signet(['admin', 'restore', backupFile, '--data-dir', target]).status, 0);
    assert.equal(signet(['admin', 'restore', backupFile, '--data-dir', target, '--replace']).status, 0);
    assert.ok(!existsSync(join(target, 'signet.db.restoring')));

    // The restored store answers the same tokens as the API gave when each identity was made.
    const copy = await startSignet(['--data-dir', target, '--dev', '--no-throttle', '--key-bits', '1024', '--key-pool-size', '0', '--log-level', 'warn']);
    try {
      const list = await callSigned(copy.url, 'Action=ListIdentities&Version=2010-12-01&IdentityType=Domain&MaxItems=1000', KEY);
      const domains = [...list.body.matchAll(/<member>([^<]+)<\/member>/g)].map((m) => m[1]!);
      assert.ok(domains.length >= 5, `${domains.length} domains in the backup`);
      const dnsPort = Number(/signet dns listening on \S+:(\d+)/.exec(copy.output())![1]);
      for (const domain of domains) {
        assert.ok(created.has(domain), `${domain} was made by the writers`);
        const attrs = await callSigned(copy.url, `Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=${domain}`, KEY);
        assert.deepEqual(tokensIn(attrs.body).sort(), [...created.get(domain)!].sort(), domain);
      }
      // And DNS serves their keys (the sealed private keys opened with the copied master key is the
      // signing path; the public halves are what DNS answers).
      const first = domains[0]!;
      const zone = /signet dns listening on \S+ \(.*\) for (\S+)/.exec(copy.output())![1]!;
      const answer = await queryTxt(dnsPort, `${created.get(first)![0]}.${zone}`);
      assert.equal(answer.rcode, 'NOERROR');
      assert.match(answer.texts.join(''), /^v=DKIM1; k=rsa; p=/);
    } finally {
      assert.equal(await copy.stop(), 0);
    }
  });

  it('admin rebuild-dns-keys mends a DNS key table that admin status --check finds wrong, and DNS answers again', async () => {
    const dataDir = join(dir.path, 'rebuild');
    const made = signet(['ses', 'verify-domain-dkim', '--domain', 'rebuild.example'], { SIGNET_DATA_DIR: dataDir, SIGNET_KEY_BITS: '1024' });
    assert.equal(made.status, 0, made.stderr);
    const tokens = (JSON.parse(made.stdout) as { DkimTokens: string[] }).DkimTokens;
    assert.equal(tokens.length, 3);
    const raw = new BetterSqlite3(join(dataDir, SQLITE_FILE));
    try {
      raw.prepare('DELETE FROM dkim_key_slots WHERE token = ?').run(tokens[0]);
      raw.exec('DROP TRIGGER dkim_key_slots_insert');
    } finally {
      raw.close();
    }
    const broken = signet(['admin', 'status', '--check', '--data-dir', dataDir]);
    assert.equal(broken.status, 1, broken.stderr);
    assert.deepEqual(JSON.parse(broken.stdout).store.consistency.integrity, [
      'dkim_key_slots: 1 keys have no slot (DNS would not answer them)',
      'dkim_key_slots: 1 of its triggers on dkim_keys are missing',
    ]);

    const rebuilt = signet(['admin', 'rebuild-dns-keys', '--data-dir', dataDir]);
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.deepEqual(JSON.parse(rebuilt.stdout), {
      rebuilt: true,
      slots: 3,
      consistency: { integrity: ['ok'], identitiesMissingKeys: [], orphanKeys: 0, ok: true },
    });
    assert.equal(signet(['admin', 'status', '--check', '--data-dir', dataDir]).status, 0);
    // The insert trigger is back: a new domain's keys get their slots.
    const other = signet(['ses', 'verify-domain-dkim', '--domain', 'after.example'], { SIGNET_DATA_DIR: dataDir, SIGNET_KEY_BITS: '1024' });
    assert.equal(other.status, 0, other.stderr);
    assert.equal(signet(['admin', 'status', '--check', '--data-dir', dataDir]).status, 0);
    // DNS answers the key the table had lost, and the new ones. One key in the DNS cache (the newest,
    // loaded at start), so that the lost one is read through the rebuilt table.
    const server = await startSignet(['--data-dir', dataDir, '--dev', '--no-throttle', '--key-pool-size', '0', '--dns-cache-keys', '1', '--log-level', 'warn']);
    try {
      const dnsPort = Number(/signet dns listening on \S+:(\d+)/.exec(server.output())![1]);
      const zone = /signet dns listening on \S+ \(.*\) for (\S+)/.exec(server.output())![1]!;
      for (const token of [tokens[0]!, ...(JSON.parse(other.stdout) as { DkimTokens: string[] }).DkimTokens]) {
        const answer = await queryTxt(dnsPort, `${token}.${zone}`);
        assert.equal(answer.rcode, 'NOERROR', token);
        assert.match(answer.texts.join(''), /^v=DKIM1; k=rsa; p=/);
      }
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it(
    'on PostgreSQL, backup and restore point to pg_dump and pg_restore, and rebuild-dns-keys says there is no table, each exiting non-zero',
    peerOrSkip('PostgreSQL', url, `no PostgreSQL at ${POSTGRES_URL}`),
    async () => {
      const schema = freshSchema('signet_backup');
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`create schema "${schema}"`);
      await admin.end();
      try {
        const databaseUrl = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
        const env = { SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
        const file = join(dir.path, 'pg-backup.db');
        const backup = signet(['admin', 'backup', file, '--database', databaseUrl, '--data-dir', join(dir.path, 'pg')], env);
        assert.equal(backup.status, 253, backup.stderr);
        assert.match(backup.stderr, /PostgreSQL: back it up with its own tools, e\.g\. pg_dump/);
        assert.ok(!existsSync(file));
        const restore = signet(['admin', 'restore', file, '--database', databaseUrl, '--data-dir', join(dir.path, 'pg')], env);
        assert.equal(restore.status, 253);
        assert.match(restore.stderr, /pg_restore/);
        const rebuild = signet(['admin', 'rebuild-dns-keys', '--database', databaseUrl, '--data-dir', join(dir.path, 'pg')], env);
        assert.equal(rebuild.status, 253, rebuild.stderr);
        assert.match(rebuild.stderr, /PostgreSQL: its DNS key reads use an index PostgreSQL keeps itself/);
        const status = signet(['admin', 'status', '--database', databaseUrl, '--data-dir', join(dir.path, 'pg')], env);
        assert.equal(status.status, 0, status.stderr);
        assert.equal(JSON.parse(status.stdout).store.engine, 'postgresql');
        assert.doesNotMatch(status.stdout, /password/);
      } finally {
        await dropSchemas();
      }
    },
  );
});
