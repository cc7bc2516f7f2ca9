import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DetectionOverview } from '../app/detection-ports.ts';
import type { CoreConfig } from '../config/config.ts';
import { SQLITE_FILE } from '../storage/open-storage.ts';
import { restoreSqliteFile, type RestoreResult } from '../storage/sqlite/restore-sqlite-file.ts';
import type { ConsistencyReport } from '../storage/storage.ts';
import { createSignet, systemRuntime } from './signet.ts';

/** A check due this long ago and not under way counts as overdue (`/metrics`, `signet admin status`). */
export const OVERDUE_AFTER_MS = 5 * 60_000;

export type BackupOutcome =
  | { readonly kind: 'done'; readonly file: string; readonly bytes: number; readonly masterKeyFile: string | null; readonly takenAt: string }
  /** PostgreSQL: pg_dump is the tool (the command says so and exits non-zero). */
  | { readonly kind: 'unsupported' };

/** `signet admin backup FILE`: an online copy of the store; the server may keep running. */
export async function backupStore(config: CoreConfig, file: string): Promise<BackupOutcome> {
  const target = resolve(file);
  const signet = await createSignet(config, systemRuntime, {});
  try {
    const takenAt = new Date().toISOString();
    if ((await signet.storage.backup(target)) === 'unsupported') return { kind: 'unsupported' };
    // The master key's file, for the reminder; null when it comes from the environment.
    const masterKeyFile = config.masterKey === undefined ? join(config.dataDir, 'master.key') : null;
    return { kind: 'done', file: target, bytes: statSync(target).size, masterKeyFile, takenAt };
  } finally {
    await signet.close();
  }
}

export type RestoreOutcome =
  | Exclude<RestoreResult, { kind: 'restored' }>
  | { readonly kind: 'postgres' }
  | { readonly kind: 'restored'; readonly consistency: ConsistencyReport };

/**
 * `signet admin restore FILE`: the backup checked and put in place, then opened as every command
 * opens the store (migrations bring an older backup up to date; the master key must be the one the
 * backup's keys were sealed with, else the open fails) and checked for consistency.
 */
export async function restoreStore(config: CoreConfig, file: string, replace: boolean): Promise<RestoreOutcome> {
  if (config.databaseUrl !== null) return { kind: 'postgres' };
  const placed = restoreSqliteFile(resolve(file), join(config.dataDir, SQLITE_FILE), replace);
  if (placed.kind !== 'restored') return placed;
  const signet = await createSignet(config, systemRuntime, {});
  try {
    return { kind: 'restored', consistency: await signet.storage.checkConsistency() };
  } finally {
    await signet.close();
  }
}

export type RebuildOutcome =
  /** PostgreSQL: no table of its own to rebuild (the command says so and exits non-zero). */
  { readonly kind: 'unsupported' } | { readonly kind: 'rebuilt'; readonly slots: number; readonly consistency: ConsistencyReport };

/**
 * `signet admin rebuild-dns-keys`: the DNS server's key table (SQLite, migration 0019) rebuilt from
 * the keys, for a store whose consistency check found it disagreeing; then the check again.
 */
export async function rebuildDnsKeys(config: CoreConfig): Promise<RebuildOutcome> {
  const signet = await createSignet(config, systemRuntime, {});
  try {
    const slots = await signet.storage.rebuildDnsKeyTable();
    if (slots === 'unsupported') return { kind: 'unsupported' };
    return { kind: 'rebuilt', slots, consistency: await signet.storage.checkConsistency() };
  } finally {
    await signet.close();
  }
}

export interface StoreStatus {
  readonly store: { readonly engine: 'sqlite' | 'postgresql'; readonly location: string; readonly consistency: ConsistencyReport | null };
  readonly keyPool: { readonly ready1024: number; readonly ready2048: number };
  readonly identities: Omit<DetectionOverview, 'readMs'>;
}

/** `signet admin status`'s store side: pool, identities by status, overdue checks (and, asked, consistency). */
export async function storeStatus(config: CoreConfig, options: { readonly consistency: boolean }): Promise<StoreStatus> {
  const signet = await createSignet(config, systemRuntime, {});
  try {
    const [ready1024, ready2048, { readMs: _readMs, ...identities }, consistency] = await Promise.all([
      signet.storage.store.countPoolKeys(1024),
      signet.storage.store.countPoolKeys(2048),
      signet.storage.detection.overview(Date.now(), OVERDUE_AFTER_MS),
      options.consistency ? signet.storage.checkConsistency() : Promise.resolve(null),
    ]);
    const location = config.databaseUrl !== null ? redactUrl(config.databaseUrl) : join(config.dataDir, SQLITE_FILE);
    return {
      store: { engine: config.databaseUrl !== null ? 'postgresql' : 'sqlite', location, consistency },
      keyPool: { ready1024, ready2048 },
      identities,
    };
  } finally {
    await signet.close();
  }
}

/** A database URL without its password (status output may be pasted into a ticket). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://...';
  }
}
