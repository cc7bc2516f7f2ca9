import type { AccountRecord, AccountStore, StoredAccessKey } from './account-ports.ts';

const MAX_ENTRIES = 10_000;

/**
 * Remembers access-key lookups, which every signed request makes. Entries are dropped as soon as
 * the database reports a commit from elsewhere (`externalChanges`, e.g. `signet admin
 * delete-access-key` in another process; SQLite's counter is read at most every 50 ms) and on this
 * process's own writes, so a deleted key is refused within that moment. Without a change counter
 * nothing is cached.
 */
export class CachedAccountStore implements AccountStore {
  readonly #inner: AccountStore;
  readonly #externalChanges: (() => number) | null;
  readonly #keys = new Map<string, StoredAccessKey | null>();
  readonly #access = new Map<string, boolean | null>();
  #seen = -1;

  constructor(inner: AccountStore, externalChanges: (() => number) | null) {
    this.#inner = inner;
    this.#externalChanges = externalChanges;
  }

  async findAccessKey(accessKeyId: string): Promise<StoredAccessKey | null> {
    if (this.#externalChanges === null) return this.#inner.findAccessKey(accessKeyId);
    const version = this.#externalChanges();
    if (version !== this.#seen) {
      this.#keys.clear();
      this.#access.clear();
      this.#seen = version;
    }
    if (this.#keys.has(accessKeyId)) return this.#keys.get(accessKeyId)!;
    const key = await this.#inner.findAccessKey(accessKeyId);
    // A lookup that raced with a commit elsewhere must not be kept under the new version.
    if (this.#externalChanges() === version) {
      if (this.#keys.size >= MAX_ENTRIES) this.#keys.clear();
      this.#keys.set(accessKeyId, key);
    }
    return key;
  }

  async createAccount(accountId: string, now: number, productionAccess: boolean): Promise<boolean> {
    this.#keys.clear();
    this.#access.clear();
    return this.#inner.createAccount(accountId, now, productionAccess);
  }

  /** Read on every send (the sandbox check): cached like access keys, dropped on any commit from elsewhere. */
  async getProductionAccess(accountId: string): Promise<boolean | null> {
    if (this.#externalChanges === null) return this.#inner.getProductionAccess(accountId);
    const version = this.#externalChanges();
    if (version !== this.#seen) {
      this.#keys.clear();
      this.#access.clear();
      this.#seen = version;
    }
    if (this.#access.has(accountId)) return this.#access.get(accountId)!;
    const access = await this.#inner.getProductionAccess(accountId);
    if (this.#externalChanges() === version) {
      if (this.#access.size >= MAX_ENTRIES) this.#access.clear();
      this.#access.set(accountId, access);
    }
    return access;
  }

  async setProductionAccess(accountId: string, enabled: boolean): Promise<boolean> {
    this.#access.clear();
    return this.#inner.setProductionAccess(accountId, enabled);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return this.#inner.listAccounts();
  }

  async addAccessKey(key: StoredAccessKey): Promise<boolean> {
    this.#keys.clear();
    return this.#inner.addAccessKey(key);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    this.#keys.clear();
    return this.#inner.deleteAccessKey(accessKeyId);
  }
}
