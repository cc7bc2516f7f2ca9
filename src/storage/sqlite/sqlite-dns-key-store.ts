import type { Statement } from 'better-sqlite3';
import type { DnsKeyStore, PublishedKey } from '../../app/detection-ports.ts';
import type { SqliteSideConnection } from './sqlite-side-connection.ts';

/**
 * The key zone read straight from the store on every query: one indexed lookup on the unique token
 * (a few microseconds with a prepared statement), so a deleted identity's keys are gone from DNS with
 * the transaction that deleted them, whichever process ran it.
 */
export class SqliteDnsKeyStore implements DnsKeyStore {
  readonly #byToken: Statement;
  readonly #all: Statement;

  constructor(conn: SqliteSideConnection) {
    this.#byToken = conn.db.prepare('SELECT token, public_key FROM dkim_keys WHERE token = ?');
    this.#all = conn.db.prepare('SELECT token, public_key FROM dkim_keys ORDER BY token');
  }

  /** Synchronous form for the DNS server's hot path. */
  findKeySync(token: string): PublishedKey | null {
    const row = this.#byToken.get(token) as { token: string; public_key: string } | undefined;
    return row ? { token: row.token, publicKey: row.public_key } : null;
  }

  async findKey(token: string): Promise<PublishedKey | null> {
    return this.findKeySync(token);
  }

  async listKeys(): Promise<PublishedKey[]> {
    return (this.#all.all() as { token: string; public_key: string }[]).map((r) => ({ token: r.token, publicKey: r.public_key }));
  }
}
