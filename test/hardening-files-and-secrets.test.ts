/**
 * Issue 14, finding 10 (the parts about files and secrets): the bootstrap secret is shown on stderr
 * and in the credentials file only, never in the JSON log stream on stdout; the store's files are
 * private; a master key others may read, a data folder others may write, or a missing master key
 * beside a store it sealed stop the start with a message saying what to do; `--max-24-hour-send -1`
 * is accepted as the usage shows it.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { coreConfig } from '../src/config/config.ts';
import { createSignet, systemRuntime } from '../src/main/signet.ts';
import { runSignet } from './helpers/cli-golden.ts';
import { callSigned } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const SERVE = ['--key-bits', '1024', '--key-pool-size', '0', '--no-throttle'];

describe('signet serve: the bootstrap secret and the store files', () => {
  const data = tempDir('hardening-files');
  let server: RunningSignet;

  before(async () => {
    server = await startSignet(['--data-dir', data.path, ...SERVE, '--max-24-hour-send', '-1']);
  });
  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('prints the secret on stderr and in the credentials file, never on stdout', () => {
    const created = server.credentials;
    assert.ok(created, `the first start creates an account:\n${server.output()}`);
    assert.ok(server.stderr().includes(created.secretAccessKey));
    assert.ok(!server.stdout().includes(created.secretAccessKey), 'the secret is not in the log stream');
    assert.match(server.stdout(), /^signet listening on http:\/\/127\.0\.0\.1:\d+$/m, 'the listening line stays on stdout');
    assert.ok(readFileSync(join(data.path, 'credentials'), 'utf8').includes(created.secretAccessKey));
  });

  it('keeps signet.db, its WAL files and master.key readable by the owner only', () => {
    for (const name of ['signet.db', 'signet.db-wal', 'signet.db-shm', 'master.key', 'credentials']) {
      const path = join(data.path, name);
      assert.ok(existsSync(path), `${name} exists while the server runs`);
      assert.equal((statSync(path).mode & 0o777).toString(8), '600', name);
    }
    assert.equal(statSync(data.path).mode & 0o022, 0, 'the data folder is not writable by others');
  });

  it('accepts --max-24-hour-send -1 (unlimited), as its usage shows', async () => {
    const r = await callSigned(server.url, 'Action=GetSendQuota&Version=2010-12-01', server.credentials!);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<Max24HourSend>-1(\.0)?<\/Max24HourSend>/);
  });
});

describe('refusing to start on loose permissions or a lost master key', () => {
  const env = (dir: string) => ({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    SIGNET_DATA_DIR: join(dir, 'data'),
    SIGNET_KEY_BITS: '1024',
    LC_ALL: 'C.UTF-8',
  });
  const argv = ['ses', 'list-identities'];

  it('refuses a master.key readable by others and says which chmod fixes it', async () => {
    const home = tempDir('hardening-key-mode');
    try {
      assert.equal((await runSignet(argv, env(home.path), home.path)).status, 0);
      const key = join(home.path, 'data', 'master.key');
      chmodSync(key, 0o644);
      const r = await runSignet(argv, env(home.path), home.path);
      // The command line reports it as it reports any failure to reach its service (exit 255).
      assert.equal(r.status, 255, r.stderr);
      assert.equal(
        r.stderr.trim(),
        `permissions 0644 for ${key} are too open: it holds the master key and must be readable by its owner only. Fix: chmod 600 ${key}`,
      );
      chmodSync(key, 0o600);
      assert.equal((await runSignet(argv, env(home.path), home.path)).status, 0);
    } finally {
      home.remove();
    }
  });

  it('refuses a data folder writable by others and says which chmod fixes it', async () => {
    const home = tempDir('hardening-dir-mode');
    try {
      assert.equal((await runSignet(argv, env(home.path), home.path)).status, 0);
      const dir = join(home.path, 'data');
      chmodSync(dir, 0o777);
      const r = await runSignet(argv, env(home.path), home.path);
      assert.equal(r.status, 255, r.stderr);
      assert.equal(
        r.stderr.trim(),
        `permissions 0777 for the data folder ${dir} are too open: others could replace its store or master key. Fix: chmod go-w ${dir}`,
      );
      // signet serve says it in one line and exits 253, as for any configuration error.
      const serve = await runSignet(
        ['serve', '--port', '0', '--dns-port', '0', '--dkim-zone', 'dkim.signet.test', '--no-detection'],
        env(home.path),
        home.path,
        30_000,
      );
      assert.equal(serve.status, 253, serve.stderr);
      assert.equal(
        serve.stderr,
        `signet: permissions 0777 for the data folder ${dir} are too open: others could replace its store or master key. Fix: chmod go-w ${dir}\n`,
      );
    } finally {
      home.remove();
    }
  });

  it('makes no new master.key when the store was sealed with the missing one', async () => {
    const home = tempDir('hardening-lost-key');
    try {
      const config = coreConfig({ dataDir: join(home.path, 'data'), keyBits: '1024' }, {});
      const first = await createSignet(config, systemRuntime);
      await first.close();
      const key = join(config.dataDir, 'master.key');
      unlinkSync(key);
      await assert.rejects(createSignet(config, systemRuntime), (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(
          err.message,
          /master\.key is missing, but the store in .* holds secrets sealed with a master key: restore that master\.key \(or set SIGNET_MASTER_KEY to it\)/,
        );
        return true;
      });
      assert.ok(!existsSync(key), 'no new key was written');
    } finally {
      home.remove();
    }
  });
});
