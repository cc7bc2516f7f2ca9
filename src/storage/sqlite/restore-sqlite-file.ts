import { chmodSync, constants, copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { openBetterSqlite3 } from './better-sqlite3.ts';

export type RestoreResult =
  | { readonly kind: 'restored' }
  /** The file is no sound Signet store: what SQLite said. */
  | { readonly kind: 'not_a_store'; readonly detail: string }
  /** The data folder already has a store and `replace` was not given. */
  | { readonly kind: 'exists' };

/**
 * Puts a backup (`signet admin backup`'s file) in place as the data folder's store: checked first
 * (PRAGMA integrity_check on a read-only handle, and Signet's tables present), copied beside the
 * target, then renamed over it, so a crash leaves the old store or the new one, never half of one.
 * The old store's WAL and shared-memory files go first: replayed over the new file they would
 * corrupt it. The server must be stopped (the command says so): a running one keeps its open file.
 */
export function restoreSqliteFile(backup: string, target: string, replace: boolean): RestoreResult {
  if (!existsSync(backup)) return { kind: 'not_a_store', detail: 'no such file' };
  let detail: string | null = null;
  try {
    const db = openBetterSqlite3(backup, { readonly: true, fileMustExist: true });
    try {
      const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
      if (integrity.join() !== 'ok') detail = `integrity_check: ${integrity.slice(0, 5).join('; ')}`;
      else if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'identities'").get())
        detail = 'not a Signet store (no identities table)';
    } finally {
      db.close();
    }
  } catch (err) {
    detail = (err as Error).message;
  }
  if (detail !== null) return { kind: 'not_a_store', detail };
  if (existsSync(target) && !replace) return { kind: 'exists' };
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  copyFileSync(backup, staging, constants.COPYFILE_EXCL);
  chmodSync(staging, 0o600);
  for (const side of [`${target}-wal`, `${target}-shm`]) rmSync(side, { force: true });
  renameSync(staging, target);
  return { kind: 'restored' };
}
