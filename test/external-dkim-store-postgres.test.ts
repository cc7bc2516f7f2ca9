import { after } from 'node:test';
import { openPostgresStorage } from '../src/storage/postgres/open-postgres-store.ts';
import { runExternalDkimStoreContract } from './external-dkim-store-contract.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);
if (skip === false) {
  runExternalDkimStoreContract('PostgreSQL', async () => {
    const storage = await openPostgresStorage({ url: url!, schema: freshSchema('signet_byod'), maxConnections: 4 });
    return { store: storage.store, external: storage.externalDkim, close: () => storage.close() };
  });
}
