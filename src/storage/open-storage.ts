import { join } from 'node:path';
import type { Storage } from './storage.ts';

export type { Storage } from './storage.ts';

/** The SQLite file in the data folder. */
export const SQLITE_FILE = 'signet.db';

export interface StorageConfig {
  /** `postgres://...` to share state between nodes; null for the embedded SQLite store. */
  readonly databaseUrl: string | null;
  /** Where the SQLite file lives when there is no database URL. */
  readonly dataDir: string;
}

/**
 * Opens the configured database and brings its schema up to date: SQLite in the data folder by
 * default, PostgreSQL when a URL is given. Each engine's code is imported only when chosen (the
 * command line's start-up pays for one of them).
 */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  if (config.databaseUrl !== null) {
    const { openPostgresStorage } = await import('./postgres/open-postgres-store.ts');
    return openPostgresStorage({ url: config.databaseUrl });
  }
  const { openSqliteStorage } = await import('./sqlite/open-sqlite-store.ts');
  return openSqliteStorage(join(config.dataDir, SQLITE_FILE));
}
