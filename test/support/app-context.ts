import { randomBytes } from 'node:crypto';
import { toAsciiDomain } from '../../src/main/to-ascii.ts';
import type { AccountsContext } from '../../src/app/accounts.ts';
import type { AppContext } from '../../src/app/context.ts';
import type { DetectionDeps } from '../../src/app/run-detection-check.ts';
import type { DetectionStore, DnsKeyStore, Resolver, SandboxStore } from '../../src/app/detection-ports.ts';
import type { EmailVerificationStore, OutboxStore, PlatformSigner, SendPolicy, SendServices, UnsignedEvent } from '../../src/app/send-ports.ts';
import type { Store } from '../../src/app/ports.ts';
import type { EmailIdentityStore } from '../../src/app/email-identity-ports.ts';
import { composeMessage } from '../../src/mail/compose.ts';
import { VERIFICATION_TTL_MS } from '../../src/app/send-verification-email.ts';
import { ZoneChangeHub } from '../../src/app/zone-change-listener.ts';
import { TokenBucketLimiter } from '../../src/app/rate-limiter.ts';
import { DEFAULT_DETECTION_POLICY, DEFAULT_MAIL_FROM_EXPECTATION, LOCAL_ACCOUNT_ID, type DetectionPolicy, type Scope } from '../../src/core/index.ts';
import { KeyPool } from '../../src/dkim/key-pool.ts';
import type { KeyRingDeps, KeyRingEvent } from '../../src/app/key-ring.ts';
import { DEFAULT_KEY_RETENTION_MS, KEY_FEED_LAG_MS } from '../../src/core/index.ts';
import { createMessageSigner, SigningKeyCache } from '../../src/dkim/signing-key-cache.ts';
import { dkimKeyContext, SecretBox } from '../../src/secrets/secret-box.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open-sqlite-store.ts';
import { checkDomainNow } from '../../src/app/run-detection-check.ts';
import { verifyDomainDkim } from '../../src/app/verify-domain-dkim.ts';
import { dkimTxtRecordStrings } from '../../src/core/index.ts';
import { TestClock } from './clock.ts';
import { FakeDnsZone, fakeResolver } from './fake-dns-zone.ts';
import { fixtureKeyGenerator, TEST_KEY_BITS, testKeyPairs } from './key-fixtures.ts';
import { SeededRandom } from './random.ts';

/**
 * THE place where tests build an application context: a real AppContext over a real SQLite store
 * (in memory: the same SQL, migrations and triggers as the data folder's file, without the disk),
 * the test clock, seeded randomness, the fixture keys and a fake DNS zone. When the composition root
 * changes the AppContext's ports, this is the one file to adapt.
 */

/** The scope tests act in unless they say otherwise: the local account in us-east-1. */
export const TEST_SCOPE: Scope = { accountId: LOCAL_ACCOUNT_ID, region: 'us-east-1' };
/** The key zone the fake DNS's CNAMEs point into. */
export const TEST_ZONE = 'dkim.signet.test';

export interface TestSendOptions extends Partial<SendPolicy> {
  /** Messages are queued for a relay (delivery `pending`) rather than only kept. */
  readonly relay?: boolean;
  readonly platformSigner?: PlatformSigner | null;
  /** The verification mail's link base. */
  readonly publicUrl?: string;
}

export interface TestAppOptions {
  readonly clock?: TestClock;
  readonly seed?: string;
  /** Ready keys put in the pool before the test starts (default 6: two domains' worth). */
  readonly poolKeys?: number;
  /** Sending settings; `false` builds a context without sending (as `signet ses` without a server). */
  readonly send?: TestSendOptions | false;
  readonly policy?: DetectionPolicy;
}

export interface TestApp {
  readonly ctx: AppContext;
  readonly clock: TestClock;
  readonly random: SeededRandom;
  readonly store: Store;
  readonly secrets: SecretBox;
  readonly keyPool: KeyPool;
  readonly zoneChanges: ZoneChangeHub;
  /** Present unless built with `send: false`. */
  readonly send: SendServices;
  readonly outbox: OutboxStore;
  readonly verifications: EmailVerificationStore;
  readonly unsigned: UnsignedEvent[];
  /** How many times a message was queued for the relay. */
  queued(): number;
  readonly accounts: AccountsContext;
  readonly dnsKeys: DnsKeyStore;
  /** The key rings (issue 16) and what they reported (generated, activated, retired). */
  readonly keyRings: KeyRingDeps;
  readonly keyEvents: KeyRingEvent[];
  /** SES v2's identity details (createSesV2Handler's context adds it to ctx). */
  readonly emailIdentities: EmailIdentityStore;
  readonly sandbox: SandboxStore;
  readonly detectionStore: DetectionStore;
  /** The fake DNS the detection resolver asks. */
  readonly dns: FakeDnsZone;
  readonly resolver: Resolver;
  /** What `runDetectionCheck` and friends are given, over the fake DNS and the test clock. */
  readonly detection: DetectionDeps;
  close(): Promise<void>;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clock = options.clock ?? new TestClock();
  const random = new SeededRandom(options.seed);
  const storage = await openSqliteStorage(':memory:');
  const store = storage.store;
  const secrets = new SecretBox(randomBytes(32));
  const seal = (pair: { publicKey: string; privateKeyPem: string }) => secrets.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey));
  const poolKeys = options.poolKeys ?? 6;
  const pairs = testKeyPairs();
  await store.addPoolKeys(
    Array.from({ length: poolKeys }, (_, i) => pairs[i % pairs.length]!).map((pair) => ({
      bits: TEST_KEY_BITS,
      publicKey: pair.publicKey,
      sealedPrivateKey: seal(pair),
      createdAt: clock.now(),
    })),
  );
  // The real KeyPool (waiting, on-demand generation), generating from the fixtures.
  const keyPool = new KeyPool(store, { bits: TEST_KEY_BITS, target: 0, concurrency: 1, generate: fixtureKeyGenerator(poolKeys), seal, clock });
  const outbox = storage.outbox;
  const verifications = storage.verifications;
  const unsigned: UnsignedEvent[] = [];
  let queued = 0;
  const sendOptions = options.send === false ? null : (options.send ?? {});
  const send: SendServices | undefined =
    sendOptions === null
      ? undefined
      : {
          outbox,
          composer: { compose: composeMessage },
          signer: createMessageSigner(new SigningKeyCache(secrets)),
          platformSigner: sendOptions.platformSigner ?? null,
          // MaxSendRate on the test clock: rate tests count, they never sleep.
          rate: new TokenBucketLimiter({
            ratePerSecond: sendOptions.maxSendRate ?? 1,
            burst: Math.max(1, Math.floor(sendOptions.maxSendRate ?? 1)),
            now: () => clock.now(),
          }),
          sandboxRate: null,
          access: { hasProductionAccess: async (accountId) => (await storage.accounts.getProductionAccess(accountId)) ?? true },
          policy: {
            max24HourSend: sendOptions.max24HourSend ?? 200,
            maxSendRate: sendOptions.maxSendRate ?? 1,
            unsignable: sendOptions.unsignable ?? 'refuse',
            messageIdDomain: sendOptions.messageIdDomain ?? 'mail.signet.test',
          },
          verifications,
          verificationMail: { publicUrl: sendOptions.publicUrl ?? 'http://127.0.0.1:8580', from: 'no-reply@mail.signet.test', ttlMs: VERIFICATION_TTL_MS },
          onUnsigned: (event) => unsigned.push(event),
          onQueued: () => queued++,
          relay: sendOptions.relay ?? false,
        };
  const zoneChanges = new ZoneChangeHub();
  const keyEvents: KeyRingEvent[] = [];
  // The key ring with a TTL of one hour and a retention of four days, as the server's defaults.
  const keyRings: KeyRingDeps = {
    rings: storage.keyRings,
    clock,
    policy: { ttlMs: 3600_000, feedLagMs: KEY_FEED_LAG_MS, retentionMs: DEFAULT_KEY_RETENTION_MS, intervalMs: null },
    wantKeys: (bits, count) => keyPool.supply(bits, count),
    zoneChanges,
    toAscii: toAsciiDomain,
    onEvent: (event) => keyEvents.push(event),
  };
  const ctx: AppContext = {
    store,
    clock,
    random,
    keyRings,
    keys: keyPool,
    toAscii: toAsciiDomain,
    mailFrom: storage.mailFrom,
    identitySettings: storage.identitySettings,
    zoneChanges,
    ...(send ? { send } : {}),
  };
  const dns = new FakeDnsZone();
  const resolver = fakeResolver(dns);
  const detectionStore = storage.detection;
  return {
    ctx,
    clock,
    random,
    store,
    secrets,
    keyPool,
    zoneChanges,
    get send(): SendServices {
      if (!send) throw new Error('this test app was built without sending');
      return send;
    },
    outbox,
    verifications,
    unsigned,
    queued: () => queued,
    accounts: { accounts: storage.accounts, sealer: secrets, clock, random },
    dnsKeys: storage.dnsKeys,
    keyRings,
    keyEvents,
    emailIdentities: storage.emailIdentities,
    sandbox: storage.sandbox,
    detectionStore,
    dns,
    resolver,
    detection: {
      store: detectionStore,
      resolver,
      clock,
      zone: TEST_ZONE,
      policy: options.policy ?? DEFAULT_DETECTION_POLICY,
      leaseMs: 60_000,
      mailFrom: { store: storage.mailFrom, expect: DEFAULT_MAIL_FROM_EXPECTATION },
    },
    async close() {
      await keyPool.stop();
      await storage.close();
    },
  };
}

/**
 * Publishes a domain's three DKIM CNAMEs in the fake DNS as its owner would, pointing into TEST_ZONE.
 * Returns the record names.
 */
export function publishDkimCnames(dns: FakeDnsZone, domain: string, tokens: readonly string[]): string[] {
  return tokens.map((token) => {
    const name = `${token}._domainkey.${domain}`;
    dns.cname(name, `${token}.${TEST_ZONE}`);
    return name;
  });
}

/** Puts every key of the key zone into the fake DNS as TXT `TOKEN.TEST_ZONE`, as Signet's DNS server answers it. */
export async function publishKeyZone(app: TestApp): Promise<void> {
  for (const key of (await app.dnsKeys.listKeys(0, 100_000)).keys) {
    app.dns.remove(`${key.token}.${TEST_ZONE}`).txt(`${key.token}.${TEST_ZONE}`, dkimTxtRecordStrings(key.publicKey));
  }
}

/**
 * A domain ready to send signed mail, reached the way a customer gets there: VerifyDomainDkim, the
 * CNAMEs published, one detection check that finds them (DKIM and verification status Success).
 */
export async function verifiedDomain(app: TestApp, domain: string, scope: Scope = TEST_SCOPE): Promise<string[]> {
  const tokens = await verifyDomainDkim(app.ctx, scope, domain);
  publishDkimCnames(app.dns, domain, tokens);
  await publishKeyZone(app);
  const result = await checkDomainNow(app.detection, scope, domain);
  if (result.kind !== 'checked' || result.completion.dkim?.status !== 'Success') throw new Error(`${domain} did not verify: ${JSON.stringify(result)}`);
  return tokens;
}

/** A DNS resolver in mailauth's shape (`resolver(name, type)`) over the fake zone, for verifying signatures. */
export function mailauthResolver(dns: FakeDnsZone): (name: string, type: string) => Promise<string[] | string[][]> {
  return async (name, type) => {
    if (type === 'TXT') return dns.resolveTxt(name);
    if (type === 'CNAME') return dns.resolveCname(name);
    throw Object.assign(new Error(`query${type} ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}
