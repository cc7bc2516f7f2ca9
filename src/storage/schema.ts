import type { Generated } from 'kysely';

/** The tables, as Kysely sees them. Times are milliseconds since the epoch; flags are 0/1 integers. */
export interface Database {
  identities: IdentitiesTable;
  dkim_keys: DkimKeysTable;
  key_pool: KeyPoolTable;
  accounts: AccountsTable;
  access_keys: AccessKeysTable;
}

export interface IdentitiesTable {
  id: Generated<number>;
  account_id: string;
  region: string;
  name: string;
  kind: string;
  verification_status: string;
  verification_token: string | null;
  dkim_enabled: number;
  dkim_status: string;
  created_at: number;
}

export interface DkimKeysTable {
  id: Generated<number>;
  identity_id: number;
  token: string;
  position: number;
  bits: number;
  public_key: string;
  sealed_private_key: string;
  state: string;
  created_at: number;
}

export interface KeyPoolTable {
  id: Generated<number>;
  bits: number;
  public_key: string;
  sealed_private_key: string;
  created_at: number;
}

export interface AccountsTable {
  account_id: string;
  created_at: number;
}

export interface AccessKeysTable {
  access_key_id: string;
  account_id: string;
  sealed_secret: string;
  created_at: number;
}
