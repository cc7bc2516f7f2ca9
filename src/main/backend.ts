import { join } from 'node:path';
import type { RateLimiter } from '../api/throttle.ts';
import { TokenBucketLimiter } from '../api/throttle.ts';
import { ConfigError, type CoreConfig } from '../config/config.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { DetectionEngine } from '../storage/detection-engine.ts';
import type { KyselyStore } from '../storage/kysely-store.ts';
import { KyselySettingsStore } from '../storage/kysely-settings-store.ts';

export const SQLITE_FILE = 'signet.db';

/** A storage backend and what must follow its choice: how limits are shared. */
export interface Backend {
  readonly store: KyselyStore;
  /** How the detection stores take write locks and claim rows on this engine. */
  readonly detectionEngine: DetectionEngine;
  /** Per account and region limits: in memory on SQLite (one node), in the database on PostgreSQL. */
  rateLimiter(options: { ratePerSecond: number; burst: number }): RateLimiter;
}

/** SQLite in the data folder by default; PostgreSQL when a database URL is configured. */
export async function openBackend(config: CoreConfig): Promise<Backend> {
  if (config.databaseUrl !== null) {
    const { openPostgresStore } = await import('../storage/postgres/open-postgres-store.ts');
    const { PostgresRateLimiter } = await import('../storage/postgres/postgres-rate-limiter.ts');
    const store = await openPostgresStore({ url: config.databaseUrl });
    const { postgresDetectionEngine } = await import('../storage/detection-engine.ts');
    return {
      store,
      detectionEngine: postgresDetectionEngine,
      rateLimiter: (options) => new PostgresRateLimiter(store.database, options),
    };
  }
  const { openSqliteStore } = await import('../storage/sqlite/open-sqlite-store.ts');
  const store = await openSqliteStore(join(config.dataDir, SQLITE_FILE));
  const { sqliteDetectionEngine } = await import('../storage/detection-engine.ts');
  return {
    store,
    detectionEngine: sqliteDetectionEngine,
    rateLimiter: (options) => new TokenBucketLimiter({ ...options, now: () => performance.now() }),
  };
}

const MASTER_KEY_CHECK = 'master_key_check';
const MASTER_KEY_CHECK_CONTEXT = 'signet/master-key-check';

/** Whether the store already holds secrets sealed by some master key (its check value is recorded). */
export async function storeHoldsSealedSecrets(store: KyselyStore): Promise<boolean> {
  return (await new KyselySettingsStore(store.database).get(MASTER_KEY_CHECK)) !== null;
}

/**
 * Refuses to run with a master key other than the one that sealed the store's secrets: on a shared
 * PostgreSQL every node must have the same SIGNET_MASTER_KEY, and a node without it would otherwise
 * fail on every key it touches. The first process to start records a sealed check value.
 */
export async function checkMasterKey(store: KyselyStore, secrets: SecretBox): Promise<void> {
  const stored = await new KyselySettingsStore(store.database).putIfAbsent(
    MASTER_KEY_CHECK,
    secrets.seal(MASTER_KEY_CHECK, MASTER_KEY_CHECK_CONTEXT),
  );
  try {
    secrets.open(stored, MASTER_KEY_CHECK_CONTEXT);
  } catch {
    throw new ConfigError(
      'the master key does not open this store: every node must use the master key that sealed its keys (set the same SIGNET_MASTER_KEY on all of them)',
    );
  }
}
