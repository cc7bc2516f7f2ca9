import type { Kysely } from 'kysely';
import type { SandboxRecord, SandboxStore } from '../app/detection-ports.ts';
import type { Database } from './schema.ts';

/**
 * The dev-mode sandbox zone in the store, so that `signet dev publish-dkim-records` (another process)
 * reaches a running server's detection resolver. Names are kept in lower case: DNS names match
 * case-insensitively (RFC 4343).
 */
export class KyselySandboxStore implements SandboxStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async publish(records: readonly SandboxRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#db
      .insertInto('dev_sandbox_records')
      .values(records.map((r) => ({ name: r.name.toLowerCase(), type: r.type, value: r.value })))
      .onConflict((oc) => oc.columns(['name', 'type', 'value']).doNothing())
      .execute();
  }

  async unpublish(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.#db
      .deleteFrom('dev_sandbox_records')
      .where(
        'name',
        'in',
        names.map((n) => n.toLowerCase()),
      )
      .execute();
  }

  async lookup(name: string, type: SandboxRecord['type']): Promise<{ exists: boolean; values: string[] }> {
    const rows = await this.#db.selectFrom('dev_sandbox_records').select(['type', 'value']).where('name', '=', name.toLowerCase()).execute();
    const values = rows.filter((r) => r.type === type).map((r) => r.value);
    // A name with records of another type exists: NODATA rather than NXDOMAIN.
    return { exists: rows.length > 0, values };
  }
}
