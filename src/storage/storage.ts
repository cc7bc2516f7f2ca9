import type { Kysely } from 'kysely';
import type { AccountStore } from '../app/account-ports.ts';
import type { DetectionStore, DnsKeyStore, SandboxStore } from '../app/detection-ports.ts';
import type { EmailIdentityStore } from '../app/email-identity-ports.ts';
import type { MailFromStore } from '../app/mail-from-ports.ts';
import type { IdentitySettingsStore } from '../app/identity-settings-ports.ts';
import type { KeyRingStore } from '../app/key-ring-ports.ts';
import type { SettingsStore, Store } from '../app/ports.ts';
import type { RateLimiter } from '../app/rate-limiter.ts';
import type { EmailVerificationStore, OutboxStore } from '../app/send-ports.ts';
import type { DetectionEngine } from './detection-engine.ts';
import { KyselyAccountStore } from './kysely-account-store.ts';
import { KyselyDetectionStore } from './kysely-detection-store.ts';
import { KyselyDnsKeyStore } from './kysely-dns-key-store.ts';
import { KyselyEmailIdentityStore } from './kysely-email-identity-store.ts';
import { KyselyKeyRingStore } from './kysely-key-ring-store.ts';
import { KyselyMailFromStore } from './kysely-mail-from-store.ts';
import { KyselyIdentitySettingsStore } from './kysely-identity-settings-store.ts';
import { KyselyEmailVerificationStore, KyselyOutboxStore } from './kysely-outbox-store.ts';
import { KyselySandboxStore } from './kysely-sandbox-store.ts';
import { KyselySettingsStore } from './kysely-settings-store.ts';
import type { KyselyStore } from './kysely-store.ts';
import type { Database } from './schema.ts';

/**
 * One open database as the rest of Signet sees it: a store per port, the engine's rate limiter, and
 * close(). The Kysely handle stays inside src/storage, so SQL lives only here and every store shares
 * the one connection (pool) and its transactions' rules.
 */
export interface Storage {
  /** Identities, tokens, keys and the key pool (the use cases' Store). */
  readonly store: Store;
  readonly accounts: AccountStore;
  /** SES v2's view of identities: tags, configuration set, key facts, detection results. */
  readonly emailIdentities: EmailIdentityStore;
  /** Notification settings and sending authorization policies per identity (both APIs). */
  readonly identitySettings: IdentitySettingsStore;
  readonly detection: DetectionStore;
  /** Custom MAIL FROM domains: settings, detection state and claims. */
  readonly mailFrom: MailFromStore;
  readonly dnsKeys: DnsKeyStore;
  /** The signing-key rings behind the tokens: rotation, key length (issue 16). */
  readonly keyRings: KeyRingStore;
  readonly sandbox: SandboxStore;
  readonly outbox: OutboxStore;
  readonly verifications: EmailVerificationStore;
  readonly settings: SettingsStore;
  /** Changes whenever another process or node commits; null where the engine cannot tell cheaply (see EngineStrategy). */
  readonly externalChangeCounter: (() => number) | null;
  /** Per account and region limits: in memory on SQLite (one node), in the database on PostgreSQL. */
  rateLimiter(options: { readonly ratePerSecond: number; readonly burst: number }): RateLimiter;
  close(): Promise<void>;
}

export interface StorageParts {
  readonly db: Kysely<Database>;
  readonly store: KyselyStore;
  readonly detectionEngine: DetectionEngine;
  readonly rateLimiter: Storage['rateLimiter'];
}

/** Builds the stores over one database; each is made on first use (a command needs only a few). */
export function storageOver(parts: StorageParts): Storage {
  const { db, store, detectionEngine } = parts;
  const lazy = <T>(make: () => T): (() => T) => {
    let value: T | undefined;
    return () => (value ??= make());
  };
  const accounts = lazy(() => new KyselyAccountStore(db));
  const emailIdentities = lazy(() => new KyselyEmailIdentityStore(db));
  const identitySettings = lazy(() => new KyselyIdentitySettingsStore(db, (trx, id) => store.lockIdentity(trx, id)));
  const detection = lazy(() => new KyselyDetectionStore(db, detectionEngine));
  const mailFrom = lazy(() => new KyselyMailFromStore(db, detectionEngine));
  const dnsKeys = lazy(() => new KyselyDnsKeyStore(db));
  const keyRings = lazy(() => new KyselyKeyRingStore(db, (q) => store.lockTaken(q)));
  const sandbox = lazy(() => new KyselySandboxStore(db));
  const outbox = lazy(() => new KyselyOutboxStore(db));
  const verifications = lazy(() => new KyselyEmailVerificationStore(db));
  const settings = lazy(() => new KyselySettingsStore(db));
  return {
    store,
    get accounts() {
      return accounts();
    },
    get emailIdentities() {
      return emailIdentities();
    },
    get identitySettings() {
      return identitySettings();
    },
    get detection() {
      return detection();
    },
    get mailFrom() {
      return mailFrom();
    },
    get dnsKeys() {
      return dnsKeys();
    },
    get keyRings() {
      return keyRings();
    },
    get sandbox() {
      return sandbox();
    },
    get outbox() {
      return outbox();
    },
    get verifications() {
      return verifications();
    },
    get settings() {
      return settings();
    },
    externalChangeCounter: store.externalChangeCounter,
    rateLimiter: parts.rateLimiter,
    close: () => store.close(),
  };
}
