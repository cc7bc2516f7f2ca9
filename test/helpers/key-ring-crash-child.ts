/**
 * The process test/key-ring-crash.test.ts kills: it rotates every domain's keys over and over on a
 * data folder's SQLite file, each step in its own transaction (the key-ring use case and store of the
 * server), with a fast clock (a real millisecond is 10 s of service time, so TTLs and retentions pass
 * in a test's time) and placeholder pool keys (no signing happens here; DNS serves what the store holds).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { advanceDueKeyRings, type KeyRingDeps } from '../../src/app/key-ring.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open-sqlite-store.ts';

const [dir] = process.argv.slice(2);
const storage = await openSqliteStorage(join(dir!, 'signet.db'));
const scope = { accountId: '111111111111', region: 'us-east-1' };
const clock = { now: () => Date.now() * 10_000 };
const poolKey = (bits: number) => ({ bits, publicKey: randomBytes(24).toString('base64'), sealedPrivateKey: 'placeholder', createdAt: clock.now() });
const deps: KeyRingDeps = {
  rings: storage.keyRings,
  clock,
  policy: { ttlMs: 3600_000, feedLagMs: 1000, retentionMs: 2 * 3600_000, intervalMs: 3 * 3600_000 },
  wantKeys: (bits, count) => void storage.store.addPoolKeys(Array.from({ length: count }, () => poolKey(bits))),
};
const domains = Number(process.argv[3] ?? 20);
for (let i = 0; i < domains; i++) {
  await storage.store.addPoolKeys([poolKey(2048), poolKey(2048), poolKey(2048)]);
  await storage.store.createDomainDkim(scope, {
    domain: `crash-${i}.example.com`,
    tokens: [0, 1, 2].map((p) => `c${i}x${p}`.padEnd(32, 'q')),
    verificationToken: 'vt',
    keyBits: 2048,
    now: clock.now(),
  });
}
process.stdout.write('ready\n');
for (let round = 0; ; round++) {
  // Some rotations on demand and some length changes, beside the schedule.
  const domain = `crash-${round % domains}.example.com`;
  if (round % 3 === 0) await deps.rings.requestRotation(scope, domain, clock.now());
  if (round % 7 === 0) await deps.rings.setNextKeyLength(scope, domain, round % 2 === 0 ? 1024 : 2048, clock.now(), () => {});
  await advanceDueKeyRings(deps, 50);
}
