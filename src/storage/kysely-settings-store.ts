import type { Kysely } from 'kysely';
import type { SettingsStore } from '../app/ports.ts';
import type { Database } from './schema.ts';

/** Named installation facts over Kysely (see SettingsStore). */
export class KyselySettingsStore implements SettingsStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The value stored under `name`, or null. */
  async get(name: string): Promise<string | null> {
    const row = await this.#db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value ?? null;
  }

  /** Stores `value` under `name` unless a value is there already; returns the stored value. */
  async putIfAbsent(name: string, value: string): Promise<string> {
    // Read first: every start of every command checks a setting, and a write would cost a commit (an fsync).
    const existing = await this.#db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    if (existing !== undefined) return existing.value;
    await this.#db
      .insertInto('settings')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.#db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }
}
