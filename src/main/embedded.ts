import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import type { AccountsContext } from '../app/accounts.ts';
import type { AppContext } from '../app/context.ts';
import type { Clock } from '../app/ports.ts';
import { devAuthenticator, localAuthenticator, sigV4Authenticator } from '../api/auth/authenticator.ts';
import { createSesHandler, type SesHandler } from '../api/handler.ts';
import type { RateLimiter } from '../api/throttle.ts';
import type { CoreConfig } from '../config/config.ts';
import { generateDkimKeyPair } from '../dkim/generate-key-pair.ts';
import { KeyPool } from '../dkim/key-pool.ts';
import { dkimKeyContext, SecretBox } from '../secrets/secret-box.ts';
import { loadMasterKey } from '../secrets/master-key.ts';
import { KyselyAccountStore } from '../storage/kysely-account-store.ts';
import type { KyselyStore } from '../storage/kysely-store.ts';
import { openSqliteStore } from '../storage/sqlite/open-sqlite-store.ts';

export const SQLITE_FILE = 'signet.db';

/**
 * Who requests act for: `sigv4` verifies every signature against the stored access keys; `dev`
 * accepts any well-formed credentials as the local account; `local` is the command line's in-process
 * path, where the caller owns the data folder.
 */
export type AuthMode = 'sigv4' | 'dev' | 'local';

export interface Embedded {
  readonly ctx: AppContext;
  readonly accounts: AccountsContext;
  readonly store: KyselyStore;
  readonly keyPool: KeyPool;
  readonly secrets: SecretBox;
  readonly handler: SesHandler;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly poolTarget: number;
  readonly poolConcurrency: number;
  /** `local` (the in-process caller) unless said otherwise. */
  readonly auth?: AuthMode;
  readonly limiter?: RateLimiter | undefined;
  /** The service clock (tests move it); the system clock by default. */
  readonly clock?: Clock;
  readonly onInternalError?: (err: unknown, requestId: string) => void;
  readonly onKeyPoolError?: (err: unknown) => void;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Wires the use cases to the embedded SQLite store in the data folder: the composition shared by
 * `signet serve`, `signet admin` and the command line's in-process path.
 */
export async function openEmbedded(config: CoreConfig, options: EmbeddedOptions): Promise<Embedded> {
  const clock = options.clock ?? systemClock;
  const secrets = new SecretBox(loadMasterKey(config.dataDir, config.masterKey));
  const store = await openSqliteStore(join(config.dataDir, SQLITE_FILE));
  const random = { bytes: (n: number) => randomBytes(n) };
  const keyPool = new KeyPool(store, {
    bits: config.keyBits,
    target: options.poolTarget,
    concurrency: options.poolConcurrency,
    generate: generateDkimKeyPair,
    seal: (pair) => secrets.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)),
    clock,
    ...(options.onKeyPoolError ? { onError: options.onKeyPoolError } : {}),
  });
  const ctx: AppContext = { store, clock, random, keys: keyPool, toAscii: domainToASCII };
  const accounts: AccountsContext = { accounts: new KyselyAccountStore(store.database), sealer: secrets, clock, random };
  const authenticator =
    (options.auth ?? 'local') === 'sigv4'
      ? sigV4Authenticator({ accounts: accounts.accounts, sealer: secrets, clock })
      : options.auth === 'dev'
        ? devAuthenticator()
        : localAuthenticator(config.defaultRegion);
  const handler = createSesHandler(ctx, {
    authenticator,
    limiter: options.limiter,
    ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
  });
  return {
    ctx,
    accounts,
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
