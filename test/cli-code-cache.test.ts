/**
 * bin/signet loads dist/ses.cjs with V8's code cache that scripts/build.mjs writes (start-up budget of
 * `signet ses`, bench/cli-startup.mjs). These tests check that the build's cache belongs to the bundle
 * and that V8 accepts it (a rejected cache fails silently: the command works, only slower), and that a
 * cache made for another build is not used.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Script } from 'node:vm';

const root = resolve(import.meta.dirname, '..');
const bundle = join(root, 'dist', 'ses.cjs');

function buildIdOf(text: string): string {
  const m = /\/\/ signet-build ([0-9a-f]{64})\n$/.exec(text);
  assert.ok(m, 'dist/ses.cjs ends with its build id');
  return m[1]!;
}

test('the code cache carries the bundle build id and V8 accepts it', () => {
  const text = readFileSync(bundle, 'utf8');
  const id = buildIdOf(text);
  const cache = readFileSync(`${bundle}.v8cache`);
  assert.equal(cache.toString('latin1', 0, 64), id);
  // The wrapper bin/signet compiles; V8 checks the source length, so a different wrapper is refused too.
  const source = `(function (exports, require, module, __filename, __dirname, dynImp) {${text}\n})`;
  const script = new Script(source, { filename: bundle, cachedData: cache.subarray(64) });
  assert.equal(script.cachedDataRejected, false, 'V8 refused dist/ses.cjs.v8cache: bin/signet and scripts/build.mjs disagree');
  // Every import() of the bundle goes through bin/signet's loader (node:vm has none on Node 20).
  assert.doesNotMatch(text, /\bimport\(/);
});

test('the cache of an earlier build is not used for a new bundle of the same length', () => {
  // What V8 alone would get wrong: it checks only the source's length, so after a rebuild that left
  // the old cache behind it would run the old bundle's bytecode. bin/signet offers the cache only to
  // the build id it was made for.
  const dir = mkdtempSync(join(tmpdir(), 'signet-code-cache-'));
  try {
    cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const text = readFileSync(join(dir, 'dist', 'ses.cjs'), 'utf8');
    const id = buildIdOf(text);
    const rebuilt = text.replace('You must specify a region', 'You must specify a REGION').replace(id, id.replace(/^./, id[0] === '0' ? '1' : '0'));
    assert.equal(rebuilt.length, text.length);
    writeFileSync(join(dir, 'dist', 'ses.cjs'), rebuilt);
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'signet'), 'ses', 'get-send-quota', '--endpoint-url', 'http://127.0.0.1:9'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 253, r.stderr);
    assert.match(r.stderr, /You must specify a REGION/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
