import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = process.env['SIGNET_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether the test PostgreSQL answers; null when it does not (the tests then skip, or fail in CI).
 * Asked up to three times with a generous timeout: when many test files start at once on two busy
 * cores, a first connection can take longer than a quiet machine's few milliseconds.
 */
export async function postgresReachable(): Promise<string | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return POSTGRES_URL;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await client.end().catch(() => {});
    }
  }
  return null;
}

/** A fresh schema name; `dropSchemas` removes every one this process made. */
const made: string[] = [];
export function freshSchema(prefix = 'signet_t'): string {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  made.push(name);
  return name;
}

export async function dropSchemas(): Promise<void> {
  if (made.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (const name of made.splice(0)) await client.query(`drop schema if exists "${name}" cascade`);
  } finally {
    await client.end();
  }
}
