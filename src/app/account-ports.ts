/** Persistence of accounts and their access keys (the secret is sealed before it gets here). */
export interface AccountRecord {
  readonly accountId: string;
  readonly createdAt: number;
  readonly accessKeyIds: readonly string[];
  /** Out of SES's sandbox: may send to any recipient (in the sandbox only to its verified identities and the simulator). */
  readonly productionAccess: boolean;
}

export interface StoredAccessKey {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly sealedSecret: string;
  readonly createdAt: number;
}

export interface AccountStore {
  /** Returns false if the account already exists. `productionAccess` false: the account starts in the sandbox. */
  createAccount(accountId: string, now: number, productionAccess: boolean): Promise<boolean>;
  /** Whether the account is out of the sandbox; null if there is no such account. */
  getProductionAccess(accountId: string): Promise<boolean | null>;
  /** Grants (true) or takes back (false) production access; returns false if there is no such account. */
  setProductionAccess(accountId: string, enabled: boolean): Promise<boolean>;
  listAccounts(): Promise<AccountRecord[]>;
  /** Returns false if there is no such account. */
  addAccessKey(key: StoredAccessKey): Promise<boolean>;
  findAccessKey(accessKeyId: string): Promise<StoredAccessKey | null>;
  /** Returns false if there was no such key. */
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
}

/** Seals and opens access-key secrets (AES-256-GCM under the master key). */
export interface SecretSealer {
  seal(secret: string, context: string): string;
  open(sealed: string, context: string): string;
}
