import type { FastifyInstance } from 'fastify';
import type { DetectionObserver, Resolver } from '../app/detection-ports.ts';
import { dkimDoctor } from '../app/dkim-doctor.ts';
import { publishSandboxDkimRecords, unpublishSandboxDkimRecords } from '../app/dev-sandbox-records.ts';
import type { Clock } from '../app/ports.ts';
import { checkDkimNow } from '../app/check-dkim-now.ts';
import type { DetectionDeps } from '../app/run-detection-check.ts';
import { DomainError } from '../core/index.ts';
import { registerSignetRoutes } from '../api/signet-routes.ts';
import type { CoreConfig } from '../config/config.ts';
import { parseDuration, type DkimServiceConfig } from '../config/dkim-config.ts';
import { startDnsServer, type RunningDnsServer } from '../dns/authoritative-server.ts';
import { answersFromCache, KeyZoneCache } from '../dns/key-zone-cache.ts';
import { keyZone, withLiveSerial, type KeyZone } from '../dns/key-zone.ts';
import { parseTsigKey, type TsigKey } from '../dns/tsig.ts';
import { parseNotifyTarget, ZoneNotifier } from '../dns/zone-notifier.ts';
import { serialOf, ZoneTransfers } from '../dns/zone-transfer.ts';
import { readFileSync } from 'node:fs';
import { createNodeResolver, parseResolverAddress } from '../dns/node-resolver.ts';
import { createSandboxResolver } from '../dns/sandbox-resolver.ts';
import type { Storage } from '../storage/open-storage.ts';
import { DetectionWorker } from '../worker/detection-worker.ts';
import { KeyRingWorker } from '../worker/key-ring-worker.ts';
import { rotateDomainKeys, type KeyRingDeps, type KeyRingEvent } from '../app/key-ring.ts';
import { KEY_FEED_LAG_MS } from '../core/index.ts';
import type { OffsetClock } from '../worker/offset-clock.ts';
import { startDnsWorkers, type DnsWorkerPool } from './dns-workers.ts';
import type { Signet } from './signet.ts';
import { ConfigError } from '../config/config.ts';

/** Claims outlive a check by far; a worker that dies frees its domains after this. */
export const DETECTION_LEASE_MS = 5 * 60_000;

/** The detection resolver: `--resolver` servers (or the system's), behind the sandbox zone in dev mode. */
export function detectionResolver(dkim: DkimServiceConfig, stores: Pick<Storage, 'sandbox'>): Resolver {
  let servers: string[];
  try {
    servers = dkim.resolvers.map(parseResolverAddress);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const network = createNodeResolver({ servers, timeoutMs: dkim.resolverTimeoutMs });
  return dkim.dev ? createSandboxResolver(stores.sandbox, network) : network;
}

export function keyZoneOf(dkim: DkimServiceConfig): KeyZone {
  return keyZone(dkim.zone, { nameservers: dkim.nameservers });
}

/**
 * The key ring's dependencies over one Signet (the server's worker and `/_signet/rotate`, and
 * `signet dkim rotate` in-process alike): its store, the service clock (dev mode's moves it), the
 * key zone's TTL, the retention and schedule from the flags, and the key pool for fresh keys.
 */
export function keyRingDeps(signet: Signet, dkim: DkimServiceConfig, onEvent?: (event: KeyRingEvent) => void): KeyRingDeps {
  return {
    rings: signet.storage.keyRings,
    clock: signet.runtime.clock,
    policy: {
      ttlMs: keyZoneOf(dkim).ttl * 1000,
      feedLagMs: KEY_FEED_LAG_MS,
      retentionMs: dkim.keyRing.retentionMs,
      intervalMs: dkim.keyRing.intervalMs,
    },
    wantKeys: (bits, count) => signet.keyPool.supply(bits, count),
    zoneChanges: signet.zoneChanges,
    toAscii: signet.ctx.toAscii,
    ...(onEvent ? { onEvent } : {}),
  };
}

export interface DkimServices {
  readonly dns: RunningDnsServer;
  /** This process's key zone cache, for `/metrics` (DNS workers keep their own). */
  readonly dnsCache: Pick<KeyZoneCache, 'size' | 'hits' | 'storeReads'>;
  /** Starts the detection worker (unless `--no-detection`): after every listener is up. */
  startDetection(): void;
  close(): Promise<void>;
}

export interface StartDkimServicesInput {
  readonly core: CoreConfig;
  readonly dkim: DkimServiceConfig;
  readonly signet: Signet;
  /** The service clock; in dev mode the one `/_signet/clock` moves (the same clock the use cases run on). */
  readonly devClock: OffsetClock | null;
  readonly app: FastifyInstance;
  readonly onError: (err: unknown, what: string) => void;
  /** Detection's checks and status changes (logged and counted by server.ts). */
  readonly detectionObserver?: DetectionObserver;
  /** Every DNS reply of this process's server (`/metrics`). */
  readonly onDnsAnswer?: (reply: Buffer) => void;
  /** Each key generation, activation and retirement (the server logs and counts them). */
  readonly onKeyEvent?: (event: KeyRingEvent) => void;
  /** Zone transfers and NOTIFY as they happen, for the log. */
  readonly onDnsEvent?: (fields: Record<string, unknown>, message: string) => void;
}

/**
 * The TSIG keys of `--tsig-key` and `--tsig-key-file`. A file holds `NAME:BASE64SECRET` lines or
 * BIND's `key "NAME" { algorithm hmac-sha256; secret "..."; };` clauses (what `tsig-keygen` prints),
 * so one file can be shared with the secondaries' configuration.
 */
export function readTsigKeys(dkim: DkimServiceConfig): TsigKey[] {
  const specs = [...dkim.transfers.tsigKeys];
  for (const file of dkim.transfers.tsigKeyFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`--tsig-key-file ${file}: ${(err as Error).message}`);
    }
    const clauses = [...text.matchAll(/key\s+"?([^"\s{]+)"?\s*\{([^}]*)\}/g)];
    for (const [, name, body] of clauses) {
      const algorithm = /algorithm\s+"?([\w-]+)"?\s*;/.exec(body!)?.[1]?.toLowerCase();
      const secret = /secret\s+"([^"]+)"\s*;/.exec(body!)?.[1];
      if (algorithm !== 'hmac-sha256' || !secret) throw new ConfigError(`--tsig-key-file ${file}: key ${name} must be hmac-sha256 with a secret`);
      specs.push(`${name}:${secret}`);
    }
    if (clauses.length === 0)
      specs.push(
        ...text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#')),
      );
  }
  try {
    return specs.map(parseTsigKey);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/**
 * `signet serve`'s DKIM side: the key zone's DNS server, the detection worker (unless
 * `--no-detection`), and the `/_signet/` routes (the test controls only in `--dev`). Call before the
 * HTTP server listens, so that the routes are registered in time; the DNS listeners are bound when it
 * returns, and detection starts only on `startDetection()`.
 */
export async function startDkimServices(input: StartDkimServicesInput): Promise<DkimServices> {
  const { dkim, core, signet } = input;
  const store = signet.storage.store;
  const toAscii = signet.ctx.toAscii;
  const stores = signet.storage;
  const clock: Clock = signet.runtime.clock;
  const resolver = detectionResolver(dkim, stores);
  const deps: DetectionDeps = {
    store: stores.detection,
    resolver,
    clock,
    zone: dkim.zone,
    policy: dkim.policy,
    leaseMs: DETECTION_LEASE_MS,
    // Custom MAIL FROM domains go through the same worker, resolver and lifecycle.
    mailFrom: { store: stores.mailFrom, expect: dkim.mailFrom },
    externalDkim: stores.externalDkim,
    ...(input.detectionObserver ? { observer: input.detectionObserver } : {}),
  };
  const defaultScope = { accountId: core.accountId, region: core.defaultRegion };
  const ringDeps = keyRingDeps(signet, dkim, input.onKeyEvent);
  const sandboxDeps = { store: store, sandbox: stores.sandbox, zone: dkim.zone, toAscii: toAscii };
  registerSignetRoutes(input.app, {
    defaultScope,
    // The SES API's authenticator: SigV4 for the identity's account, or in dev mode the dev one.
    authenticate: (request) => signet.authenticator!.authenticate(request),
    allowUnsigned: dkim.dev,
    doctor: (scope, domain) =>
      dkimDoctor(
        { store: store, resolver, zone: dkim.zone, toAscii: toAscii, rings: { store: stores.keyRings, clock }, external: stores.externalDkim },
        scope,
        domain,
      ),
    check: (scope, domain) => checkDkimNow({ ...deps, toAscii }, scope, domain),
    rotate: (scope, domain) => rotateDomainKeys(ringDeps, scope, domain),
    onInternalError: (err, route) => input.onError(err, route),
    ...(dkim.dev && input.devClock
      ? {
          dev: {
            publish: (scope, domain) => publishSandboxDkimRecords(sandboxDeps, scope, domain),
            unpublish: (scope, domain) => unpublishSandboxDkimRecords(sandboxDeps, scope, domain),
            clock: input.devClock,
            parseDuration: (text) => {
              try {
                return parseDuration('advance', text, 0);
              } catch (err) {
                if (err instanceof ConfigError) throw new DomainError('invalid_parameter', err.message);
                throw err;
              }
            },
          },
        }
      : {}),
  });
  // The key zone in memory, kept current by the store's change feed; the use cases of this process
  // wait for it to catch up after they create or delete keys (see KeyZoneCache).
  // As a hidden primary (issue 19): transfers to allowed secondaries holding a TSIG key, and NOTIFY
  // to the listed ones whenever the cache sees the change sequence (the SOA serial) move.
  const log = input.onDnsEvent ?? (() => {});
  const tsigKeys = readTsigKeys(dkim);
  let notifier: ZoneNotifier | null = null;
  const cache = new KeyZoneCache(stores.dnsKeys, {
    maxEntries: dkim.dnsCacheKeys,
    readMissesNow: dkim.dnsKeyReads === 'inline',
    onError: (err) => input.onError(err, 'key zone cache'),
    onChange: (seq) => notifier?.changed(serialOf(seq)),
  });
  await cache.start();
  const unsubscribe = signet.zoneChanges.subscribe(cache);
  const zone = withLiveSerial(keyZoneOf(dkim), () => serialOf(cache.seq));
  let transfers: ZoneTransfers | undefined;
  let notifyTargets;
  try {
    const allow = dkim.transfers.allow;
    if (allow.length > 0 && tsigKeys.length === 0) throw new ConfigError('--xfr-allow needs a --tsig-key (or --tsig-key-file): transfers are always signed');
    if (allow.length > 0) {
      transfers = new ZoneTransfers({
        zone,
        store: stores.dnsKeys,
        settings: { keys: tsigKeys, allow },
        onEvent: (event) => log({ transfer: event }, event.kind === 'refused' ? 'zone transfer refused' : 'zone transfer'),
      });
    }
    notifyTargets = dkim.transfers.notify.map(parseNotifyTarget);
  } catch (err) {
    unsubscribe();
    cache.stop();
    throw err instanceof RangeError ? new ConfigError(err.message) : err;
  }
  let dns: RunningDnsServer;
  try {
    dns = await startDnsServer({
      host: dkim.dnsHost,
      port: dkim.dnsPort,
      zone,
      ...answersFromCache(zone, cache),
      rrl: dkim.dnsRrl,
      tsigKeys,
      // Workers read the server's own dgram socket, handed to them (src/main/dns-workers.ts).
      udpBatch: dkim.dnsUdpBatch && dkim.dnsWorkers <= 1,
      ...(transfers ? { transfers } : {}),
      onError: (err) => input.onError(err, 'dns server'),
      ...(input.onDnsAnswer ? { onAnswer: input.onDnsAnswer } : {}),
    });
    if (notifyTargets.length > 0) {
      notifier = new ZoneNotifier({
        zone,
        targets: notifyTargets,
        key: tsigKeys[0],
        bindHost: dkim.dnsHost,
        ...(dkim.transfers.notifyDelayMs !== null ? { minIntervalMs: dkim.transfers.notifyDelayMs } : {}),
        onEvent: (event) => log({ notify: event }, event.kind === 'gave-up' ? 'notify unanswered' : 'notify'),
        onError: (err) => input.onError(err, 'notify'),
      });
      await notifier.start();
      // RFC 1996 §3.1 allows NOTIFY at start, as BIND does: secondaries check the serial now.
      notifier.changed(serialOf(cache.seq));
    }
  } catch (err) {
    notifier?.close();
    unsubscribe();
    cache.stop();
    throw err;
  }
  // More processes on the same UDP socket, each with its own copy of the zone that this process's
  // use cases wait for as for the cache above.
  let dnsWorkers: DnsWorkerPool | null = null;
  let unsubscribeWorkers = () => {};
  if (dkim.dnsWorkers > 1) {
    try {
      dnsWorkers = await startDnsWorkers({
        count: dkim.dnsWorkers - 1,
        udp: dns.udp!,
        config: {
          store: { databaseUrl: core.databaseUrl, dataDir: core.dataDir },
          zone: dkim.zone,
          nameservers: dkim.nameservers,
          rrl: dkim.dnsRrl,
          cacheKeys: dkim.dnsCacheKeys,
          readMissesNow: dkim.dnsKeyReads === 'inline',
          tsigKeys: tsigKeys.map((k) => `${k.name}:${k.secret.toString('base64')}`),
        },
        onError: (err) => input.onError(err, 'dns workers'),
      });
    } catch (err) {
      notifier?.close();
      await dns.close();
      unsubscribe();
      cache.stop();
      throw err;
    }
    const pool = dnsWorkers;
    unsubscribeWorkers = signet.zoneChanges.subscribe(pool);
  }
  const worker = dkim.detection
    ? new DetectionWorker(deps, { pollMs: dkim.pollMs, batchSize: dkim.batchSize, onError: (err) => input.onError(err, 'detection') })
    : null;
  // The key rings advance whether or not detection runs: activation and retirement are about what DNS
  // serves, not about what customers published.
  const rings = new KeyRingWorker(ringDeps, { pollMs: dkim.pollMs, batchSize: dkim.batchSize, onError: (err) => input.onError(err, 'key ring') });
  return {
    dns,
    dnsCache: cache,
    startDetection: () => {
      worker?.start();
      rings.start();
    },
    async close() {
      await rings.stop();
      await worker?.stop();
      unsubscribeWorkers();
      await dnsWorkers?.close();
      notifier?.close();
      await dns.close();
      unsubscribe();
      cache.stop();
    },
  };
}
