import { after } from 'node:test';
import { openPostgresStorage } from '../src/storage/postgres/open-postgres-store.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';
import { runMailFromStoreContract, type MailFromHandles } from './mail-from-store-contract.ts';

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);
if (skip === false) {
  /** Each open is its own pool on one schema, as a second node would have. */
  runMailFromStoreContract('PostgreSQL', async () => {
    const schema = freshSchema('signet_mf');
    return {
      async open(): Promise<MailFromHandles> {
        const storage = await openPostgresStorage({ url: url!, schema, maxConnections: 4 });
        return { store: storage.store, mailFrom: storage.mailFrom, close: () => storage.close() };
      },
      drop: async () => {},
    };
  });
}
