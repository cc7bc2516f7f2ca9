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
import { keyZone, type KeyZone } from '../dns/key-zone.ts';
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
  const cache = new KeyZoneCache(stores.dnsKeys, { onError: (err) => input.onError(err, 'key zone cache') });
  await cache.start();
  const unsubscribe = signet.zoneChanges.subscribe(cache);
  const zone = keyZoneOf(dkim);
  let dns: RunningDnsServer;
  try {
    dns = await startDnsServer({
      host: dkim.dnsHost,
      port: dkim.dnsPort,
      zone,
      ...answersFromCache(zone, cache),
      rrl: dkim.dnsRrl,
      onError: (err) => input.onError(err, 'dns server'),
      ...(input.onDnsAnswer ? { onAnswer: input.onDnsAnswer } : {}),
    });
  } catch (err) {
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
        udp: dns.udp,
        config: { store: { databaseUrl: core.databaseUrl, dataDir: core.dataDir }, zone: dkim.zone, nameservers: dkim.nameservers, rrl: dkim.dnsRrl },
        onError: (err) => input.onError(err, 'dns workers'),
      });
    } catch (err) {
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
    startDetection: () => {
      worker?.start();
      rings.start();
    },
    async close() {
      await rings.stop();
      await worker?.stop();
      unsubscribeWorkers();
      await dnsWorkers?.close();
      await dns.close();
      unsubscribe();
      cache.stop();
    },
  };
}
