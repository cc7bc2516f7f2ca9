import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { runIdentitySettingsStoreContract } from './identity-settings-store-contract.ts';

runIdentitySettingsStoreContract('SQLite (in memory)', async () => {
  const storage = await openSqliteStorage(':memory:');
  return { store: storage.store, settings: storage.identitySettings, outbox: storage.outbox, close: () => storage.close() };
});
