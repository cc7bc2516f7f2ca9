import type { CreateTableBuilder } from 'kysely';

/** What differs between engines in DDL; each backend gives its own. */
export interface DdlFlavor {
  /** How an auto-incrementing integer primary key `id` is declared. */
  readonly idColumn: 'integer-autoincrement' | 'bigserial';
  /**
   * How row triggers are written: SQLite's `CREATE TRIGGER ... BEGIN ...; END` or PostgreSQL's
   * trigger function in PL/pgSQL (migration 0002 keeps the key zone's change feed with them).
   */
  readonly triggers: 'sqlite' | 'plpgsql';
}

/** Adds the auto-incrementing `id` primary key the engine's way. */
export function withId<T extends string>(builder: CreateTableBuilder<T, never>, flavor: DdlFlavor): CreateTableBuilder<T, 'id'> {
  return flavor.idColumn === 'bigserial'
    ? builder.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : builder.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
