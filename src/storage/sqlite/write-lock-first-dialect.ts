import { CompiledQuery, type DatabaseConnection, type Driver, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from 'kysely';

/**
 * Kysely's SQLite driver opens every transaction with a plain `BEGIN` (DEFERRED): it reads under a
 * snapshot and asks for the write lock at its first write. When another process committed in
 * between, SQLite cannot upgrade the stale snapshot and fails at once with SQLITE_BUSY_SNAPSHOT
 * ("database is locked"), which no busy timeout waits out (sqlite.org/lang_transaction.html,
 * sqlite.org/rescode.html#busy_snapshot). Eight `signet ses` processes started together on a fresh
 * data folder lost that race now and then (issue 14, finding 12). `BEGIN IMMEDIATE` takes the write
 * lock first, waiting for it under busy_timeout, so a transaction never has to upgrade.
 */
class WriteLockFirstSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class WriteLockFirstSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new WriteLockFirstSqliteDriver(this.#config);
  }
}
