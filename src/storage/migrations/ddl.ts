import type { CreateTableBuilder } from 'kysely';

/** What differs between engines in DDL; each backend gives its own. */
export interface DdlFlavor {
  /** How an auto-incrementing integer primary key `id` is declared. */
  readonly idColumn: 'integer-autoincrement' | 'bigserial';
}

/** Adds the auto-incrementing `id` primary key the engine's way. */
export function withId<T extends string>(builder: CreateTableBuilder<T, never>, flavor: DdlFlavor): CreateTableBuilder<T, 'id'> {
  return flavor.idColumn === 'bigserial'
    ? builder.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : builder.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
