// Runs every test file with Node's built-in test runner and the tsx loader (TypeScript without a
// separate compile step). Node 20's `--test` does not expand globs, so the files are listed here:
// unit tests beside the code (src/**/*.test.ts) and cross-module suites (test/**/*.test.ts).
// `npm test -- name` runs only files whose path contains `name`. Before the tests: the typecheck,
// then Biome's linter and formatter check (`biome ci`, configured in biome.json; `npm run format`
// fixes the formatting); `--no-lint` skips Biome, for a quick run on a tree being merged.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
const filters = args.filter((a) => a !== '--no-lint');
const files = [...findTests('src'), ...findTests('test')]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const typecheck = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);
if (lint) {
  // Warnings fail the run too: a rule the project does not want is turned off in biome.json, with the reason.
  const biome = spawnSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'ci', '--error-on-warnings'], { stdio: 'inherit' });
  if (biome.status !== 0) {
    console.error('lint or format check failed: see above (`npm run format` rewrites the formatting; `npm run lint` lists the findings)');
    process.exit(biome.status ?? 1);
  }
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
