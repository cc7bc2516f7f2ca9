import { join } from 'node:path';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { runKeyRingStoreContract } from './key-ring-store-contract.ts';

runKeyRingStoreContract('SQLite (file, WAL)', async () => {
  const dir = tempDir('key-ring-store');
  const storage = await openSqliteStorage(join(dir.path, 'signet.db'));
  return {
    store: storage.store,
    rings: storage.keyRings,
    dnsKeys: storage.dnsKeys,
    close: async () => {
      await storage.close();
      await dir.remove();
    },
  };
});
