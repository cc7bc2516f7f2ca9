import { randomBytes } from 'node:crypto';
import type { AccountStore } from '../app/account-ports.ts';
import type { AccountsContext } from '../app/accounts.ts';
import { SANDBOX_MAX_SEND_RATE } from '../app/sending-quota.ts';
import { CachedAccountStore } from '../app/cached-account-store.ts';
import type { AppContext } from '../app/context.ts';
import type { Clock, Random } from '../app/ports.ts';
import { TokenBucketLimiter } from '../app/rate-limiter.ts';
import type { MessageComposer, SendServices, UnsignedEvent } from '../app/send-ports.ts';
import { VERIFICATION_TTL_MS } from '../app/send-verification-email.ts';
import { ZoneChangeHub } from '../app/zone-change-listener.ts';
import type { KeyRingDeps, KeyRingEvent } from '../app/key-ring.ts';
import { DEFAULT_KEY_RETENTION_MS, DEFAULT_KEY_TTL_S, KEY_FEED_LAG_MS } from '../core/index.ts';
import { devAuthenticator, localAuthenticator, sigV4Authenticator, type Authenticator } from '../api/auth/authenticator.ts';
import { createSesHandler, type SesHandler } from '../api/handler.ts';
import { routeSesRequest } from '../api/v2/dispatch.ts';
import { createSesV2Handler } from '../api/v2/handler.ts';
import { ConfigError, type CoreConfig } from '../config/config.ts';
import { DEFAULT_SEND_CONFIG, type SendConfig } from '../config/send-config.ts';
import type { RelayWorker } from '../delivery/relay-worker.ts';
import { generateDkimKeyPair } from '../dkim/generate-key-pair.ts';
import { KeyPool } from '../dkim/key-pool.ts';
import { createPlatformSigner } from '../dkim/platform-key.ts';
import { createMessageSigner, SigningKeyCache } from '../dkim/signing-key-cache.ts';
import { loadMasterKey } from '../secrets/master-key.ts';
import { masterKeyFingerprint } from '../secrets/master-key-fingerprint.ts';
import { checkPrivateFolder } from '../secrets/file-permissions.ts';
import { dkimKeyContext, SecretBox } from '../secrets/secret-box.ts';
import { createExternalKeyImporter } from '../dkim/external-key.ts';
import { openStorage, type Storage } from '../storage/open-storage.ts';
import { loadPlatformSigningKey } from './platform-key-file.ts';
import { toAsciiDomain } from './to-ascii.ts';
import type { ServiceModelData } from '../model/service-types.ts';

export { SQLITE_FILE } from '../storage/open-storage.ts';

/**
 * Who requests act for: `sigv4` verifies every signature against the stored access keys; `dev`
 * accepts any well-formed credentials as the local account; `local` is the command line's in-process
 * path, where the caller owns the data folder.
 */
export type AuthMode = 'sigv4' | 'dev' | 'local';

/** The time and randomness every part of one process shares (tests and dev mode move the clock). */
export interface Runtime {
  readonly clock: Clock;
  readonly random: Random;
}

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: Random = { bytes: (n: number) => randomBytes(n) };
export const systemRuntime: Runtime = { clock: systemClock, random: systemRandom };

/** How sending is set up: the settings, and the hooks a server wires to its log and metrics. */
export interface SendingFeature {
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

/** What a command asks the composition for; whatever it does not ask for is never built nor loaded. */
export interface SignetFeatures {
  /** The SES API handler (and the authenticator Signet's own routes share). */
  readonly api?: {
    readonly auth: AuthMode;
    /** Limits of the identity operations per account and region; none means no throttling. */
    readonly throttle?: { readonly ratePerSecond: number; readonly burst: number } | null;
    readonly onInternalError?: (err: unknown, requestId: string) => void;
    /** Makes request ids; node:crypto's randomUUID unless given. */
    readonly requestId?: () => string;
    /** SES v2: the key zone, reported as GetEmailIdentity's SigningHostedZone. */
    readonly keyZone?: string;
    /**
     * SES v1's model, when the caller has it loaded already (`signet ses` with no endpoint: the command
     * line's own, so that the in-process call does not parse it a second time); else loaded here.
     */
    readonly sesModel?: ServiceModelData;
  };
  /**
   * The key ring's policy (issue 16: `--key-retention`, `--key-rotation-interval`, the key records' TTL)
   * and who hears of its changes; without it the defaults (4 days, no schedule, a TTL of one hour).
   */
  readonly keyRing?: {
    readonly ttlMs: number;
    readonly retentionMs: number;
    readonly intervalMs: number | null;
    readonly onEvent?: (event: KeyRingEvent) => void;
  };
  /** Ready keys kept in the pool by `keyPool.start()`; without it, keys are made when a domain needs them. */
  readonly keyPool?: { readonly target: number; readonly concurrency: number; readonly onError?: (err: unknown) => void };
  /** Sending settings; without them messages are only kept in the outbox, with SES's sandbox quotas. */
  readonly sending?: SendingFeature;
  /** Relay delivery and outbox housekeeping (`signet serve`); started by the caller. */
  readonly delivery?: boolean;
  /** Dev mode's `--auto-verify` (`emails` or `all`), with the key zone the sandbox CNAMEs point into. */
  readonly autoVerify?: { readonly mode: 'emails' | 'all'; readonly zone: string };
}

export interface Signet {
  readonly config: CoreConfig;
  readonly runtime: Runtime;
  readonly storage: Storage;
  readonly secrets: SecretBox;
  /** What every use case is given. */
  readonly ctx: AppContext;
  readonly accounts: AccountsContext;
  readonly keyPool: KeyPool;
  /** Hears of key creations and deletions from the use cases; the DNS server's cache subscribes. */
  readonly zoneChanges: ZoneChangeHub;
  /** Present when the `api` feature was asked for. */
  readonly handler: SesHandler | null;
  readonly authenticator: Authenticator | null;
  /** Present when the `delivery` feature was asked for. */
  readonly delivery: RelayWorker | null;
  close(): Promise<void>;
}

const MASTER_KEY_CHECK = 'master_key_check';
const MASTER_KEY_CHECK_CONTEXT = 'signet/master-key-check';
/** See masterKeyFingerprint. */
const MASTER_KEY_FINGERPRINT = 'master_key_fingerprint';

/**
 * The one composition root: every command and the server build Signet here, over one storage, one
 * clock and one source of randomness, asking only for the features they use (the command line's
 * in-process path builds no relay worker and loads no SMTP code; see bench/embedded-startup.mjs).
 */
export async function createSignet(config: CoreConfig, runtime: Runtime, features: SignetFeatures = {}): Promise<Signet> {
  const { clock, random } = runtime;
  // The operator's key is read first, so that a bad file stops the start before anything is opened.
  const platformConfig = features.sending?.config.platform ?? null;
  const platformSigner = platformConfig ? createPlatformSigner(loadPlatformSigningKey(platformConfig)) : null;
  // Issue 14: a data folder others may write is refused before anything in it is read or made.
  checkPrivateFolder(config.dataDir);
  const storage = await openStorage(config);
  let delivery: RelayWorker | null = null;
  let keyPool: KeyPool | null = null;
  try {
    // The store is opened first so that a missing master.key is never replaced by a new one while
    // the store holds secrets sealed by the old one.
    const check = await storage.settings.get(MASTER_KEY_CHECK);
    const masterKey = loadMasterKey(config.dataDir, config.masterKey, { sealedStoreExists: check !== null });
    const secrets = new SecretBox(masterKey);
    await checkMasterKey(storage, secrets, check, masterKeyFingerprint(masterKey));
    keyPool = new KeyPool(storage.store, {
      bits: config.keyBits,
      target: features.keyPool?.target ?? 0,
      concurrency: features.keyPool?.concurrency ?? 1,
      generate: generateDkimKeyPair,
      seal: (pair) => secrets.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)),
      clock,
      ...(features.keyPool?.onError ? { onError: features.keyPool.onError } : {}),
    });
    const sending: SendingFeature = features.sending ?? {
      config: DEFAULT_SEND_CONFIG,
      messageIdDomain: 'localhost',
      publicUrl: () => 'http://127.0.0.1:8580',
    };
    if (features.delivery) delivery = await createDelivery(storage, clock, sending);
    const worker = delivery;
    const accounts: AccountsContext = {
      accounts: new CachedAccountStore(storage.accounts, storage.externalChangeCounter),
      sealer: secrets,
      clock,
      random,
    };
    const send = sendServices(storage, secrets, sending, platformSigner, () => worker?.wake(), accounts.accounts);
    const zoneChanges = new ZoneChangeHub();
    const autoVerify = features.autoVerify
      ? { emails: true, domains: features.autoVerify.mode === 'all' ? { sandbox: storage.sandbox, zone: features.autoVerify.zone } : null }
      : undefined;
    const pool0 = keyPool;
    const keyRings: KeyRingDeps = {
      rings: storage.keyRings,
      clock,
      policy: {
        ttlMs: features.keyRing?.ttlMs ?? DEFAULT_KEY_TTL_S * 1000,
        feedLagMs: KEY_FEED_LAG_MS,
        retentionMs: features.keyRing?.retentionMs ?? DEFAULT_KEY_RETENTION_MS,
        intervalMs: features.keyRing?.intervalMs ?? null,
      },
      wantKeys: (bits, count) => pool0.supply(bits, count),
      zoneChanges,
      toAscii: toAsciiDomain,
      ...(features.keyRing?.onEvent ? { onEvent: features.keyRing.onEvent } : {}),
    };
    const ctx: AppContext = {
      store: storage.store,
      keyRings,
      clock,
      random,
      keys: keyPool,
      toAscii: toAsciiDomain,
      mailFrom: storage.mailFrom,
      identitySettings: storage.identitySettings,
      send,
      zoneChanges,
      externalDkim: { store: storage.externalDkim, importer: createExternalKeyImporter(secrets) },
      ...(autoVerify ? { autoVerify } : {}),
    };
    let handler: SesHandler | null = null;
    let authenticator: Authenticator | null = null;
    if (features.api) {
      const api = features.api;
      // Issue 14: only the configured regions (each has its own quotas and throttles).
      const regions = new Set(config.regions);
      authenticator =
        api.auth === 'sigv4'
          ? sigV4Authenticator({ accounts: accounts.accounts, sealer: secrets, clock, regions })
          : api.auth === 'dev'
            ? devAuthenticator(regions)
            : localAuthenticator(config.defaultRegion, regions);
      // SES v1 (Query) and v2 (REST-JSON) on the same store, use cases and limiter.
      const limiter = api.throttle ? storage.rateLimiter(api.throttle) : undefined;
      const handlerOptions = { authenticator, limiter, requestId: api.requestId, ...(api.onInternalError ? { onInternalError: api.onInternalError } : {}) };
      const model = api.sesModel ?? (await import('../model/ses-model.generated.ts')).SES_MODEL;
      const v2 = createSesV2Handler({ ...ctx, identities: storage.emailIdentities }, { ...handlerOptions, signingHostedZone: api.keyZone });
      handler = routeSesRequest(createSesHandler(ctx, { ...handlerOptions, model }), v2);
    }
    const pool = keyPool;
    return {
      config,
      runtime,
      storage,
      secrets,
      ctx,
      accounts,
      keyPool: pool,
      zoneChanges,
      handler,
      authenticator,
      delivery,
      async close() {
        await worker?.stop();
        await pool.stop();
        await storage.close();
      },
    };
  } catch (err) {
    await delivery?.stop();
    await keyPool?.stop();
    await storage.close();
    throw err;
  }
}

/** Sending's services: SES's quotas and rate, the signers, the composer (nodemailer, loaded on first use). */
function sendServices(
  storage: Storage,
  secrets: SecretBox,
  sending: SendingFeature,
  platformSigner: SendServices['platformSigner'],
  wakeDelivery: () => void,
  accounts: AccountStore,
): SendServices {
  const config = sending.config;
  const bucket = (ratePerSecond: number) =>
    config.sendRateLimited ? new TokenBucketLimiter({ ratePerSecond, burst: Math.max(1, Math.floor(ratePerSecond)), now: () => performance.now() }) : null;
  const composer: MessageComposer = {
    async compose(input) {
      const { composeMessage } = await import('../mail/compose.ts');
      return composeMessage(input);
    },
  };
  return {
    outbox: storage.outbox,
    composer,
    signer: createMessageSigner(new SigningKeyCache(secrets)),
    platformSigner,
    // MaxSendRate, per account and region; a burst of one second's worth.
    rate: bucket(config.maxSendRate),
    // SES's sandbox rate, for sandboxed accounts when the configured one is higher.
    sandboxRate: config.maxSendRate > SANDBOX_MAX_SEND_RATE ? bucket(SANDBOX_MAX_SEND_RATE) : null,
    // An account the store does not know (the command line's local account before any server made it) is not sandboxed.
    access: { hasProductionAccess: async (accountId) => (await accounts.getProductionAccess(accountId)) ?? true },
    policy: {
      max24HourSend: config.max24HourSend,
      maxSendRate: config.maxSendRate,
      unsignable: config.unsignable,
      messageIdDomain: config.messageIdDomain ?? sending.messageIdDomain,
    },
    verifications: storage.verifications,
    verificationMail: {
      get publicUrl() {
        return config.publicUrl ?? sending.publicUrl();
      },
      from: config.verificationFrom ?? `no-reply@${config.messageIdDomain ?? sending.messageIdDomain}`,
      ttlMs: VERIFICATION_TTL_MS,
    },
    onUnsigned: sending.onUnsigned ?? (() => {}),
    onQueued: wakeDelivery,
    relay: config.relay !== null,
  };
}

/** The relay worker (nodemailer's SMTP client only when a relay is configured). */
async function createDelivery(storage: Storage, clock: Clock, sending: SendingFeature): Promise<RelayWorker> {
  const config = sending.config;
  const { RelayWorker } = await import('../delivery/relay-worker.ts');
  const transport = config.relay ? (await import('../delivery/smtp-transport.ts')).createSmtpRelayTransport(config.relay) : null;
  return new RelayWorker({
    outbox: storage.outbox,
    verifications: storage.verifications,
    transport,
    clock,
    retry: config.retry,
    leaseMs: Math.max(60_000, (config.relay?.timeoutMs ?? 30_000) * 4),
    pollMs: config.deliveryPollMs,
    batchSize: 20,
    retentionMs: config.outboxRetentionMs,
    ...(sending.onDelivered ? { onDelivered: (m) => sending.onDelivered!(m.messageId) } : {}),
    ...(sending.onAttemptFailed ? { onAttemptFailed: (m, err, retry) => sending.onAttemptFailed!(m.messageId, err, retry) } : {}),
    onError: sending.onDeliveryError ?? (() => {}),
  });
}

/**
 * Refuses to run with a master key other than the one that sealed the store's secrets: on a shared
 * PostgreSQL every node must have the same SIGNET_MASTER_KEY, and a node without it would otherwise
 * fail on every key it touches. The first process to start records a sealed check value and the
 * key's fingerprint. Later starts compare fingerprints, which needs no node:crypto (see
 * masterKeyFingerprint); a store made before fingerprints is checked by opening its sealed value
 * once, and the fingerprint is recorded then.
 */
async function checkMasterKey(storage: Storage, secrets: SecretBox, check: string | null, fingerprint: string): Promise<void> {
  const known = await storage.settings.get(MASTER_KEY_FINGERPRINT);
  if (known !== null) {
    if (known !== fingerprint) throw wrongMasterKey();
    return;
  }
  const stored = check ?? (await storage.settings.putIfAbsent(MASTER_KEY_CHECK, secrets.seal(MASTER_KEY_CHECK, MASTER_KEY_CHECK_CONTEXT)));
  try {
    secrets.open(stored, MASTER_KEY_CHECK_CONTEXT);
  } catch {
    throw wrongMasterKey();
  }
  // Another process with the same key may have recorded it meanwhile; one with another key could not
  // have (its sealed check value would not have opened).
  if ((await storage.settings.putIfAbsent(MASTER_KEY_FINGERPRINT, fingerprint)) !== fingerprint) throw wrongMasterKey();
}

function wrongMasterKey(): ConfigError {
  return new ConfigError(
    'the master key does not open this store: every node must use the master key that sealed its keys (set the same SIGNET_MASTER_KEY on all of them)',
  );
}
