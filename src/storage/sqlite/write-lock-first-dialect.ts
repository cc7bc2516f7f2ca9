import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  SelectQueryNode,
  SqliteDialect,
  type SqliteDatabase,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * Kysely's SQLite driver opens every transaction with a plain `BEGIN` (DEFERRED): it reads under a
 * snapshot and asks for the write lock at its first write. When another process committed in
 * between, SQLite cannot upgrade the stale snapshot and fails at once with SQLITE_BUSY_SNAPSHOT
 * ("database is locked"), which no busy timeout waits out (sqlite.org/lang_transaction.html,
 * sqlite.org/rescode.html#busy_snapshot). Eight `signet ses` processes started together on a fresh
 * data folder lost that race now and then (issue 14, finding 12). `BEGIN IMMEDIATE` takes the write
 * lock first, waiting for it under busy_timeout, so a transaction never has to upgrade.
 */
class WriteLockFirstSqliteDriver implements Driver {
  /** Kysely's own driver over the store's connection: its statements, transactions and savepoints. */
  readonly #store: SqliteDriver;
  readonly #turns = new FifoLock();
  /** How to open the read-only connection for reads outside transactions (see readFrom); null: none. */
  #openReader: (() => SqliteDatabase) | null = null;
  /** That connection, once the first such read opened it. */
  #reader: { readonly database: SqliteDatabase; readonly connection: DatabaseConnection } | null = null;

  constructor(config: SqliteDialectConfig) {
    this.#store = new SqliteDriver(config);
  }

  init(): Promise<void> {
    return this.#store.init();
  }

  /**
   * From now on, a read outside any transaction sent while the store's connection is taken goes to
   * the connection `open` gives, opened by the first such read (a process whose reads never wait,
   * a command line call, say, opens none; see TurnTakingConnection). Set once the store is
   * migrated: the migrations run under a transaction opened on the file directly, whose reads must
   * see its own writes.
   */
  readFrom(open: () => SqliteDatabase): void {
    this.#openReader = open;
  }

  /**
   * Whether someone holds the store's connection, or waits for it. Only then does a read go to the
   * read-only connection: each commit on the store's connection empties the other connection's page
   * cache (a WAL reader starts afresh when the WAL changed), so reading on the store's connection
   * while it is free keeps the pages a request reads in one cache, as before this read-only one.
   */
  get writerBusy(): boolean {
    return this.#turns.held;
  }

  /** The read-only connection, opened at the first read that asks for it; null when there is none. */
  get reader(): DatabaseConnection | null {
    if (this.#reader === null && this.#openReader !== null) {
      const database = this.#openReader();
      this.#reader = { database, connection: readOnlyConnection(database) };
    }
    return this.#reader?.connection ?? null;
  }

  /**
   * Callers take the one connection in turn, first come first served, before Kysely's own mutex
   * sees them. That mutex wakes every waiter on each release (all await one promise; one wins, the
   * rest wait again), so n queued queries cost n² wake-ups: the DNS server's cache misses, hundreds
   * in flight under load, ran at about 1,000 a second at 100,000 domains (issue 17, bench/scale.ts).
   * Here a release wakes only the next caller, and Kysely's mutex is always free when asked.
   */
  async takeWriter(): Promise<DatabaseConnection> {
    await this.#turns.lock();
    try {
      return await this.#store.acquireConnection();
    } catch (err) {
      this.#turns.unlock();
      throw err;
    }
  }

  async giveBackWriter(): Promise<void> {
    try {
      await this.#store.releaseConnection();
    } finally {
      this.#turns.unlock();
    }
  }

  /** A handle that takes the store's connection only when it needs it (see TurnTakingConnection). */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new TurnTakingConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#store.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#store.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    return this.#store.savepoint(connection, name, compileQuery);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    return this.#store.rollbackToSavepoint(connection, name, compileQuery);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    return this.#store.releaseSavepoint(connection, name, compileQuery);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof TurnTakingConnection) await connection.release();
  }

  async destroy(): Promise<void> {
    this.#openReader = null;
    // The reader first: the last connection to close checkpoints the WAL.
    this.#reader?.database.close();
    this.#reader = null;
    await this.#store.destroy();
  }
}

/**
 * Kysely's SqliteConnection's executeQuery for a connection that only reads (Kysely does not export
 * that class): a SELECT's rows. A read runs to its end synchronously (better-sqlite3), so two never
 * overlap and no turn is taken.
 */
function readOnlyConnection(database: SqliteDatabase): DatabaseConnection {
  return {
    async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
      return { rows: database.prepare(compiledQuery.sql).all(compiledQuery.parameters) as R[] };
    },
    streamQuery() {
      throw new Error('the read-only connection does not stream');
    },
  };
}

/**
 * What a Kysely user holds between acquiring and releasing "the connection". A plain SELECT sent
 * before the user took the store's connection, while another user holds it, reads on the read-only
 * connection (readFrom): it sees every committed write and waits for no one. Anything else (a
 * write, a raw statement, BEGIN) takes the store's connection in turn and keeps it until release, so
 * a transaction, and a session such as detection's (db.connection(): PRAGMA, BEGIN IMMEDIATE, ...),
 * runs whole on it as before.
 *
 * Why: a transaction holds the store's connection across turns of the event loop (detection's claims
 * and write-backs let the loop in between statements, kysely-detection-store.ts), and every API read
 * queued behind it. At a million identities with detection catching up, GetIdentityDkimAttributes'
 * p99 was 14 to 26 ms, and 8 to 11 ms with this (1.7 to 2.1 ms without detection;
 * bench/detection-dns-latency.ts). WAL lets a second connection read beside the writer
 * (sqlite.org/wal.html, "Concurrency").
 */
class TurnTakingConnection implements DatabaseConnection {
  readonly #driver: WriteLockFirstSqliteDriver;
  /** The store's connection once asked for (a promise, so that two statements sent at once take one turn). */
  #writer: Promise<DatabaseConnection> | null = null;

  constructor(driver: WriteLockFirstSqliteDriver) {
    this.#driver = driver;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#writer === null && this.#driver.writerBusy && SelectQueryNode.is(compiledQuery.query)) {
      const reader = this.#driver.reader;
      if (reader !== null) return reader.executeQuery<R>(compiledQuery);
    }
    this.#writer ??= this.#driver.takeWriter();
    return (await this.#writer).executeQuery<R>(compiledQuery);
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    // A stream keeps its read open across awaits: on the store's connection, in turn, as before.
    this.#writer ??= this.#driver.takeWriter();
    yield* (await this.#writer).streamQuery<R>(compiledQuery, chunkSize);
  }

  async release(): Promise<void> {
    const writer = this.#writer;
    if (writer === null) return;
    this.#writer = null;
    try {
      await writer;
    } catch {
      return; // never taken (takeWriter gave its turn back)
    }
    await this.#driver.giveBackWriter();
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

  /** Whether someone holds it. */
  get held(): boolean {
    return this.#held;
  }

  /** How many wait for it (for tests). */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }
}

export class WriteLockFirstSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  #driver: WriteLockFirstSqliteDriver | null = null;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    this.#driver = new WriteLockFirstSqliteDriver(this.#config);
    return this.#driver;
  }

  /**
   * From now on, reads outside transactions sent while the store's connection is taken go to a
   * read-only connection to the same file, which `open` opens at the first of them (see
   * TurnTakingConnection). For the Kysely instance this dialect was given to.
   */
  readFrom(open: () => SqliteDatabase): void {
    if (this.#driver === null) throw new Error('readFrom: the dialect has no driver yet (give it to a Kysely instance first)');
    this.#driver.readFrom(open);
  }
}
