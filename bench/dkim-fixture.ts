import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { dkimTokenFromBytes } from '../src/core/index.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { openSqliteStore } from '../src/storage/sqlite/open-sqlite-store.ts';

export interface FixtureDomain {
  readonly domain: string;
  readonly tokens: readonly string[];
}

/**
 * A data folder holding `count` domains with three keys each, written straight into SQLite: the
 * benchmarks measure DNS and detection, not RSA generation (10,000 domains would take an hour of
 * CPU). Every key row carries the same real 2048-bit public key, so answers have their real size.
 */
export async function writeDkimFixture(dataDir: string, count: number, domainOf: (i: number) => string): Promise<FixtureDomain[]> {
  const store = await openSqliteStore(join(dataDir, SQLITE_FILE));
  await store.close();
  const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const db = new BetterSqlite3(join(dataDir, SQLITE_FILE));
  const now = Date.now();
  const out: FixtureDomain[] = [];
  const insertIdentity = db.prepare(
    `INSERT INTO identities (account_id, region, name, kind, verification_status, verification_token, dkim_enabled, dkim_status, created_at)
     VALUES ('000000000000', 'us-east-1', ?, 'Domain', 'Pending', ?, 1, 'Pending', ?) RETURNING id`,
  );
  const insertKey = db.prepare(
    `INSERT INTO dkim_keys (identity_id, token, position, bits, public_key, sealed_private_key, state, created_at, published_at, activated_at)
     VALUES (?, ?, ?, 2048, ?, 'v1:not-a-real-sealed-key', ?, ?, ?, ?)`,
  );
  // The key ring's row (migration 0011), as createDomainDkim writes it.
  const insertRing = db.prepare(`INSERT INTO dkim_key_rings (identity_id, next_bits, last_generated_at, due_at) VALUES (?, 2048, ?, NULL)`);
  const roles = ['active', 'next', 'previous'] as const;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const domain = domainOf(i);
      const { id } = insertIdentity.get(domain, randomBytes(32).toString('base64'), now) as { id: number };
      const tokens = [0, 1, 2].map(() => dkimTokenFromBytes(randomBytes(20)));
      tokens.forEach((token, position) => insertKey.run(id, token, position, publicKey, roles[position]!, now, now, position === 0 ? now : null));
      insertRing.run(id, now);
      out.push({ domain, tokens });
    }
  })();
  db.close();
  return out;
}
