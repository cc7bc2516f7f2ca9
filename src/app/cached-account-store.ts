import type { AccountRecord, AccountStore, StoredAccessKey } from './account-ports.ts';

const MAX_ENTRIES = 10_000;

/**
 * Remembers access-key lookups, which every signed request makes. Entries are dropped as soon as
 * the database reports a commit from elsewhere (`externalChanges`, e.g. `signet admin
 * delete-access-key` in another process; SQLite's counter is read at most every 50 ms) and on this
 * process's own writes, so a deleted key is refused within that moment. Without a change counter
 * nothing is cached.
 *
 * Own writes drop the entries before and again after they commit, and a lookup that overlapped one is
 * not kept: a lookup can be answered before a write sent earlier commits (SQLite reads outside
 * transactions on a connection of their own and do not queue behind writes), and the change counter
 * does not move for this process's own commits.
 */
export class CachedAccountStore implements AccountStore {
  readonly #inner: AccountStore;
  readonly #externalChanges: (() => number) | null;
  readonly #keys = new Map<string, StoredAccessKey | null>();
  readonly #access = new Map<string, boolean | null>();
  #seen = -1;
  /** Bumped as each own write starts and ends: a lookup that overlapped one is not kept. */
  #writes = 0;

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
    const writes = this.#writes;
    const key = await this.#inner.findAccessKey(accessKeyId);
    // A lookup that raced with a commit elsewhere, or with a write of this process, must not be kept.
    if (this.#externalChanges() === version && this.#writes === writes) {
      if (this.#keys.size >= MAX_ENTRIES) this.#keys.clear();
      this.#keys.set(accessKeyId, key);
    }
    return key;
  }

  async createAccount(accountId: string, now: number, productionAccess: boolean): Promise<boolean> {
    return this.#ownWrite(() => this.#inner.createAccount(accountId, now, productionAccess));
  }

  /** An own write: entries dropped before and after it, and lookups meanwhile not kept (see the class). */
  async #ownWrite<T>(write: () => Promise<T>): Promise<T> {
    const drop = () => {
      this.#writes++;
      this.#keys.clear();
      this.#access.clear();
    };
    drop();
    try {
      return await write();
    } finally {
      drop();
    }
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
    const writes = this.#writes;
    const access = await this.#inner.getProductionAccess(accountId);
    if (this.#externalChanges() === version && this.#writes === writes) {
      if (this.#access.size >= MAX_ENTRIES) this.#access.clear();
      this.#access.set(accountId, access);
    }
    return access;
  }

  async setProductionAccess(accountId: string, enabled: boolean): Promise<boolean> {
    return this.#ownWrite(() => this.#inner.setProductionAccess(accountId, enabled));
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return this.#inner.listAccounts();
  }

  async addAccessKey(key: StoredAccessKey): Promise<boolean> {
    return this.#ownWrite(() => this.#inner.addAccessKey(key));
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.#ownWrite(() => this.#inner.deleteAccessKey(accessKeyId));
  }
}
