// Prints the import graph between the folders of src/ and fails (exit 1) on a cycle between folders or
// on an import that the layering in ARCHITECTURE.md does not allow. The allowed edges are read from the
// fenced block after the line `<!-- layering -->` there (`folder: allowed, folders`), so the document
// and the check cannot drift apart. Type-only imports count: a cycle of types is still a cycle to read.
// Run by `npm test`; `node scripts/check-imports.mjs --graph` prints the graph only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

function files(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...files(path));
    else if (/\.ts$/.test(entry) && !/\.test\.ts$/.test(entry)) out.push(path);
  }
  return out;
}

/** The folder directly under src/ that a file belongs to. */
const folderOf = (file) => relative(src, file).split(sep)[0];

function readLayering() {
  const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
  const block = /<!-- layering -->\s*```[a-z]*\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error('ARCHITECTURE.md has no <!-- layering --> block');
  const allowed = new Map();
  for (const line of block[1].split('\n')) {
    const m = /^\s*([a-z-]+):\s*(.*?)\s*(#.*)?$/.exec(line);
    if (m) allowed.set(m[1], new Set(m[2].split(/[\s,]+/).filter(Boolean)));
  }
  return allowed;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const edges = new Map(); // "a -> b" -> example "file -> spec"
for (const file of files(src)) {
  const from = folderOf(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(src + sep)) continue;
    const to = folderOf(target);
    if (to === from) continue;
    const key = `${from} -> ${to}`;
    if (!edges.has(key)) edges.set(key, `${relative(root, file)} imports ${spec}`);
  }
}

const graph = new Map();
for (const key of edges.keys()) {
  const [a, b] = key.split(' -> ');
  if (!graph.has(a)) graph.set(a, new Set());
  graph.get(a).add(b);
}
const folders = [...new Set([...graph.keys(), ...[...graph.values()].flatMap((s) => [...s])])].sort();
console.log('import graph of src/ (folder -> folders it imports):');
for (const f of folders) console.log(`  ${f.padEnd(10)} -> ${[...(graph.get(f) ?? [])].sort().join(', ') || '(nothing)'}`);
if (process.argv.includes('--graph')) process.exit(0);

const problems = [];
const layering = readLayering();
for (const [key, example] of edges) {
  const [a, b] = key.split(' -> ');
  if (!layering.has(a)) problems.push(`${a}/ is not in ARCHITECTURE.md's layering (${example})`);
  else if (!layering.get(a).has(b)) problems.push(`${a} -> ${b} is against the layering: ${example}`);
}
// Cycles between folders (depth-first search over the folder graph).
const state = new Map();
const stack = [];
function visit(f) {
  state.set(f, 'open');
  stack.push(f);
  for (const g of graph.get(f) ?? []) {
    if (state.get(g) === 'open') problems.push(`cycle: ${[...stack.slice(stack.indexOf(g)), g].join(' -> ')}`);
    else if (!state.has(g)) visit(g);
  }
  stack.pop();
  state.set(f, 'done');
}
for (const f of folders) if (!state.has(f)) visit(f);
if (problems.length > 0) {
  console.error(`\n${problems.length} import problem(s):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('no cycles; every import follows the layering in ARCHITECTURE.md');
