import type { Kysely } from 'kysely';
import type { AccountStore } from '../app/account-ports.ts';
import type { DetectionStore, DnsKeyStore, SandboxStore } from '../app/detection-ports.ts';
import type { EmailIdentityStore } from '../app/email-identity-ports.ts';
import type { MailFromStore } from '../app/mail-from-ports.ts';
import type { IdentitySettingsStore } from '../app/identity-settings-ports.ts';
import type { KeyRingStore } from '../app/key-ring-ports.ts';
import type { ExternalDkimStore } from '../app/external-dkim-ports.ts';
import type { SettingsStore, Store } from '../app/ports.ts';
import type { RateLimiter } from '../app/rate-limiter.ts';
import type { EmailVerificationStore, OutboxStore } from '../app/send-ports.ts';
import type { DetectionEngine } from './detection-engine.ts';
import { KyselyAccountStore } from './kysely-account-store.ts';
import { KyselyDetectionStore } from './kysely-detection-store.ts';
import { KyselyDnsKeyStore, type KeysByTokens, type SyncKeyLookup } from './kysely-dns-key-store.ts';
import { KyselyEmailIdentityStore } from './kysely-email-identity-store.ts';
import { KyselyKeyRingStore } from './kysely-key-ring-store.ts';
import { KyselyExternalDkimStore } from './kysely-external-dkim-store.ts';
import { KyselyMailFromStore } from './kysely-mail-from-store.ts';
import { KyselyIdentitySettingsStore } from './kysely-identity-settings-store.ts';
import { KyselyEmailVerificationStore, KyselyOutboxStore } from './kysely-outbox-store.ts';
import { KyselySandboxStore } from './kysely-sandbox-store.ts';
import { KyselySettingsStore } from './kysely-settings-store.ts';
import type { KyselyStore } from './kysely-store.ts';
import type { ReadAside } from './read-aside.ts';
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
  /** Bring-Your-Own-DKIM keys and the chosen signing method (issue 16 item 4). */
  readonly externalDkim: ExternalDkimStore;
  readonly sandbox: SandboxStore;
  readonly outbox: OutboxStore;
  readonly verifications: EmailVerificationStore;
  readonly settings: SettingsStore;
  /** Changes whenever another process or node commits; null where the engine cannot tell cheaply (see EngineStrategy). */
  readonly externalChangeCounter: (() => number) | null;
  /** Per account and region limits: in memory on SQLite (one node), in the database on PostgreSQL. */
  rateLimiter(options: { readonly ratePerSecond: number; readonly burst: number }): RateLimiter;
  /**
   * An online, consistent copy of the whole store into `file` (which must not exist), taken while
   * the server runs; 'unsupported' where the engine has its own tools (PostgreSQL: pg_dump).
   */
  backup(file: string): Promise<'done' | 'unsupported'>;
  /** The engine's integrity check, plus every DKIM identity has its three keys and no key is orphaned. */
  checkConsistency(): Promise<ConsistencyReport>;
  /**
   * Rebuilds the DNS server's key table from the keys, where the engine keeps one of its own (SQLite,
   * migration 0019), and answers the rows it holds; 'unsupported' where there is none (PostgreSQL
   * reads the keys through an index it keeps itself).
   */
  rebuildDnsKeyTable(): Promise<number | 'unsupported'>;
  close(): Promise<void>;
}

export interface ConsistencyReport {
  /** The engine's own check: `['ok']` when sound (SQLite's PRAGMA integrity_check; PostgreSQL: none). */
  readonly integrity: readonly string[];
  /** Domain identities with some but not all of their three DKIM keys. */
  readonly identitiesMissingKeys: readonly string[];
  /** Keys whose identity is gone. */
  readonly orphanKeys: number;
  readonly ok: boolean;
}

/** What a backup and an integrity check are on each engine (a strategy, never an `if` on the dialect). */
export interface EngineMaintenance {
  backup(file: string): Promise<'done' | 'unsupported'>;
  integrity(): Promise<string[]>;
  rebuildDnsKeyTable(): Promise<number | 'unsupported'>;
}

export interface StorageParts {
  readonly db: Kysely<Database>;
  readonly store: KyselyStore;
  readonly detectionEngine: DetectionEngine;
  readonly rateLimiter: Storage['rateLimiter'];
  readonly maintenance: EngineMaintenance;
  /**
   * Makes the engine's synchronous key lookup (DnsKeyStore.findKeyNow), where it has one: called when
   * the DNS key store is first used, so that only a process that serves DNS pays for it (SQLite: a
   * second, read-only connection, opened by the first lookup: only a DNS cache that reads its misses
   * at once makes one).
   */
  readonly keyLookupNow?: () => SyncKeyLookup;
  /** The engine's batched key read (DnsKeyStore.findKeys), where it has a better one than an IN list. */
  readonly keysByTokens?: KeysByTokens;
  /** Starts that read's own means ahead of the first miss and reports its failures (DnsKeyStore.startKeyReads). */
  readonly startKeyReads?: (onTrouble: (err: Error) => void) => () => void;
  /** Where overview's scans run (ReadAside); without it, on the store's own connection or pool. */
  readonly readAside?: ReadAside;
  /** Closes what the engine opened beside the store (keyLookupNow's connection, SQLite's key read thread), before the store. */
  readonly closeExtra?: () => void | Promise<void>;
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
  const detection = lazy(() => new KyselyDetectionStore(db, detectionEngine, parts.readAside));
  const mailFrom = lazy(() => new KyselyMailFromStore(db, detectionEngine));
  const dnsKeys = lazy(() => new KyselyDnsKeyStore(db, parts.keyLookupNow?.(), parts.keysByTokens, parts.startKeyReads));
  const keyRings = lazy(() => new KyselyKeyRingStore(db, (q) => store.lockTaken(q)));
  const externalDkim = lazy(() => new KyselyExternalDkimStore(db, detectionEngine));
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
    get externalDkim() {
      return externalDkim();
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
    backup: (file) => parts.maintenance.backup(file),
    rebuildDnsKeyTable: () => parts.maintenance.rebuildDnsKeyTable(),
    checkConsistency: async () => {
      const [integrity, keys] = await Promise.all([parts.maintenance.integrity(), keyConsistency(db)]);
      const ok = integrity.length === 1 && integrity[0] === 'ok' && keys.identitiesMissingKeys.length === 0 && keys.orphanKeys === 0;
      return { integrity, ...keys, ok };
    },
    close: async () => {
      await parts.closeExtra?.();
      await store.close();
    },
  };
}

/**
 * An identity never exists without its three keys (they are taken from the pool in the transaction
 * that creates it), and a deleted identity's keys go with it (ON DELETE CASCADE): a store where
 * either fails was damaged or restored from a torn copy.
 */
async function keyConsistency(db: Kysely<Database>): Promise<Pick<ConsistencyReport, 'identitiesMissingKeys' | 'orphanKeys'>> {
  const [partial, orphans] = await Promise.all([
    db
      .selectFrom('identities')
      .innerJoin('dkim_keys', 'dkim_keys.identity_id', 'identities.id')
      .select(['identities.account_id', 'identities.region', 'identities.name', (eb) => eb.fn.countAll().as('n')])
      .groupBy(['identities.id', 'identities.account_id', 'identities.region', 'identities.name'])
      .having((eb) => eb.fn.countAll(), '<>', 3)
      .execute(),
    db
      .selectFrom('dkim_keys')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('identities').select('identities.id').whereRef('identities.id', '=', 'dkim_keys.identity_id'))))
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return {
    identitiesMissingKeys: partial.map((r) => `${r.account_id}/${r.region}/${r.name}`),
    orphanKeys: Number(orphans.n),
  };
}
