// Runs every test file with Node's built-in test runner and the tsx loader (TypeScript without a
// separate compile step). Node 20's `--test` does not expand globs, so the files are listed here:
// unit tests beside the code (src/**/*.test.ts) and cross-module suites (test/**/*.test.ts).
// `npm test -- name` runs only files whose path contains `name`. The unit tests beside the code run
// in a single process (one entry importing them all): each process pays about a second of CPU to
// load tsx, Kysely and better-sqlite3, which was most of the cost of the fast unit tests. The
// cross-module suites under test/ keep a process each (they start servers and peers). `--one-process`
// runs every matched file in one process (`npm run test:fast`: the unit tests alone).
// Before the tests: the typecheck, the import-graph check, then Biome's linter and formatter check
// (`biome ci`, configured in biome.jsonc; `npm run format` fixes the formatting); `--no-lint` skips Biome.
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

const args = process.argv.slice(2);
const lint = !args.includes('--no-lint');
const oneProcess = args.includes('--one-process');
const filters = args.filter((a) => a !== '--no-lint' && a !== '--one-process');
const files = [...findTests('src'), ...findTests('test')].filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const typecheck = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);
// The import graph between src/ folders: no cycles, and only the imports ARCHITECTURE.md allows.
const imports = spawnSync(process.execPath, ['scripts/check-imports.mjs'], { stdio: 'inherit' });
if (imports.status !== 0) process.exit(imports.status ?? 1);
if (lint) {
  // Warnings fail the run too: a rule the project does not want is turned off in biome.jsonc, with the reason.
  const biome = spawnSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'ci', '--error-on-warnings'], { stdio: 'inherit' });
  if (biome.status !== 0) {
    console.error('lint or format check failed: see above (`npm run format` rewrites the formatting; `npm run lint` lists the findings)');
    process.exit(biome.status ?? 1);
  }
}
const entryDir = mkdtempSync(join(tmpdir(), 'signet-tests-'));
/** One test file that imports `group`, so that the runner gives them one process. */
function together(group, name) {
  if (group.length <= 1) return group;
  const entry = join(entryDir, `${name}.test.mjs`);
  writeFileSync(entry, group.map((f) => `import ${JSON.stringify(pathToFileURL(resolve(f)).href)};\n`).join(''));
  return [entry];
}
const testFiles = oneProcess
  ? together(files, 'all')
  : [
      ...together(
        files.filter((f) => f.startsWith('src')),
        'unit-tests-beside-the-code',
      ),
      ...files.filter((f) => !f.startsWith('src')),
    ];
// A file that hangs (a server that never answers, a promise that never settles) is cancelled after 15
// minutes and reported as failed, with the rest of the suite still run: without a bound, one hang held
// CI until its 90-minute limit and printed nothing about where. No file comes near it (the longest
// take about 2 minutes on CI's two cores). On Node 20 the runner applies it to each file as a whole.
const FILE_TIMEOUT_MS = 15 * 60 * 1000;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${FILE_TIMEOUT_MS}`, '--test-reporter=spec', ...testFiles],
  { stdio: 'inherit' },
);
rmSync(entryDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
