/**
 * BENCHMARK FIXTURE (issue 17): fills a store with N domain identities at the store level, fast
 * enough for a million in minutes. Not a way to create identities: the application creates them
 * through VerifyDomainDkim, one transaction each, with freshly generated keys.
 *
 * What it writes is what the application writes, row for row (the storage layer's own schema types,
 * src/storage/schema.ts): `identities`, three `dkim_keys` per domain (position 0 active, the others
 * standby), `detection_checks` as the detection worker leaves them, the three CNAME results of the
 * last check in `detection_record_results`, and the key zone's change feed, which the triggers of
 * migration 0002 keep in the same transactions as on every key insert. Statuses are spread as a
 * platform has them: 90% Success (rechecked within the next hour, the default recheck interval),
 * 8% Pending (due within minutes), 2% Failed (no longer checked).
 *
 * Generating 3N RSA keys would take days on two cores, so the fixture seals copies of a small set of
 * real key pairs: every copy is sealed on its own (fresh IV) under its record's AAD, which is the
 * public key (secrets/secret-box.ts, dkimKeyContext), exactly as the key pool seals a new key. The
 * same public key thus appears under many tokens; DNS answers and sealed values keep their real size.
 *
 * It writes with raw Kysely, in bench/ only: the Store port has no bulk insert (the application has
 * no use for one), and one transaction per domain would take hours at 1M.
 *
 * Tokens and names are a function of the index (tokenOf, domainOf), so the benchmark can build DNS
 * query mixes and requests without keeping 3N strings in memory.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import { dkimTokenFromBytes } from '../src/core/index.ts';
import { dkimKeyContext, type SecretBox } from '../src/secrets/secret-box.ts';
import { KEY_ZONE_CHANGES_KEPT } from '../src/storage/migrations/0002-dkim-detection.ts';
import type { Database, DetectionChecksTable, DetectionRecordResultsTable, DkimKeysTable, IdentitiesTable, KeyPoolTable } from '../src/storage/schema.ts';

export const SCALE_ZONE = 'dkim.scale.test';
const HOUR = 3_600_000;

export function domainOf(i: number): string {
  return `d${i}.scale.test`;
}

/** The token of key `j` (domain j/3, position j%3): deterministic, so query files need no list. */
export function tokenOf(j: number): string {
  return dkimTokenFromBytes(createHash('sha1').update(`signet-scale:${j}`).digest());
}

/** The domain's verification token (as VerifyDomainIdentity makes them: 32 bytes, base64), by index. */
export function verificationTokenOf(i: number): string {
  return createHash('sha256').update(`signet-scale-v:${i}`).digest('base64');
}

export type SeedStatus = 'Success' | 'Pending' | 'Failed';

/** 90% Success, 8% Pending, 2% Failed, interleaved so that every page and range has all three. */
export function statusOf(i: number): SeedStatus {
  const r = i % 50;
  return r === 7 ? 'Failed' : r % 12 === 3 ? 'Pending' : 'Success';
}

export interface KeyPair {
  readonly publicKey: string;
  readonly privateKeyPem: string;
}

/** A few real 2048-bit pairs (as the server's default key size), shared by all the seeded tokens. */
export function makeKeyPairs(count: number, bits = 2048): KeyPair[] {
  return Array.from({ length: count }, () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: bits,
      publicExponent: 0x10001,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    return { publicKey: publicKey.toString('base64'), privateKeyPem: privateKey };
  });
}

export interface SeedOptions {
  readonly accountId: string;
  readonly region: string;
  readonly count: number;
  readonly box: SecretBox;
  readonly pairs: readonly KeyPair[];
  /** Domains per transaction. */
  readonly perTransaction?: number;
  /**
   * PostgreSQL: the key zone's row trigger is switched off for the fixture's own transactions and its
   * work done once per transaction instead (see journalInBulk). Per row, it updates one counter row per
   * key, and thousands of versions of one row in a transaction made 1M domains take hours.
   */
  readonly bulkKeyZoneJournal?: boolean;
  readonly now?: number;
  readonly onProgress?: (done: number) => void;
}

/** Multi-row inserts stay under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
function rowsPerInsert(columns: number): number {
  return Math.floor(30_000 / columns);
}

async function insertAll<T extends keyof Database>(db: Kysely<Database>, table: T, rows: readonly Insertable<Database[T]>[], columns: number): Promise<void> {
  const size = rowsPerInsert(columns);
  for (let i = 0; i < rows.length; i += size) {
    // biome-ignore lint/suspicious/noExplicitAny: Kysely's generic insert over a table chosen by parameter
    await (db.insertInto(table) as any).values(rows.slice(i, i + size)).execute();
  }
}

/** Seeds `count` domain identities; see the file comment. */
export async function seedDomains(db: Kysely<Database>, options: SeedOptions): Promise<void> {
  const per = options.perTransaction ?? 5000;
  const now = options.now ?? Date.now();
  const { box, pairs } = options;
  for (let start = 0; start < options.count; start += per) {
    const end = Math.min(options.count, start + per);
    await db.transaction().execute(async (trx) => {
      const identities: Insertable<IdentitiesTable>[] = [];
      for (let i = start; i < end; i++) {
        const status = statusOf(i);
        identities.push({
          account_id: options.accountId,
          region: options.region,
          name: domainOf(i),
          kind: 'Domain',
          verification_status: status === 'Success' ? 'Success' : 'Pending',
          verification_token: verificationTokenOf(i),
          dkim_enabled: 1,
          dkim_status: status,
          created_at: now - 7 * 24 * HOUR + i,
        });
      }
      const ids = new Map<string, number>();
      const size = rowsPerInsert(9);
      for (let k = 0; k < identities.length; k += size) {
        const rows = await trx
          .insertInto('identities')
          .values(identities.slice(k, k + size))
          .returning(['id', 'name'])
          .execute();
        for (const r of rows) ids.set(r.name, Number(r.id));
      }
      const keys: Insertable<DkimKeysTable>[] = [];
      const checks: Insertable<DetectionChecksTable>[] = [];
      const results: Insertable<DetectionRecordResultsTable>[] = [];
      for (let i = start; i < end; i++) {
        const id = ids.get(domainOf(i))!;
        const status = statusOf(i);
        const created = now - 7 * 24 * HOUR + i;
        for (let position = 0; position < 3; position++) {
          const j = i * 3 + position;
          const pair = pairs[j % pairs.length]!;
          const token = tokenOf(j);
          keys.push({
            identity_id: id,
            token,
            position,
            bits: 2048,
            public_key: pair.publicKey,
            sealed_private_key: box.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)),
            state: position === 0 ? 'active' : 'standby',
            created_at: created,
          });
          if (status !== 'Pending') {
            results.push({
              identity_id: id,
              name: `${token}._domainkey.${domainOf(i)}`,
              type: 'CNAME',
              verdict: status === 'Success' ? 'match' : 'missing',
              observed: status === 'Success' ? `${token}.${SCALE_ZONE}` : 'ENOTFOUND',
              checked_at: now - (i % HOUR),
            });
          }
        }
        // Success: rechecked hourly, so due times spread over the next hour; Pending: due within
        // minutes; Failed: detection is over (next_check_at null).
        checks.push({
          identity_id: id,
          dkim_started_at: created,
          dkim_last_found_at: status === 'Success' ? now - (i % HOUR) : null,
          dkim_grace_started_at: null,
          dkim_status_seen: status,
          next_check_at: status === 'Success' ? now + ((i * 7919) % HOUR) : status === 'Pending' ? now + ((i * 7919) % (15 * 60_000)) : null,
          claimed_until: null,
          last_checked_at: status === 'Pending' ? null : now - (i % HOUR),
        });
      }
      if (options.bulkKeyZoneJournal) {
        // ALTER TABLE inside the transaction: its lock keeps every other session out of dkim_keys
        // until the commit, so no other writer's key ever goes unjournaled.
        await sql`ALTER TABLE dkim_keys DISABLE TRIGGER dkim_keys_zone_changed`.execute(trx);
        await insertAll(trx, 'dkim_keys', keys, 8);
        await journalInBulk(trx, keys);
        await sql`ALTER TABLE dkim_keys ENABLE TRIGGER dkim_keys_zone_changed`.execute(trx);
      } else {
        await insertAll(trx, 'dkim_keys', keys, 8);
      }
      await insertAll(trx, 'detection_checks', checks, 8);
      await insertAll(trx, 'detection_record_results', results, 6);
    });
    options.onProgress?.(end);
  }
}

/**
 * What the key zone's trigger (PostgreSQL, migrations 0002 and 0012) leaves after inserting `keys` one
 * row at a time, done in three statements: the counter moves by one per key, each key gets its 'add'
 * change in insertion order, only the last KEY_ZONE_CHANGES_KEPT changes stay, one NOTIFY. So the
 * store is the one the application would have written: a DNS server's cache, `signet dns export` and
 * zone transfers read the same sequence and journal.
 */
async function journalInBulk(trx: Kysely<Database>, keys: readonly Insertable<DkimKeysTable>[]): Promise<void> {
  const n = keys.length;
  const { rows } = await sql<{ seq: string }>`UPDATE key_zone_version SET seq = seq + ${n} WHERE id = 1 RETURNING seq`.execute(trx);
  const last = Number(rows[0]!.seq);
  const kept = keys.slice(Math.max(0, n - KEY_ZONE_CHANGES_KEPT));
  const first = last - kept.length + 1;
  await insertAll(
    trx,
    'key_zone_changes',
    kept.map((k, i) => ({ seq: first + i, token: k.token, op: 'add', public_key: k.public_key })),
    4,
  );
  await sql`DELETE FROM key_zone_changes WHERE seq <= ${last - KEY_ZONE_CHANGES_KEPT}`.execute(trx);
  await sql`SELECT pg_notify('signet_key_zone', ${String(last)})`.execute(trx);
}

/** Ready keys in the pool, so that VerifyDomainDkim for new domains never waits for RSA generation. */
export async function seedPool(db: Kysely<Database>, box: SecretBox, pairs: readonly KeyPair[], count: number, now = Date.now()): Promise<void> {
  const rows: Insertable<KeyPoolTable>[] = [];
  for (let k = 0; k < count; k++) {
    const pair = pairs[k % pairs.length]!;
    rows.push({ bits: 2048, public_key: pair.publicKey, sealed_private_key: box.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)), created_at: now });
  }
  await insertAll(db, 'key_pool', rows, 4);
}
