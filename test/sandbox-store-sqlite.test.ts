import { openSqliteStorage } from '../src/storage/sqlite/open-sqlite-store.ts';
import { runSandboxStoreContract } from './sandbox-store-contract.ts';

runSandboxStoreContract('SQLite (in memory)', () => openSqliteStorage(':memory:'));
