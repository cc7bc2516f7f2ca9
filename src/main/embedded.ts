import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import type { AppContext } from '../app/context.ts';
import type { Clock } from '../app/ports.ts';
import { createSesHandler, type SesHandler } from '../api/handler.ts';
import type { CoreConfig } from '../config/config.ts';
import { generateDkimKeyPair } from '../dkim/generate-key-pair.ts';
import { KeyPool } from '../dkim/key-pool.ts';
import { dkimKeyContext, SecretBox } from '../secrets/secret-box.ts';
import { loadMasterKey } from '../secrets/master-key.ts';
import type { KyselyStore } from '../storage/kysely-store.ts';
import { openSqliteStore } from '../storage/sqlite/open-sqlite-store.ts';

export const SQLITE_FILE = 'signet.db';

export interface Embedded {
  readonly ctx: AppContext;
  readonly store: KyselyStore;
  readonly keyPool: KeyPool;
  readonly secrets: SecretBox;
  readonly handler: SesHandler;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly poolTarget: number;
  readonly poolConcurrency: number;
  readonly onInternalError?: (err: unknown, requestId: string) => void;
  readonly onKeyPoolError?: (err: unknown) => void;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * Wires the use cases to the embedded SQLite store in the data folder: the composition shared by
 * `signet serve` and the command line's in-process path.
 */
export async function openEmbedded(config: CoreConfig, options: EmbeddedOptions): Promise<Embedded> {
  const secrets = new SecretBox(loadMasterKey(config.dataDir, config.masterKey));
  const store = await openSqliteStore(join(config.dataDir, SQLITE_FILE));
  const keyPool = new KeyPool(store, {
    bits: config.keyBits,
    target: options.poolTarget,
    concurrency: options.poolConcurrency,
    generate: generateDkimKeyPair,
    seal: (pair) => secrets.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)),
    clock: systemClock,
    ...(options.onKeyPoolError ? { onError: options.onKeyPoolError } : {}),
  });
  const ctx: AppContext = {
    store,
    clock: systemClock,
    random: { bytes: (n) => randomBytes(n) },
    keys: keyPool,
    toAscii: domainToASCII,
  };
  const handler = createSesHandler(ctx, {
    accountId: config.accountId,
    defaultRegion: config.defaultRegion,
    ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
  });
  return {
    ctx,
    store,
    keyPool,
    secrets,
    handler,
    async close() {
      await keyPool.stop();
      await store.close();
    },
  };
}
