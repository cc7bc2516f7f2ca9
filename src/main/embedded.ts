import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { AccountsContext } from '../app/accounts.ts';
import { CachedAccountStore } from '../app/cached-account-store.ts';
import type { AppContext } from '../app/context.ts';
import type { Clock } from '../app/ports.ts';
import { ZoneChangeHub } from '../app/zone-change-listener.ts';
import type { DetectionEngine } from '../storage/detection-engine.ts';
import type { SendServices, UnsignedEvent } from '../app/send-ports.ts';
import { devAuthenticator, localAuthenticator, sigV4Authenticator, type Authenticator } from '../api/auth/authenticator.ts';
import { createSesHandler, type SesHandler } from '../api/handler.ts';
import type { CoreConfig } from '../config/config.ts';
import { DEFAULT_SEND_CONFIG, type SendConfig } from '../config/send-config.ts';
import { RelayWorker } from '../delivery/relay-worker.ts';
import { createSmtpRelayTransport } from '../delivery/smtp-transport.ts';
import { TokenBucketLimiter } from '../api/throttle.ts';
import { createMessageSigner, SigningKeyCache } from '../dkim/signing-key-cache.ts';
import { createPlatformSigner, loadPlatformSigningKey } from '../dkim/platform-key.ts';
import { VERIFICATION_TTL_MS } from '../app/send-verification-email.ts';
import { KyselyEmailVerificationStore, KyselyOutboxStore } from '../storage/kysely-outbox-store.ts';
import { generateDkimKeyPair } from '../dkim/generate-key-pair.ts';
import { KeyPool } from '../dkim/key-pool.ts';
import { dkimKeyContext, SecretBox } from '../secrets/secret-box.ts';
import { loadMasterKey } from '../secrets/master-key.ts';
import { KyselyAccountStore } from '../storage/kysely-account-store.ts';
import type { KyselyStore } from '../storage/kysely-store.ts';
import { checkMasterKey, openBackend } from './backend.ts';

export { SQLITE_FILE } from './backend.ts';

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
  /** Who a request acts for (the same check the SES handler makes), for Signet's own HTTP routes. */
  readonly authenticator: Authenticator;
  /** Hears of key creations and deletions from the use cases; the DNS server's cache subscribes. */
  readonly zoneChanges: ZoneChangeHub;
  /** How detection claims work on this store's engine (for the detection stores over `store.database`). */
  readonly detectionEngine: DetectionEngine;
  readonly outbox: KyselyOutboxStore;
  /** Relay delivery and outbox housekeeping; started by `signet serve` only. */
  readonly delivery: RelayWorker;
  close(): Promise<void>;
}

/** How sending is set up: the settings, and the hooks a server wires to its log and metrics. */
export interface EmbeddedSendOptions {
  readonly config: SendConfig;
  /** The host part of Message-ID headers (the key zone, unless configured). */
  readonly messageIdDomain: string;
  /** The base of verification links, read when a mail is composed (the port is known after listen). */
  readonly publicUrl: () => string;
  readonly onUnsigned?: (event: UnsignedEvent) => void;
  readonly onDelivered?: (messageId: string) => void;
  readonly onAttemptFailed?: (messageId: string, err: unknown, willRetry: boolean) => void;
  readonly onDeliveryError?: (err: unknown) => void;
}

export interface EmbeddedOptions {
  readonly poolTarget: number;
  readonly poolConcurrency: number;
  /** `local` (the in-process caller) unless said otherwise. */
  readonly auth?: AuthMode;
  /** Limits of the identity operations per account and region; none means no throttling. */
  readonly throttle?: { readonly ratePerSecond: number; readonly burst: number } | null;
  /** The service clock (tests move it); the system clock by default. */
  readonly clock?: Clock;
  readonly onInternalError?: (err: unknown, requestId: string) => void;
  readonly onKeyPoolError?: (err: unknown) => void;
  /** Sending settings; without them messages are only kept in the outbox, with SES's sandbox quotas. */
  readonly send?: EmbeddedSendOptions;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Wires the use cases to the embedded SQLite store in the data folder: the composition shared by
 * `signet serve`, `signet admin` and the command line's in-process path.
 */
export async function openEmbedded(config: CoreConfig, options: EmbeddedOptions): Promise<Embedded> {
  const clock = options.clock ?? systemClock;
  // The operator's key is read first, so that a bad file stops the start before anything is opened.
  const platformConfig = options.send?.config.platform ?? null;
  const platformSigner = platformConfig ? createPlatformSigner(loadPlatformSigningKey(platformConfig)) : null;
  const secrets = new SecretBox(loadMasterKey(config.dataDir, config.masterKey));
  const backend = await openBackend(config);
  const store = backend.store;
  try {
    await checkMasterKey(store, secrets);
  } catch (err) {
    await store.close();
    throw err;
  }
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
  const sendOptions: EmbeddedSendOptions = options.send ?? {
    config: DEFAULT_SEND_CONFIG,
    messageIdDomain: 'localhost',
    publicUrl: () => 'http://127.0.0.1:8580',
  };
  const outbox = new KyselyOutboxStore(store.database);
  const verifications = new KyselyEmailVerificationStore(store.database);
  const sendConfig = sendOptions.config;
  const delivery = new RelayWorker({
    outbox,
    verifications,
    transport: sendConfig.relay ? createSmtpRelayTransport(sendConfig.relay) : null,
    clock,
    retry: sendConfig.retry,
    leaseMs: Math.max(60_000, (sendConfig.relay?.timeoutMs ?? 30_000) * 4),
    pollMs: sendConfig.deliveryPollMs,
    batchSize: 20,
    retentionMs: sendConfig.outboxRetentionMs,
    ...(sendOptions.onDelivered ? { onDelivered: (m) => sendOptions.onDelivered!(m.messageId) } : {}),
    ...(sendOptions.onAttemptFailed ? { onAttemptFailed: (m, err, retry) => sendOptions.onAttemptFailed!(m.messageId, err, retry) } : {}),
    onError: sendOptions.onDeliveryError ?? (() => {}),
  });
  const send: SendServices = {
    outbox,
    signer: createMessageSigner(new SigningKeyCache(secrets)),
    platformSigner,
    // MaxSendRate, per account and region; a burst of one second's worth.
    rate: new TokenBucketLimiter({ ratePerSecond: sendConfig.maxSendRate, burst: Math.max(1, Math.floor(sendConfig.maxSendRate)), now: () => performance.now() }),
    policy: {
      max24HourSend: sendConfig.max24HourSend,
      maxSendRate: sendConfig.maxSendRate,
      unsignable: sendConfig.unsignable,
      messageIdDomain: sendConfig.messageIdDomain ?? sendOptions.messageIdDomain,
    },
    verifications,
    verificationMail: {
      get publicUrl() {
        return sendConfig.publicUrl ?? sendOptions.publicUrl();
      },
      from: sendConfig.verificationFrom ?? `no-reply@${sendConfig.messageIdDomain ?? sendOptions.messageIdDomain}`,
      ttlMs: VERIFICATION_TTL_MS,
    },
    onUnsigned: sendOptions.onUnsigned ?? (() => {}),
    onQueued: () => delivery.wake(),
    relay: sendConfig.relay !== null,
  };
  const zoneChanges = new ZoneChangeHub();
  const ctx: AppContext = { store, clock, random, keys: keyPool, toAscii: domainToASCII, send, zoneChanges };
  const accountStore = new CachedAccountStore(new KyselyAccountStore(store.database), store.externalChangeCounter);
  const accounts: AccountsContext = { accounts: accountStore, sealer: secrets, clock, random };
  const authenticator =
    (options.auth ?? 'local') === 'sigv4'
      ? sigV4Authenticator({ accounts: accounts.accounts, sealer: secrets, clock })
      : options.auth === 'dev'
        ? devAuthenticator()
        : localAuthenticator(config.defaultRegion);
  const handler = createSesHandler(ctx, {
    authenticator,
    limiter: options.throttle ? backend.rateLimiter(options.throttle) : undefined,
    ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
  });
  return {
    ctx,
    accounts,
    store,
    keyPool,
    secrets,
    handler,
    authenticator,
    zoneChanges,
    detectionEngine: backend.detectionEngine,
    outbox,
    delivery,
    async close() {
      await delivery.stop();
      await keyPool.stop();
      await store.close();
    },
  };
}
