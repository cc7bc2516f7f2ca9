import { type DatabaseIntrospector, type Kysely, PostgresDialect, PostgresIntrospector, type SchemaMetadata, sql, type TableMetadata } from 'kysely';

/**
 * The introspector of Signet's PostgreSQL connection: it lists the tables of the session's own
 * schema (`current_schema()`, which is the schema Signet works in), by name and kind only.
 *
 * Why not Kysely's PostgresIntrospector: its only reader here is Kysely's Migrator, which asks for
 * every table of the database to see whether its own two exist. That query scans pg_class with the
 * statement's snapshot but then resolves each table by name (`has_schema_privilege(nspname, ...)`,
 * `pg_get_serial_sequence(nspname || '.' || relname, ...)`) against the catalog as it is now. A table
 * or schema that another session drops between the two fails the whole query (3F000
 * invalid_schema_name or 42P01 undefined_table), though it is not Signet's: seen in CI, where test
 * files drop their schemas while others start, and possible wherever Signet shares a database. Here
 * the schema filter is applied to the scanned rows, so no other schema's names are ever looked up.
 *
 * Columns are not listed (`columns: []`): nothing in Signet reads them.
 */
export class OwnSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;
  readonly #schemas: PostgresIntrospector;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
    // Schema names alone come from one scan of pg_namespace, with no lookup by name.
    this.#schemas = new PostgresIntrospector(db);
  }

  getSchemas(): Promise<SchemaMetadata[]> {
    return this.#schemas.getSchemas();
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v')
      order by c.relname`.execute(this.#db);
    return rows.map((row) => ({ name: row.name, schema: row.schema, isView: row.kind === 'v', columns: [] }));
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() };
  }
}

/** Kysely's PostgreSQL dialect with the introspector above. */
export class OwnSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}
