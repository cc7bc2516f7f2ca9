import type { Statement } from 'better-sqlite3';
import type { SandboxRecord, SandboxStore } from '../../app/detection-ports.ts';
import type { SqliteSideConnection } from './sqlite-side-connection.ts';

/** The dev-mode sandbox zone in the store, so `signet dev publish-dkim-records` reaches a running server. */
export class SqliteSandboxStore implements SandboxStore {
  readonly #conn: SqliteSideConnection;
  readonly #insert: Statement;
  readonly #remove: Statement;
  readonly #lookup: Statement;
  readonly #exists: Statement;

  constructor(conn: SqliteSideConnection) {
    this.#conn = conn;
    this.#insert = conn.db.prepare('INSERT OR IGNORE INTO dev_sandbox_records (name, type, value) VALUES (?, ?, ?)');
    this.#remove = conn.db.prepare('DELETE FROM dev_sandbox_records WHERE name = ?');
    this.#lookup = conn.db.prepare('SELECT value FROM dev_sandbox_records WHERE name = ? AND type = ?');
    this.#exists = conn.db.prepare('SELECT 1 FROM dev_sandbox_records WHERE name = ? LIMIT 1');
  }

  async publish(records: readonly SandboxRecord[]): Promise<void> {
    await this.#conn.write(() => {
      for (const r of records) this.#insert.run(r.name.toLowerCase(), r.type, r.value);
    });
  }

  async unpublish(names: readonly string[]): Promise<void> {
    await this.#conn.write(() => {
      for (const name of names) this.#remove.run(name.toLowerCase());
    });
  }

  async lookup(name: string, type: 'CNAME' | 'TXT'): Promise<{ exists: boolean; values: string[] }> {
    const key = name.toLowerCase();
    const values = (this.#lookup.all(key, type) as { value: string }[]).map((r) => r.value);
    return { exists: values.length > 0 || this.#exists.get(key) !== undefined, values };
  }
}
