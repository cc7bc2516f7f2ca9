import type { Kysely } from 'kysely';
import type { AccountRecord, AccountStore, StoredAccessKey } from '../app/account-ports.ts';
import type { Database } from './schema.ts';

/** Accounts and access keys over Kysely (any engine). */
export class KyselyAccountStore implements AccountStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async createAccount(accountId: string, now: number, productionAccess: boolean): Promise<boolean> {
    const result = await this.#db
      .insertInto('accounts')
      .values({ account_id: accountId, created_at: now, production_access: productionAccess ? 1 : 0 })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async listAccounts(): Promise<AccountRecord[]> {
    const accounts = await this.#db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('account_id').execute();
    const keys = await this.#db.selectFrom('access_keys').select(['account_id', 'access_key_id']).orderBy('created_at').execute();
    return accounts.map((a) => ({
      accountId: a.account_id,
      createdAt: Number(a.created_at),
      accessKeyIds: keys.filter((k) => k.account_id === a.account_id).map((k) => k.access_key_id),
      productionAccess: Number(a.production_access) === 1,
    }));
  }

  async getProductionAccess(accountId: string): Promise<boolean | null> {
    const row = await this.#db.selectFrom('accounts').select('production_access').where('account_id', '=', accountId).executeTakeFirst();
    return row ? Number(row.production_access) === 1 : null;
  }

  async setProductionAccess(accountId: string, enabled: boolean): Promise<boolean> {
    const result = await this.#db
      .updateTable('accounts')
      .set({ production_access: enabled ? 1 : 0 })
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async addAccessKey(key: StoredAccessKey): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const account = await trx.selectFrom('accounts').select('account_id').where('account_id', '=', key.accountId).executeTakeFirst();
      if (!account) return false;
      await trx
        .insertInto('access_keys')
        .values({ access_key_id: key.accessKeyId, account_id: key.accountId, sealed_secret: key.sealedSecret, created_at: key.createdAt })
        .execute();
      return true;
    });
  }

  async findAccessKey(accessKeyId: string): Promise<StoredAccessKey | null> {
    const row = await this.#db.selectFrom('access_keys').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    if (!row) return null;
    return { accessKeyId: row.access_key_id, accountId: row.account_id, sealedSecret: row.sealed_secret, createdAt: Number(row.created_at) };
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('access_keys').where('access_key_id', '=', accessKeyId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
