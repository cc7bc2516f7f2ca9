import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Token buckets in PostgreSQL, so that SES's per-account limit holds when the account's calls are
 * spread over several nodes. One statement per call refills and takes a token atomically (the row
 * lock of the upsert serializes calls on one bucket), on the database's clock so that nodes with
 * skewed clocks agree.
 */
export class PostgresRateLimiter {
  readonly #db: Kysely<Database>;
  readonly #rate: number;
  readonly #burst: number;

  constructor(db: Kysely<Database>, options: { ratePerSecond: number; burst: number }) {
    this.#db = db;
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
  }

  async tryTake(bucket: string): Promise<boolean> {
    const refilled = sql`least(${this.#burst}::float8, rate_buckets.tokens + (extract(epoch from clock_timestamp()) * 1000 - rate_buckets.updated_ms) / 1000.0 * ${this.#rate}::float8)`;
    const result = await sql<{ tokens: number }>`
      insert into rate_buckets (bucket, tokens, updated_ms)
      values (${bucket}, ${this.#burst - 1}::float8, extract(epoch from clock_timestamp()) * 1000)
      on conflict (bucket) do update
        set tokens = ${refilled} - 1, updated_ms = extract(epoch from clock_timestamp()) * 1000
        where ${refilled} >= 1
      returning tokens`.execute(this.#db);
    return result.rows.length === 1;
  }
}
