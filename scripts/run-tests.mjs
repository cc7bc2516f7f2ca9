// Runs every test file with Node's built-in test runner and the tsx loader (TypeScript without a
// separate compile step). Node 20's `--test` does not expand globs, so the files are listed here:
// unit tests beside the code (src/**/*.test.ts) and cross-module suites (test/**/*.test.ts).
// `npm test -- name` runs only files whose path contains `name`. `--one-process` runs the matched
// files in a single process (one entry importing them all): each process pays about a second of CPU
// to load tsx, Kysely and better-sqlite3, which is most of the cost of the fast unit tests
// (`npm run test:fast`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const oneProcess = process.argv.includes('--one-process');
const filters = process.argv.slice(2).filter((a) => a !== '--one-process');
const files = [...findTests('src'), ...findTests('test')]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const typecheck = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);
let entryDir = null;
let testFiles = files;
if (oneProcess) {
  entryDir = mkdtempSync(join(tmpdir(), 'signet-tests-'));
  const entry = join(entryDir, 'all.test.mjs');
  writeFileSync(entry, files.map((f) => `import ${JSON.stringify(pathToFileURL(resolve(f)).href)};\n`).join(''));
  testFiles = [entry];
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...testFiles],
  { stdio: 'inherit' },
);
if (entryDir !== null) rmSync(entryDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
