/**
 * What keeps the embedded command line's start short (bench/embedded-startup.mjs measures it) without
 * weakening it: a call on an existing domain runs without loading node:crypto (scripts/build.mjs
 * loads it on first use in dist/embedded.cjs), and the master-key check that no longer opens a sealed
 * value still refuses a key other than the store's, on stores made before its fingerprint too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runSignet } from './helpers/cli-golden.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';

const dir = mkdtempSync(join(tmpdir(), 'signet-embedded-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function env(data: string, masterKey?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    SIGNET_DATA_DIR: join(dir, data),
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...(masterKey ? { SIGNET_MASTER_KEY: masterKey } : {}),
    ...extra,
  };
}

const VERIFY = ['ses', 'verify-domain-dkim', '--domain', 'example.com'];

describe('the embedded command line', () => {
  it('answers a second call on a domain without loading node:crypto, with the same tokens', async () => {
    const first = await runSignet(VERIFY, env('plain'), dir);
    assert.equal(first.status, 0, first.stderr);
    // A preload that writes the built-in modules the process loaded, when it exits.
    const preload = join(dir, 'modules-at-exit.cjs');
    const list = join(dir, 'modules.txt');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const second = await runSignet(VERIFY, env('plain', undefined, { NODE_OPTIONS: `--require ${preload}` }), dir);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.toString(), first.stdout.toString());
    const modules = readFileSync(list, 'utf8').split('\n');
    assert.ok(modules.includes('NativeModule vm'), 'the preload saw the bundle load');
    assert.ok(!modules.includes('NativeModule crypto'), 'node:crypto was loaded');
  });

  it('refuses a master key other than the store one, by fingerprint and on a store made before fingerprints', async () => {
    const keyA = randomBytes(32).toString('base64');
    const keyB = randomBytes(32).toString('base64');
    const made = await runSignet(VERIFY, env('keys', keyA), dir);
    assert.equal(made.status, 0, made.stderr);
    const refused = await runSignet(VERIFY, env('keys', keyB), dir);
    assert.equal(refused.status, 255);
    assert.match(refused.stderr, /the master key does not open this store/);

    // A store from before the fingerprint holds only the sealed check value: that decides.
    const db = new BetterSqlite3(join(dir, 'keys', SQLITE_FILE));
    const fingerprint = (db.prepare(`SELECT value FROM settings WHERE name = 'master_key_fingerprint'`).get() as { value: string }).value;
    db.prepare(`DELETE FROM settings WHERE name = 'master_key_fingerprint'`).run();
    try {
      const refusedBefore = await runSignet(VERIFY, env('keys', keyB), dir);
      assert.equal(refusedBefore.status, 255);
      assert.match(refusedBefore.stderr, /the master key does not open this store/);
      assert.equal((db.prepare(`SELECT count(*) AS n FROM settings WHERE name = 'master_key_fingerprint'`).get() as { n: number }).n, 0);
      const accepted = await runSignet(VERIFY, env('keys', keyA), dir);
      assert.equal(accepted.status, 0, accepted.stderr);
      assert.equal(accepted.stdout.toString(), made.stdout.toString());
      // ...and the right key's fingerprint is recorded again.
      const again = db.prepare(`SELECT value FROM settings WHERE name = 'master_key_fingerprint'`).get() as { value: string } | undefined;
      assert.equal(again?.value, fingerprint);
    } finally {
      db.close();
    }
  });
});
