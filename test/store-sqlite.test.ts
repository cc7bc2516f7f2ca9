import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/storage/sqlite/open-sqlite-store.ts';
import { runStoreContract } from './store-contract.ts';

runStoreContract('SQLite (file, WAL)', async () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'signet-store-')), 'signet.db')));
runStoreContract('SQLite (in memory)', async () => openSqliteStore(':memory:'));
