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
  readonly #turns = new FifoLock();

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * Callers take the one connection in turn, first come first served, before Kysely's own mutex
   * sees them. That mutex wakes every waiter on each release (all await one promise; one wins, the
   * rest wait again), so n queued queries cost n² wake-ups: the DNS server's cache misses, hundreds
   * in flight under load, ran at about 1,000 a second at 100,000 domains (issue 17, bench/scale.ts).
   * Here a release wakes only the next caller, and Kysely's mutex is always free when asked.
   */
  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#turns.lock();
    try {
      return await super.acquireConnection();
    } catch (err) {
      this.#turns.unlock();
      throw err;
    }
  }

  override async releaseConnection(): Promise<void> {
    try {
      await super.releaseConnection();
    } finally {
      this.#turns.unlock();
    }
  }
}

/** A lock handed to waiters one at a time, in the order they asked. */
export class FifoLock {
  #held = false;
  readonly #waiting: (() => void)[] = [];
  /** Index of the next waiter: shifting the array would move every waiter on each hand-off. */
  #head = 0;

  lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  unlock(): void {
    if (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head]!;
      this.#waiting[this.#head++] = undefined as unknown as () => void;
      if (this.#head === this.#waiting.length) {
        this.#waiting.length = 0;
        this.#head = 0;
      }
      // Still held: it passes straight to the next waiter.
      next();
      return;
    }
    this.#held = false;
  }

  /** How many wait for it (for tests). */
  get waiting(): number {
    return this.#waiting.length - this.#head;
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
