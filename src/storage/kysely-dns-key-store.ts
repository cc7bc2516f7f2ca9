import type { Kysely } from 'kysely';
import type { DnsKeyStore, KeyZoneChanges, KeyZoneJournalEntry, KeyZoneSnapshot, PublishedKey } from '../app/detection-ports.ts';

/** An engine's synchronous key lookup (DnsKeyStore.findKeyNow) and its snapshot refresh (refreshKeyReads). */
export interface SyncKeyLookup {
  readonly find: (token: string) => PublishedKey | null;
  readonly refresh: () => void;
}
import { preparedQuery } from './prepared-query.ts';
import type { Database } from './schema.ts';

const findKeyQuery = preparedQuery((db: Kysely<Database>, token: string) =>
  db.selectFrom('dkim_keys').select(['token', 'public_key']).where('token', '=', token),
);

/** An engine's read of the keys of a list of tokens (DnsKeyStore.findKeys). */
export type KeysByTokens = (db: Kysely<Database>, tokens: readonly string[]) => Promise<Array<{ token: string; public_key: string }>>;

/** An IN list, one parameter a token: what every engine reads (SQLite has no array parameter). */
export const keysByInList: KeysByTokens = (db, tokens) => db.selectFrom('dkim_keys').select(['token', 'public_key']).where('token', 'in', tokens).execute();

/**
 * The key zone as the DNS server and `signet dns export` read it, and its change feed (kept by the
 * triggers of migration 0002 in every transaction that writes dkim_keys, whichever process runs it).
 */
export class KyselyDnsKeyStore implements DnsKeyStore {
  readonly #db: Kysely<Database>;
  readonly #keysByTokens: KeysByTokens;
  readonly findKeyNow?: (token: string) => PublishedKey | null;
  readonly refreshKeyReads?: () => void;
  readonly startKeyReads?: (onTrouble: (err: Error) => void) => () => void;

  /**
   * `keysNow`: the engine's synchronous point lookup, where it has one (see DnsKeyStore.findKeyNow);
   * `keysByTokens`: its batched read, where it has a better one than an IN list, and `startKeyReads`
   * where that read has a start and failures of its own (DnsKeyStore.startKeyReads).
   */
  constructor(
    db: Kysely<Database>,
    keysNow?: SyncKeyLookup | null,
    keysByTokens: KeysByTokens = keysByInList,
    startKeyReads?: (onTrouble: (err: Error) => void) => () => void,
  ) {
    this.#db = db;
    this.#keysByTokens = keysByTokens;
    if (startKeyReads) this.startKeyReads = startKeyReads;
    if (keysNow) {
      this.findKeyNow = keysNow.find;
      this.refreshKeyReads = keysNow.refresh;
    }
  }

  async findKey(token: string): Promise<PublishedKey | null> {
    // One key by its token (the DNS cache reads its misses with findKeys): compiled once (see preparedQuery).
    const [row] = await findKeyQuery(this.#db, token);
    return row ? { token: row.token, publicKey: row.public_key } : null;
  }

  async findKeys(tokens: readonly string[]): Promise<PublishedKey[]> {
    if (tokens.length === 0) return [];
    const rows = await this.#keysByTokens(this.#db, tokens);
    return rows.map((r) => ({ token: r.token, publicKey: r.public_key }));
  }

  async recentKeys(limit: number, before?: number): Promise<{ keys: PublishedKey[]; last: number }> {
    let query = this.#db.selectFrom('dkim_keys').select(['id', 'token', 'public_key']);
    if (before !== undefined) query = query.where('id', '<', before);
    const rows = await query.orderBy('id', 'desc').limit(limit).execute();
    return {
      keys: rows.map((r) => ({ token: r.token, publicKey: r.public_key })),
      last: rows.length > 0 ? Number(rows[rows.length - 1]!.id) : (before ?? 0),
    };
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

  async keyZoneJournal(seq: number, limit: number): Promise<KeyZoneJournalEntry[] | null> {
    // One statement, so one committed state: the counter row's lock orders commits by sequence
    // (migration 0002), so what it sees is a gap-free prefix of the history.
    const rows = await this.#db
      .selectFrom('key_zone_changes')
      .select(['seq', 'token', 'op', 'public_key'])
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    if (rows.length > limit) return null;
    if (rows.length === 0) return (await this.keyZoneSeq()) === seq ? [] : null;
    if (Number(rows[0]!.seq) !== seq + 1) return null;
    const entries: KeyZoneJournalEntry[] = [];
    for (const row of rows) {
      if ((row.op !== 'add' && row.op !== 'delete') || row.public_key === null) return null;
      entries.push({ seq: Number(row.seq), token: row.token, op: row.op, publicKey: row.public_key });
    }
    return entries;
  }

  /** Every published key, read a page at a time (a zone transfer is built whole, as its messages are). */
  async #allKeys(): Promise<PublishedKey[]> {
    const all: PublishedKey[] = [];
    for (let after = 0; ; ) {
      const { keys, last } = await this.listKeys(after, ALL_KEYS_PAGE);
      all.push(...keys);
      if (keys.length < ALL_KEYS_PAGE) return all;
      after = last;
    }
  }

  async keyZoneSnapshot(): Promise<KeyZoneSnapshot> {
    // Without a snapshot isolation level (engine-neutral): the keys are read after the sequence, and
    // every change after that sequence is then replayed over them from the journal, which carries the
    // values. A change the listing already shows is applied again to the same effect, so the result is
    // the zone exactly at the journal's last sequence.
    for (let attempt = 0; ; attempt++) {
      const start = await this.keyZoneSeq();
      const keys = new Map((await this.#allKeys()).map((k) => [k.token, k.publicKey]));
      const journal = await this.keyZoneJournal(start, KEY_ZONE_SNAPSHOT_REPLAY);
      if (journal === null) {
        // Pruned or too busy to replay in one read (thousands of changes during the listing): again.
        if (attempt < 5) continue;
        throw new Error('the key zone changed too fast for a consistent snapshot');
      }
      for (const change of journal) {
        if (change.op === 'add') keys.set(change.token, change.publicKey);
        else keys.delete(change.token);
      }
      const seqNow = journal.length > 0 ? journal[journal.length - 1]!.seq : start;
      const sorted = [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return { seq: seqNow, keys: sorted.map(([token, publicKey]) => ({ token, publicKey })) };
    }
  }
}

const ALL_KEYS_PAGE = 10_000;

/** Changes replayed over a listing at most; more made while it was read, and it is read again. */
const KEY_ZONE_SNAPSHOT_REPLAY = 5000;
