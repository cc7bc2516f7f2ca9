import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { runEmailIdentityStoreContract } from './email-identity-store-contract.ts';

runEmailIdentityStoreContract('SQLite (in memory)', async () => {
  const storage = await openSqliteStorage(':memory:');
  return { store: storage.store, identities: storage.emailIdentities, detection: storage.detection, mailFrom: storage.mailFrom, close: () => storage.close() };
});
