import type { Kysely } from 'kysely';
import type { DnsKeyStore, KeyZoneChanges, PublishedKey } from '../app/detection-ports.ts';
import { preparedQuery } from './prepared-query.ts';
import type { Database } from './schema.ts';

const findKeyQuery = preparedQuery((db: Kysely<Database>, token: string) =>
  db.selectFrom('dkim_keys').select(['token', 'public_key']).where('token', '=', token),
);

/**
 * The key zone as the DNS server and `signet dns export` read it, and its change feed (kept by the
 * triggers of migration 0002 in every transaction that writes dkim_keys, whichever process runs it).
 */
export class KyselyDnsKeyStore implements DnsKeyStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async findKey(token: string): Promise<PublishedKey | null> {
    // Every DNS question for a key not in the cache comes here: compiled once (see preparedQuery).
    const [row] = await findKeyQuery(this.#db, token);
    return row ? { token: row.token, publicKey: row.public_key } : null;
  }

  async recentKeys(limit: number): Promise<PublishedKey[]> {
    const rows = await this.#db.selectFrom('dkim_keys').select(['token', 'public_key']).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ token: r.token, publicKey: r.public_key }));
  }

  async listKeys(after: number, limit: number): Promise<{ keys: PublishedKey[]; last: number }> {
    // A keyset walk of the primary key: each page is a range of the table itself, read in order.
    const rows = await this.#db.selectFrom('dkim_keys').select(['id', 'token', 'public_key']).where('id', '>', after).orderBy('id').limit(limit).execute();
    return {
      keys: rows.map((r) => ({ token: r.token, publicKey: r.public_key })),
      last: rows.length > 0 ? Number(rows[rows.length - 1]!.id) : after,
    };
  }

  async keyZoneSeq(): Promise<number> {
    const row = await this.#db.selectFrom('key_zone_version').select('seq').where('id', '=', 1).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  async keyZoneChangesSince(seq: number, limit: number): Promise<KeyZoneChanges> {
    const rows = await this.#db.selectFrom('key_zone_changes').select(['seq', 'token']).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    if (rows.length === 0) {
      // Nothing kept after `seq`: either nothing happened, or it was all pruned.
      const now = await this.keyZoneSeq();
      return { seq: now, tokens: [], reset: now > seq };
    }
    // Sequence numbers have no gaps (one counter row, see migration 0002): a gap means pruned changes.
    const first = Number(rows[0]!.seq);
    return {
      seq: Number(rows[rows.length - 1]!.seq),
      tokens: rows.map((r) => r.token),
      reset: first !== seq + 1,
    };
  }
}
