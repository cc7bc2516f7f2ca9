import type { CompiledQuery, Kysely } from 'kysely';

/** A query's rows, as the engine's driver gives them. */
export type ReadAsideRows = ReadonlyArray<Record<string, unknown>>;

/**
 * Runs read-only queries that scan what grows with the store (counts over every identity, say)
 * where they cannot hold up the process's other work, and gives each query's rows in order. SQLite's
 * driver is synchronous: such a query on the store's own connection stops the event loop, and with it
 * the DNS answers and API requests, for as long as it runs (at a million identities, the four queries
 * of `/metrics`' overview took 1.6 s; bench/metrics-scrape.ts). PostgreSQL's driver does not block:
 * there the queries run on the store's pool as any other.
 */
export type ReadAside = (queries: readonly CompiledQuery[]) => Promise<ReadAsideResult>;

export interface ReadAsideResult {
  /** Each query's rows, in the order asked. */
  readonly rows: ReadAsideRows[];
  /** How long the queries themselves took, in ms (from the first one's start to the last one's end). */
  readonly ms: number;
}

/** Without a place aside: the queries on the store's own connection. */
export function readOnStore(db: Kysely<never>): ReadAside {
  return async (queries) => {
    const started = performance.now();
    const rows = await Promise.all(queries.map(async (query) => (await db.executeQuery<Record<string, unknown>>(query)).rows));
    return { rows, ms: performance.now() - started };
  };
}
