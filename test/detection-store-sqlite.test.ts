import { join } from 'node:path';
import { sqliteDetectionEngine } from '../src/storage/detection-engine.ts';
import { KyselyDetectionStore } from '../src/storage/kysely-detection-store.ts';
import { KyselyDnsKeyStore } from '../src/storage/kysely-dns-key-store.ts';
import { KyselySandboxStore } from '../src/storage/kysely-sandbox-store.ts';
import { openSqliteStore } from '../src/storage/sqlite/open-sqlite-store.ts';
import { runDetectionStoreContract, type DetectionHandles } from './detection-store-contract.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** Each open is a separate better-sqlite3 connection to one file, as a second process would have. */
runDetectionStoreContract('SQLite (file, WAL)', async () => {
  const dir = tempDir('detection-store');
  const file = join(dir.path, 'signet.db');
  return {
    async open(): Promise<DetectionHandles> {
      const store = await openSqliteStore(file);
      return {
        store,
        detection: new KyselyDetectionStore(store.database, sqliteDetectionEngine),
        dnsKeys: new KyselyDnsKeyStore(store.database),
        sandbox: new KyselySandboxStore(store.database),
        close: () => store.close(),
      };
    },
    drop: async () => dir.remove(),
  };
});
