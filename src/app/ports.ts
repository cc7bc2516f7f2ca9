import type { DkimKey, Identity, IdentityKind, Scope } from '../core/index.ts';

/** The service clock, in milliseconds since the epoch. Tests and dev mode move it. */
export interface Clock {
  now(): number;
}

/** Cryptographic randomness, injected so that the core and the use cases stay deterministic in tests. */
export interface Random {
  bytes(length: number): Uint8Array;
}

/** A ready DKIM key pair waiting in the pool; the private key is already encrypted (sealed). */
export interface PooledKey {
  readonly bits: number;
  readonly publicKey: string;
  readonly sealedPrivateKey: string;
  readonly createdAt: number;
}

/** A key as stored for a token, with its sealed private key (only the signer ever opens it). */
export interface StoredDkimKey extends DkimKey {
  readonly domain: string;
  readonly sealedPrivateKey: string;
}

export interface NewDomainDkim {
  readonly domain: string;
  readonly tokens: readonly string[];
  /** Used only when the domain identity does not exist yet. */
  readonly verificationToken: string;
  readonly keyBits: number;
  readonly now: number;
}

/** Outcome of creating a domain's DKIM set-up in one transaction. */
export type CreateDomainDkimResult =
  | { readonly kind: 'created'; readonly tokens: readonly string[] }
  /** The domain already had tokens (a concurrent or earlier call): SES answers the same ones. */
  | { readonly kind: 'existing'; readonly tokens: readonly string[] }
  /** Not enough ready keys: nothing was written; wait for the pool and try again. */
  | { readonly kind: 'pool_short'; readonly available: number };

export interface ListIdentitiesQuery {
  readonly kind: IdentityKind | null;
  /** Keyset cursor: only identities created after this position. */
  readonly after: number;
  readonly limit: number;
}

export interface ListIdentitiesPage {
  readonly names: readonly string[];
  /** Cursor of the last name returned. */
  readonly last: number;
  readonly more: boolean;
}

/**
 * Everything the use cases need from persistence. Implementations (SQLite, PostgreSQL) must pass the
 * store contract suite in test/store-contract.ts; multi-row changes are atomic.
 */
export interface Store {
  getIdentities(scope: Scope, names: readonly string[]): Promise<Map<string, Identity>>;
  /** Tokens per domain, in position order; domains without DKIM are absent. */
  getDkimTokens(scope: Scope, domains: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * In one transaction: the domain identity (if new), its three tokens, and three keys taken from the
   * pool. Either all of it is written or nothing is.
   */
  createDomainDkim(scope: Scope, input: NewDomainDkim): Promise<CreateDomainDkimResult>;
  /** Adds a domain identity if absent; returns the identity as stored. */
  ensureDomainIdentity(scope: Scope, domain: string, verificationToken: string, now: number): Promise<Identity>;
  /** Adds an address identity if absent; returns the identity as stored. */
  ensureEmailIdentity(scope: Scope, address: string, now: number): Promise<Identity>;
  /** Adds an address identity if absent and marks it verified (dev mode's `--auto-verify`); returns it as stored. */
  ensureVerifiedEmailIdentity(scope: Scope, address: string, now: number): Promise<Identity>;
  listIdentities(scope: Scope, query: ListIdentitiesQuery): Promise<ListIdentitiesPage>;
  /** Removes the identity and its keys. Returns false if there was none. */
  deleteIdentity(scope: Scope, name: string): Promise<boolean>;
  /** Returns false if there is no such identity. */
  setDkimEnabled(scope: Scope, name: string, enabled: boolean): Promise<boolean>;
  getDkimKeys(scope: Scope, domain: string): Promise<StoredDkimKey[]>;
  addPoolKeys(keys: readonly PooledKey[]): Promise<void>;
  countPoolKeys(bits: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The supply of ready key pairs. The use case asks it to wait when the store's pool is short; it
 * never answers tokens without keys behind them.
 */
export interface KeySupply {
  readonly bits: number;
  /** Resolves once at least `count` keys of `bits` are in the pool (or were, when it looked). */
  waitForKeys(count: number): Promise<void>;
  /**
   * Before an account takes `count` ready keys: resolves at once within the account's fair share of
   * the shared pool, else once keys have been generated to make good what it takes (issue 14).
   */
  claimShare(accountId: string, count: number): Promise<void>;
}

/** Named installation facts, written once (first writer wins) and read by every node. */
export interface SettingsStore {
  /** Stores `value` under `name` unless a value is there already; returns the stored value. */
  putIfAbsent(name: string, value: string): Promise<string>;
  /** The value stored under `name`, or null. */
  get(name: string): Promise<string | null>;
}
