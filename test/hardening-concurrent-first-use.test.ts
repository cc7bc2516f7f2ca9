/**
 * Issue 14, finding 12: parallel CI jobs sharing a HOME start `signet ses` at once on a fresh data
 * folder. Every process must migrate the same SQLite file and agree on one master key; before the
 * fix 2 of 8 failed with `table "accounts" already exists` (migrations were not serialized across
 * processes) and two could each write their own master.key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSignet, type RunResult } from './helpers/cli-golden.ts';
import { SIGNET_BIN } from './helpers/signet-server.ts';

const PROCESSES = 8;
const ROUNDS = 3;

/**
 * Starts `signet` PROCESSES times, each held at a shell `read` until every one is spawned, then
 * released together: spawning one by one would stagger them by the cost of a spawn, hiding the race.
 */
async function startTogether(argv: readonly string[], env: Record<string, string>, cwd: string): Promise<RunResult[]> {
  const children = Array.from({ length: PROCESSES }, () =>
    spawn('/bin/sh', ['-c', 'read go && exec "$0" "$@"', process.execPath, SIGNET_BIN, ...argv], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const done = children.map(
    (child) =>
      new Promise<RunResult>((resolve) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (c: Buffer) => out.push(c));
        child.stderr.on('data', (c: Buffer) => err.push(c));
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ status: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
        });
      }),
  );
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(done);
}

test(`${PROCESSES} signet ses processes started at once on a fresh data folder all succeed with the same tokens`, async () => {
  // A few rounds, each on a fresh folder: the race is lost often but not every time.
  for (let round = 0; round < ROUNDS; round++) await oneRound();
});

async function oneRound(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'signet-first-use-'));
  try {
    const dataDir = join(home, 'data');
    // Nothing AWS-related: no endpoint, so every process serves itself from the data folder.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, SIGNET_DATA_DIR: dataDir, LC_ALL: 'C.UTF-8', SIGNET_KEY_BITS: '1024' };
    const argv = ['ses', 'verify-domain-dkim', '--domain', 'example.com'];
    const results = await startTogether(argv, env, home);
    const tokens = new Set<string>();
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 0, `process ${i} exited ${r.status}: ${r.stderr}`);
      const parsed = JSON.parse(r.stdout.toString()) as { DkimTokens: string[] };
      assert.equal(parsed.DkimTokens.length, 3);
      tokens.add(JSON.stringify(parsed.DkimTokens));
    }
    assert.equal(tokens.size, 1, `every process prints the same three tokens, got ${[...tokens].join(' | ')}`);
    // One master key, written whole, that every process used (a later run opens the store with it).
    assert.match(readFileSync(join(dataDir, 'master.key'), 'utf8'), /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600);
    const again = await runSignet(argv, env, home);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.stringify((JSON.parse(again.stdout.toString()) as { DkimTokens: string[] }).DkimTokens), [...tokens][0]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
