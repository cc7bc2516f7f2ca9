import { after } from 'node:test';
import { postgresDetectionEngine } from '../src/storage/detection-engine.ts';
import { KyselyDetectionStore } from '../src/storage/kysely-detection-store.ts';
import { KyselyDnsKeyStore } from '../src/storage/kysely-dns-key-store.ts';
import { KyselySandboxStore } from '../src/storage/kysely-sandbox-store.ts';
import { openPostgresStore } from '../src/storage/postgres/open-postgres-store.ts';
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
        const store = await openPostgresStore({ url: url!, schema, maxConnections: 4 });
        return {
          store,
          detection: new KyselyDetectionStore(store.database, postgresDetectionEngine),
          dnsKeys: new KyselyDnsKeyStore(store.database),
          sandbox: new KyselySandboxStore(store.database),
          close: () => store.close(),
        };
      },
      // The schemas are dropped together at the end (dropSchemas).
      drop: async () => {},
    };
  });
}
