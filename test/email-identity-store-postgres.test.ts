import { after } from 'node:test';
import { openPostgresStore } from '../src/storage/postgres/open-postgres-store.ts';
import { postgresDetectionEngine } from '../src/storage/detection-engine.ts';
import { KyselyDetectionStore } from '../src/storage/kysely-detection-store.ts';
import { KyselyEmailIdentityStore } from '../src/storage/kysely-email-identity-store.ts';
import { runEmailIdentityStoreContract } from './email-identity-store-contract.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);
if (skip === false) {
  runEmailIdentityStoreContract('PostgreSQL', async () => {
    const store = await openPostgresStore({ url: url!, schema: freshSchema(), maxConnections: 4 });
    return { store, identities: new KyselyEmailIdentityStore(store.database), detection: new KyselyDetectionStore(store.database, postgresDetectionEngine), close: () => store.close() };
  });
}
