import { join } from 'node:path';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { runDetectionStoreContract, type DetectionHandles } from './detection-store-contract.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** Each open is a separate better-sqlite3 connection to one file, as a second process would have. */
runDetectionStoreContract('SQLite (file, WAL)', async () => {
  const dir = tempDir('detection-store');
  const file = join(dir.path, 'signet.db');
  return {
    async open(): Promise<DetectionHandles> {
      const storage = await openSqliteStorage(file);
      return { store: storage.store, detection: storage.detection, dnsKeys: storage.dnsKeys, sandbox: storage.sandbox, close: () => storage.close() };
    },
    drop: async () => dir.remove(),
  };
});
