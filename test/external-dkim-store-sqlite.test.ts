import { join } from 'node:path';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { runExternalDkimStoreContract } from './external-dkim-store-contract.ts';
import { tempDir } from './helpers/temp-dir.ts';

runExternalDkimStoreContract('SQLite (file, WAL)', async () => {
  const dir = tempDir('external-dkim-store');
  const storage = await openSqliteStorage(join(dir.path, 'signet.db'));
  return {
    store: storage.store,
    external: storage.externalDkim,
    close: async () => {
      await storage.close();
      await dir.remove();
    },
  };
});
