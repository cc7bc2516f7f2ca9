/**
 * The outbox's add rate: `--writers` concurrent callers of the store's `outbox.add` on a fresh SQLite
 * store, `--messages` in all, alternated `--runs` times with the same loop on the source tree of
 * another checkout (`--other DIR`, e.g. a `git worktree` of the commit before migration 0020), so the
 * cost of what a send writes besides the message (0020's per-minute counts) is measured in one run.
 *
 *   node --import tsx bench/outbox-add-rate.ts [--other DIR] [--messages 3000] [--writers 8] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, median } from './stats.ts';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    messages: { type: 'string', default: '3000' },
    writers: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
  },
});
const MESSAGES = Number(values.messages);
const WRITERS = Number(values.writers);
const RUNS = Number(values.runs);
const here = resolve(import.meta.dirname, '..');

/** Messages a second that `WRITERS` callers add through the store of the tree at `root`. */
async function addRate(root: string): Promise<number> {
  const { openSqliteStorage } = await import(join(root, 'src/storage/sqlite/open-sqlite-store.ts'));
  const dir = mkdtempSync(join(tmpdir(), 'signet-add-bench-'));
  const storage = await openSqliteStorage(join(dir, 'signet.db'));
  try {
    const raw = Buffer.alloc(3000, 'x');
    let next = 0;
    const started = performance.now();
    const writer = async () => {
      while (next < MESSAGES) {
        const i = next++;
        await storage.outbox.add({
          messageId: `m${i}`,
          scope: { accountId: '111111111111', region: 'us-east-1' },
          kind: 'raw',
          source: 's@example.com',
          envelopeFrom: 's@example.com',
          recipients: ['a@dest.example'],
          simulated: [],
          subject: 'x',
          simple: null,
          tags: [],
          raw,
          signature: null,
          unsignedReason: null,
          delivery: 'pending',
          createdAt: Date.now(),
        });
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    return MESSAGES / ((performance.now() - started) / 1000);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const current: number[] = [];
const other: number[] = [];
for (let run = 0; run < RUNS; run++) {
  current.push(await addRate(here));
  if (values.other !== undefined) other.push(await addRate(resolve(values.other)));
}
const list = (rates: number[]) => rates.map((r) => fmt(r, 0)).join(', ');
console.log(`${MESSAGES} messages, ${WRITERS} writers, ${RUNS} runs${values.other !== undefined ? ' each, alternated' : ''}:`);
console.log(`this build: ${list(current)} adds/s; median ${fmt(median(current), 0)}`);
if (values.other !== undefined) {
  console.log(`${values.other}: ${list(other)} adds/s; median ${fmt(median(other), 0)}`);
  console.log(`ratio (this build / other): ${fmt(median(current) / median(other), 2)}x`);
}
