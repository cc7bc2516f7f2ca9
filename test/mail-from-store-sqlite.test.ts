import { join } from 'node:path';
import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { runMailFromStoreContract, type MailFromHandles } from './mail-from-store-contract.ts';

/** Each open is a separate better-sqlite3 connection to one file, as a second process would have. */
runMailFromStoreContract('SQLite (file, WAL)', async () => {
  const dir = tempDir('mail-from-store');
  const file = join(dir.path, 'signet.db');
  return {
    async open(): Promise<MailFromHandles> {
      const storage = await openSqliteStorage(file);
      return { store: storage.store, mailFrom: storage.mailFrom, close: () => storage.close() };
    },
    drop: async () => dir.remove(),
  };
});
