import { openSqliteStore } from '../src/storage/sqlite/open-sqlite-store.ts';
import { sqliteDetectionEngine } from '../src/storage/detection-engine.ts';
import { KyselyDetectionStore } from '../src/storage/kysely-detection-store.ts';
import { KyselyEmailIdentityStore } from '../src/storage/kysely-email-identity-store.ts';
import { runEmailIdentityStoreContract } from './email-identity-store-contract.ts';

runEmailIdentityStoreContract('SQLite (in memory)', async () => {
  const store = await openSqliteStore(':memory:');
  return { store, identities: new KyselyEmailIdentityStore(store.database), detection: new KyselyDetectionStore(store.database, sqliteDetectionEngine), close: () => store.close() };
});
