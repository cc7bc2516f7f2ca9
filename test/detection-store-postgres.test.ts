import { after } from 'node:test';
import { openPostgresStorage } from '../src/storage/postgres/open-postgres-store.ts';
import { runDetectionStoreContract, type DetectionHandles } from './detection-store-contract.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);
if (skip === false) {
  /** Each open is its own pool on one schema, as a second node would have. */
  runDetectionStoreContract('PostgreSQL', async () => {
    const schema = freshSchema('signet_det');
    return {
      async open(): Promise<DetectionHandles> {
        const storage = await openPostgresStorage({ url: url!, schema, maxConnections: 4 });
        return { store: storage.store, detection: storage.detection, dnsKeys: storage.dnsKeys, sandbox: storage.sandbox, close: () => storage.close() };
      },
      // The schemas are dropped together at the end (dropSchemas).
      drop: async () => {},
    };
  });
}
